"""Database triggers that keep `allocated_minor` equal to the sum of allocations.

Installed by migration 0002 for SQLite and PostgreSQL. Because the database does
the bookkeeping, every writer (ORM, bulk import, raw SQL) keeps invoices,
payments and credit notes consistent, and the CHECK constraints on those tables
refuse an over-allocation inside the same statement.
"""

from __future__ import annotations

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

_TARGETS = (
    ("ledger_invoice", "invoice_id"),
    ("ledger_payment", "payment_id"),
    ("ledger_creditnote", "credit_note_id"),
)


def _apply(row: str, sign: str) -> str:
    return "\n".join(
        f"UPDATE {table} SET allocated_minor = allocated_minor {sign} {row}.amount_minor "  # noqa: S608 - our own table names
        f"WHERE id = {row}.{column};"
        for table, column in _TARGETS
    )


SQLITE_CREATE = [
    f"""CREATE TRIGGER ledger_allocation_ai AFTER INSERT ON ledger_allocation
BEGIN
{_apply("NEW", "+")}
END;""",
    f"""CREATE TRIGGER ledger_allocation_ad AFTER DELETE ON ledger_allocation
BEGIN
{_apply("OLD", "-")}
END;""",
    f"""CREATE TRIGGER ledger_allocation_au
AFTER UPDATE OF amount_minor, invoice_id, payment_id, credit_note_id ON ledger_allocation
BEGIN
{_apply("OLD", "-")}
{_apply("NEW", "+")}
END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ledger_allocation_ai;",
    "DROP TRIGGER IF EXISTS ledger_allocation_ad;",
    "DROP TRIGGER IF EXISTS ledger_allocation_au;",
]

POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION ledger_allocation_sync() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
{_apply("OLD", "-")}
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
{_apply("NEW", "+")}
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_allocation_sync
AFTER INSERT OR DELETE OR UPDATE OF amount_minor, invoice_id, payment_id, credit_note_id
ON ledger_allocation FOR EACH ROW EXECUTE FUNCTION ledger_allocation_sync();""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS ledger_allocation_sync ON ledger_allocation;",
    "DROP FUNCTION IF EXISTS ledger_allocation_sync();",
]


def _run(schema_editor: BaseDatabaseSchemaEditor, sqlite: list[str], postgres: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = sqlite
    elif vendor == "postgresql":
        statements = postgres
    else:  # pragma: no cover - relance supports SQLite and PostgreSQL only
        raise NotImplementedError(f"relance does not support the {vendor} database")
    for statement in statements:
        schema_editor.execute(statement)


def create(apps: object, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, SQLITE_CREATE, POSTGRES_CREATE)


def drop(apps: object, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, SQLITE_DROP, POSTGRES_DROP)
