"""Importing customers, contacts, invoices and payments from CSV or XLSX files.

    from relance.imports.service import run_import, ImportResult
    result = run_import(creditor, "invoices", Path("invoices.csv"), file_name="invoices.csv")

The file is streamed in chunks of CHUNK_ROWS rows: the customers a chunk refers to are
looked up together, then its rows are validated in Python and written with one bulk
INSERT. The whole import is one transaction: any error in any row and nothing is written
(the ImportBatch records the refusal and the errors). A dry run (ImportBatch status
dry_run) is rolled back the same way.

Invoices are written even in a dry run or after an error (then rolled back), so that a
number repeated in a later chunk is found in the database: memory does not grow with an
invoice file. Customers, contacts and payments keep the keys seen in memory. Lookups drop
the models' default ordering (`order_by()`), which would make SQLite walk an index in that
order instead of seeking the keys.

Each record is identified by a key: customers by (creditor, external_ref), contacts
by (customer, external_ref), invoices by (creditor, number), payments by (creditor,
external_ref). A known key with the same values counts as unchanged; customers and
contacts with different values are updated (reference data); an invoice or payment
with different values is an error on that row: issued invoices and recorded
payments are never modified by an import.

Refusals of the whole file (size, encoding, no header, missing columns, no rows)
come back as an ImportResult whose errors are on line 0 (the file) or 1 (the
header); an unknown kind raises relance.core.errors.BadInput.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from relance.core.bulk import bulk_insert
from relance.core.errors import BadInput
from relance.core.models import Source
from relance.creditors.models import Creditor
from relance.customers.models import Channel, Contact, ContactRole, Customer, CustomerKind
from relance.domain.calendar import DateParseError, PaymentTerms, TermsMethod, parse_date
from relance.domain.identifiers import (
    IdentifierError,
    Issue,
    check_vat_matches_siren,
    clean_country,
    clean_email,
    clean_iban,
    clean_phone,
    clean_postal_code,
    clean_siren,
    clean_siret,
    clean_vat,
)
from relance.domain.money import Money, MoneyError, exponent, parse_amount
from relance.imports.columns import COLUMNS, Column, lookup, normalise
from relance.imports.models import ImportBatch, ImportKind, ImportStatus
from relance.imports.reader import FileRefused, Table, open_table
from relance.ledger.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from relance.risk.services import refresh_after_import as refresh_risk_after_import

#: Rows validated and written together.
CHUNK_ROWS = 5000
#: Errors listed in a result (the count beyond is reported in one last error).
MAX_ERRORS = 1000
#: SQLite page cache used during an import, in KiB (index inserts on big tables).
SQLITE_CACHE_KIB = 64 * 1024
#: IN (...) lists are cut to this size (portable across SQLite builds).
_IN_SIZE = 900


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "field": self.field, "code": self.code, "message": self.message}


@dataclass
class ImportResult:
    batch: ImportBatch
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict[str, str]] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch.pk,
            "status": self.batch.status,
            "kind": self.kind,
            "file_name": self.batch.file_name,
            "sha256": self.batch.sha256,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "applied": self.applied,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "errors": [e.as_dict() for e in self.errors],
            "preview": self.preview,
        }


class _Rollback(Exception):
    pass


def _msg(code: str, field_name: str, en: str, fr: str) -> Issue:
    return Issue(field_name, code, en, fr)


class _Run:
    """State of one import: counts, errors, preview."""

    def __init__(
        self, creditor: Creditor, dry_run: bool, preview_rows: int, batch: ImportBatch
    ) -> None:
        self.creditor = creditor
        self.dry_run = dry_run
        self.preview_rows = preview_rows
        self.batch = batch
        self.issues: list[tuple[int, Issue]] = []
        self.error_count = 0
        self.created = self.updated = self.unchanged = 0
        self.preview: list[dict[str, str]] = []
        #: external_ref → (id, currency, payment terms days) of the customers the current
        #: chunk refers to (loaded per chunk, so memory does not grow with the file)
        self.customers: dict[str, tuple[int, str, int | None]] = {}

    def error(self, line: int, issue: Issue) -> None:
        self.error_count += 1
        if len(self.issues) < MAX_ERRORS:
            self.issues.append((line, issue))

    @property
    def writing(self) -> bool:
        return not self.dry_run and self.error_count == 0

    def load_customers(self, refs: Iterable[str]) -> None:
        """Look up the customers one chunk refers to (replacing the previous chunk's)."""
        wanted = sorted({ref for ref in refs if ref})
        self.customers = {}
        for part in _chunks(wanted):
            for ref, pk, cur, days in (
                Customer.objects.filter(creditor=self.creditor, external_ref__in=part)
                .order_by()
                .values_list("external_ref", "id", "currency", "payment_terms_days")
            ):
                self.customers[str(ref)] = (pk, cur, days)

    @property
    def wants_preview(self) -> bool:
        return len(self.preview) < self.preview_rows

    def show(self, line: int, action: str, values: dict[str, object]) -> None:
        if len(self.preview) < self.preview_rows:
            row = {"line": str(line), "action": action}
            row.update({k: _display(v) for k, v in values.items()})
            self.preview.append(row)


def _display(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_PLAIN_AMOUNT = re.compile(r"\d{1,15}(?:[.,]\d{1,3})?\Z")
_DATES: dict[str, date] = {}


@functools.cache
def _exponent(currency: str) -> int:
    return exponent(currency)


class _Row:
    """One row being checked: typed getters that record errors with the row's line."""

    def __init__(self, run: _Run, line: int, cells: dict[str, str]) -> None:
        self.run = run
        self.line = line
        self.cells = cells
        self.ok = True

    def has(self, name: str) -> bool:
        return name in self.cells

    def text(self, name: str, max_length: int = 200, required: bool = False) -> str:
        value = self.cells.get(name, "")
        if not value:
            if required:
                self.fail(name, "required", f"{name} is required", f"{name} est obligatoire")
            return ""
        if len(value) > max_length:
            self.fail(
                name,
                "too_long",
                f"'{value[:40]}…' is longer than {max_length} characters",
                f"« {value[:40]}… » dépasse {max_length} caractères",
            )
            return ""
        return value

    def fail(self, name: str, code: str, en: str, fr: str) -> None:
        self.ok = False
        self.run.error(self.line, _msg(code, name, en, fr))

    def issue(self, issue: Issue) -> None:
        self.ok = False
        self.run.error(self.line, issue)

    def date(self, name: str, required: bool = False) -> date | None:
        value = self.text(name, 40, required)
        if not value:
            return None
        cached = _DATES.get(value)
        if cached is not None:
            return cached
        try:
            parsed = parse_date(value)
        except DateParseError:
            self.fail(
                name,
                "bad_date",
                f"'{value}' is not a date (expected dd/mm/yyyy or yyyy-mm-dd)",
                f"« {value} » n'est pas une date (attendu jj/mm/aaaa ou aaaa-mm-jj)",
            )
            return None
        if len(_DATES) > 50_000:
            _DATES.clear()
        _DATES[value] = parsed
        return parsed

    def decimal(self, name: str, required: bool = False) -> Decimal | None:
        value = self.text(name, 40, required)
        if not value:
            return None
        try:
            # The common plain form ("1234", "1234,56", "1234.5") read directly; the same
            # reading parse_amount gives it (one separator is the decimal mark).
            if _PLAIN_AMOUNT.match(value):
                amount = Decimal(value.replace(",", "."))
            else:
                amount = parse_amount(value)
        except MoneyError:
            self.fail(
                name,
                "bad_amount",
                f"'{value}' is not an amount (e.g. 1234,56 or 1 234.56)",
                f"« {value} » n'est pas un montant (par exemple 1234,56 ou 1 234.56)",
            )
            return None
        if amount < 0:
            self.fail(
                name,
                "negative_amount",
                f"{value}: a negative amount is not accepted here",
                f"{value} : un montant négatif n'est pas accepté ici",
            )
            return None
        return amount

    def minor(self, name: str, amount: Decimal | None, currency: str) -> int | None:
        if amount is None:
            return None
        scaled = amount.scaleb(_exponent(currency))
        if scaled == scaled.to_integral_value():
            return int(scaled)
        self.fail(
            name,
            "bad_amount",
            f"{amount} has more decimals than {currency} allows",
            f"{amount} a plus de décimales que n'en permet la devise {currency}",
        )
        return None

    def currency(self, name: str, default: str) -> str:
        value = self.text(name, 10).upper()
        if not value:
            return default
        try:
            exponent(value)
        except MoneyError:
            self.fail(
                name,
                "bad_currency",
                f"'{value}' is not a currency code (three capital letters, e.g. EUR)",
                f"« {value} » n'est pas un code devise (trois lettres, par exemple EUR)",
            )
            return default
        return value

    def clean(self, name: str, cleaner: Callable[..., str], *args: Any) -> str:
        value = self.text(name, 200)
        if not value:
            return ""
        try:
            return cleaner(value, *args, field=name)
        except IdentifierError as exc:
            self.issue(exc.issue)
            return ""

    def choice(self, name: str, choices: dict[str, str], default: str) -> str:
        value = self.text(name, 40)
        if not value:
            return default
        found = choices.get(normalise(value))
        if found is None:
            allowed = ", ".join(sorted(set(choices.values())))
            self.fail(
                name,
                "bad_choice",
                f"'{value}' is not one of: {allowed}",
                f"« {value} » ne fait pas partie des valeurs acceptées : {allowed}",
            )
            return default
        return found

    def boolean(self, name: str) -> bool:
        value = normalise(self.cells.get(name, ""))
        if value in ("", "0", "no", "non", "n", "false", "faux", "f"):
            return False
        if value in ("1", "yes", "oui", "o", "y", "true", "vrai", "v", "x"):
            return True
        self.fail(
            name,
            "bad_boolean",
            f"'{self.cells[name]}' is not yes/no (oui/non, 1/0)",
            f"« {self.cells[name]} » n'est pas oui/non (yes/no, 1/0)",
        )
        return False

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self.text(name, 10)
        if not value:
            return None
        if not value.isdigit() or not low <= int(value) <= high:
            self.fail(
                name,
                "bad_number",
                f"'{value}' is not a whole number from {low} to {high}",
                f"« {value} » n'est pas un nombre entier de {low} à {high}",
            )
            return None
        return int(value)

    def duplicate(self, name: str, value: str, value_fr: str | None = None) -> None:
        self.fail(
            name,
            "duplicate_in_file",
            f"{value} appears more than once in the file",
            f"{value_fr or value} figure plusieurs fois dans le fichier",
        )

    def customer(
        self, name: str, required: bool = True
    ) -> tuple[str, tuple[int, str, int | None] | None]:
        ref = self.text(name, 64, required)
        if not ref:
            return "", None
        found = self.run.customers.get(ref)
        if found is None:
            self.fail(
                name,
                "unknown_customer",
                f"no customer with reference {ref} (import customers first)",
                f"aucun client avec la référence {ref} (importez d'abord les clients)",
            )
        return ref, found


def _choices(values: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, aliases in values:
        for alias in (canonical, *aliases):
            table[normalise(alias)] = canonical
    return table


_KINDS = _choices(
    [
        (CustomerKind.B2B, ("business", "entreprise", "professionnel", "pro")),
        (CustomerKind.B2C, ("consumer", "particulier", "consommateur")),
    ]
)
_LANGUAGES = _choices(
    [(code, (label,)) for code, label in settings.LANGUAGES]
    + [("fr", ("francais", "french")), ("en", ("anglais", "english"))]
)
_ROLES = _choices(
    [
        (
            ContactRole.ACCOUNTS_PAYABLE,
            ("comptabilite", "comptabilite_fournisseurs", "comptable", "ap", "compta"),
        ),
        (ContactRole.PURCHASING, ("achats", "acheteur", "achat")),
        (ContactRole.MANAGEMENT, ("direction", "dirigeant", "gerant", "management")),
        (ContactRole.OTHER, ("autre",)),
    ]
)
_CHANNELS = _choices(
    [
        (Channel.EMAIL, ("courriel", "mail", "e_mail")),
        (Channel.SMS, ("texto",)),
        (Channel.LETTER, ("courrier", "lettre", "post")),
        (Channel.PHONE, ("telephone", "tel", "appel")),
    ]
)
_METHODS = _choices(
    [
        (PaymentMethod.TRANSFER, ("virement", "vir", "wire", "bank_transfer")),
        (PaymentMethod.DIRECT_DEBIT, ("prelevement", "prlv", "sepa_direct_debit", "sdd")),
        (PaymentMethod.CARD, ("carte", "cb", "carte_bancaire")),
        (PaymentMethod.CHEQUE, ("chq", "check")),
        (PaymentMethod.CASH, ("especes", "liquide")),
        (PaymentMethod.OTHER, ("autre",)),
    ]
)


def _chunks(items: list[Any], size: int = _IN_SIZE) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _known(model: type[models.Model], column: str, creditor_id: int, keys: list[str]) -> list[str]:
    """Which of `keys` the creditor already has (one cheap SQL query per slice)."""
    table = connection.ops.quote_name(model._meta.db_table)
    found: list[str] = []
    with connection.cursor() as cursor:
        for part in _chunks(keys):
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT {column} FROM {table} WHERE creditor_id = %s "  # noqa: S608 - model names
                f"AND {column} IN ({marks})",
                [creditor_id, *part],
            )
            found.extend(str(row[0]) for row in cursor.fetchall())
    return found


# --------------------------------------------------------------------------- kinds


class _Handler:
    kind = ""
    #: the column naming the customer a row belongs to, looked up once per chunk
    customer_column = "customer_ref"

    def __init__(self, run: _Run, present: set[str]) -> None:
        self.run = run
        self.present = present
        self.rows: list[_Row] = []
        self.pending: list[dict[str, Any]] = []

    def parse(self, row: _Row) -> dict[str, Any] | None:
        raise NotImplementedError

    def flush(self) -> None:
        raise NotImplementedError

    def add(self, row: _Row) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK_ROWS:
            self.finish_chunk()

    def finish_chunk(self) -> None:
        """Check the chunk's rows (customers looked up together), then write them."""
        rows, self.rows = self.rows, []
        if self.customer_column:
            self.run.load_customers(row.cells.get(self.customer_column, "") for row in rows)
        for row in rows:
            record = self.parse(row)
            if record is not None and row.ok:
                record["line"] = row.line
                self.pending.append(record)
        if self.pending:
            self.flush()
            self.pending = []


_CUSTOMER_TEXT = {
    "legal_form": 50,
    "address_line1": 200,
    "address_line2": 200,
    "postal_code": 20,
    "city": 100,
    "segment": 40,
}


class _Customers(_Handler):
    kind = ImportKind.CUSTOMERS
    customer_column = ""

    def __init__(self, run: _Run, present: set[str]) -> None:
        super().__init__(run, present)
        self.seen: set[str] = set()

    def parse(self, row: _Row) -> dict[str, Any] | None:
        ref = row.text("external_ref", 64, required=True)
        values: dict[str, Any] = {"legal_name": row.text("legal_name", 200, required=True)}
        if ref:
            if ref in self.seen:
                row.duplicate("external_ref", ref)
            self.seen.add(ref)
        for name, size in _CUSTOMER_TEXT.items():
            if row.has(name):
                values[name] = row.text(name, size)
        country = self.run.creditor.country or "FR"
        if row.has("country"):
            country = row.clean("country", clean_country) or self.run.creditor.country or "FR"
            values["country"] = country
        if values.get("postal_code"):
            values["postal_code"] = row.clean("postal_code", clean_postal_code, country)
        if row.has("siren"):
            values["siren"] = row.clean("siren", clean_siren)
        if row.has("siret"):
            siret = values["siret"] = row.clean("siret", clean_siret)
            if siret and values.get("siren") and siret[:9] != values["siren"]:
                row.fail(
                    "siret",
                    "siret_siren_mismatch",
                    f"SIRET {siret} does not belong to SIREN {values['siren']}",
                    f"Le SIRET {siret} ne correspond pas au SIREN {values['siren']}",
                )
            elif siret and not values.get("siren") and not row.cells.get("siren"):
                values["siren"] = siret[:9]
        if row.has("vat_number"):
            vat = values["vat_number"] = row.clean("vat_number", clean_vat)
            if vat and values.get("siren"):
                mismatch = check_vat_matches_siren(vat, values["siren"])
                if mismatch is not None:
                    row.issue(mismatch)
        if row.has("kind"):
            values["kind"] = row.choice("kind", _KINDS, CustomerKind.B2B)
        if row.has("language"):
            values["language"] = row.choice("language", _LANGUAGES, "fr")
        if row.has("currency"):
            values["currency"] = row.currency("currency", self.run.creditor.currency)
        if row.has("credit_limit"):
            values["credit_limit"] = row.decimal("credit_limit")
        if row.has("payment_terms_days"):
            values["payment_terms_days"] = row.integer("payment_terms_days", 0, 365)
        return {"key": ref, "values": values} if row.ok else None

    def flush(self) -> None:
        run = self.run
        by_ref = {r["key"]: r for r in self.pending}
        fields = sorted({k for r in self.pending for k in r["values"]} - {"credit_limit"})
        if "credit_limit" in self.present:
            fields.append("credit_limit_minor")
        existing: dict[str, dict[str, Any]] = {}
        for refs in _chunks(list(by_ref)):
            for found in (
                Customer.objects.filter(creditor=run.creditor, external_ref__in=refs)
                .order_by()
                .values("id", "external_ref", "currency", *fields)
            ):
                existing[found["external_ref"]] = found
        create: list[dict[str, Any]] = []
        for record in self.pending:
            line, ref, values = record["line"], record["key"], dict(record["values"])
            old = existing.get(ref)
            if "credit_limit" in values:
                limit = values.pop("credit_limit")
                currency = (
                    values.get("currency") or (old or {}).get("currency") or run.creditor.currency
                )
                row = _Row(run, line, {})
                values["credit_limit_minor"] = row.minor("credit_limit", limit, currency)
                if not row.ok:
                    continue
            if old is None:
                run.created += 1
                run.show(line, "created", {"external_ref": ref, **values})
                values.setdefault("currency", run.creditor.currency)
                values.update(creditor_id=run.creditor.pk, external_ref=ref)
                create.append(values)
                continue
            changed = {k: v for k, v in values.items() if old.get(k) != v}
            if changed:
                run.updated += 1
                run.show(line, "updated", {"external_ref": ref, **values})
                if run.writing:
                    Customer.objects.filter(pk=old["id"]).update(
                        **changed, updated_at=timezone.now()
                    )
            else:
                run.unchanged += 1
                run.show(line, "unchanged", {"external_ref": ref, **values})
        if run.writing:
            bulk_insert(Customer, create)


class _Contacts(_Handler):
    kind = ImportKind.CONTACTS

    def __init__(self, run: _Run, present: set[str]) -> None:
        super().__init__(run, present)
        self.seen: set[tuple[str, str]] = set()
        self.primaries: set[int] = set()

    def parse(self, row: _Row) -> dict[str, Any] | None:
        customer_ref, customer = row.customer("customer_ref")
        ref = row.text("external_ref", 64, required=True)
        if ref and customer_ref:
            if (customer_ref, ref) in self.seen:
                row.duplicate("external_ref", f"{customer_ref} / {ref}")
            self.seen.add((customer_ref, ref))
        values: dict[str, Any] = {}
        for name, size in (
            ("first_name", 100),
            ("last_name", 100),
            ("job_title", 100),
            ("department", 100),
            ("address_line1", 200),
            ("address_line2", 200),
            ("city", 100),
        ):
            if row.has(name):
                values[name] = row.text(name, size)
        country = "FR"
        if row.has("country"):
            country = values["country"] = row.clean("country", clean_country)
        if row.cells.get("postal_code"):
            values["postal_code"] = row.clean("postal_code", clean_postal_code, country or "FR")
        elif row.has("postal_code"):
            values["postal_code"] = ""
        if row.has("email"):
            values["email"] = row.clean("email", clean_email)
        for name in ("phone", "mobile"):
            if row.has(name):
                values[name] = row.clean(name, clean_phone, country or "FR")
        if row.has("role"):
            values["role"] = row.choice("role", _ROLES, ContactRole.OTHER)
        if row.has("preferred_channel"):
            values["preferred_channel"] = row.choice("preferred_channel", _CHANNELS, "")
        if row.has("is_primary_billing"):
            primary = values["is_primary_billing"] = row.boolean("is_primary_billing")
            if primary and customer is not None:
                if customer[0] in self.primaries:
                    row.fail(
                        "is_primary_billing",
                        "two_primary_contacts",
                        f"customer {customer_ref} has more than one primary billing contact "
                        "in the file",
                        f"le client {customer_ref} a plusieurs contacts de facturation principaux "
                        "dans le fichier",
                    )
                self.primaries.add(customer[0])
        if not (
            row.cells.get("first_name") or row.cells.get("last_name") or row.cells.get("email")
        ):
            row.fail(
                "last_name",
                "no_name",
                "a contact needs a name or an email address",
                "un contact doit avoir un nom ou une adresse e-mail",
            )
        if not row.ok or customer is None:
            return None
        return {"key": (customer[0], ref), "customer_ref": customer_ref, "values": values}

    def flush(self) -> None:
        run = self.run
        fields = sorted({k for r in self.pending for k in r["values"]})
        keys = [r["key"] for r in self.pending]
        existing: dict[tuple[int, str], dict[str, Any]] = {}
        wanted = set(keys)
        for part in _chunks(keys, _IN_SIZE // 2):
            query = (
                Contact.objects.filter(
                    customer_id__in={k[0] for k in part}, external_ref__in={k[1] for k in part}
                )
                .order_by()
                .values("id", "customer_id", "external_ref", *fields)
            )
            for found in query:
                key = (found["customer_id"], found["external_ref"])
                if key in wanted:
                    existing[key] = found
        create: list[dict[str, Any]] = []
        for record in self.pending:
            line, key, values = record["line"], record["key"], record["values"]
            shown = {"customer_ref": record["customer_ref"], "external_ref": key[1], **values}
            old = existing.get(key)
            if old is None:
                run.created += 1
                run.show(line, "created", shown)
                create.append({"customer_id": key[0], "external_ref": key[1], **values})
                action_pk = None
            else:
                changed = {k: v for k, v in values.items() if old.get(k) != v}
                action_pk = old["id"]
                if changed:
                    run.updated += 1
                    run.show(line, "updated", shown)
                else:
                    run.unchanged += 1
                    run.show(line, "unchanged", shown)
                    continue
            if not run.writing:
                continue
            if values.get("is_primary_billing"):
                Contact.objects.filter(customer_id=key[0], is_primary_billing=True).exclude(
                    external_ref=key[1]
                ).update(is_primary_billing=False, updated_at=timezone.now())
            if action_pk is not None:
                Contact.objects.filter(pk=action_pk).update(**changed, updated_at=timezone.now())
        if run.writing:
            bulk_insert(Contact, create)


_INVOICE_FIELDS = (
    "number",
    "customer_id",
    "issue_date",
    "due_date",
    "delivery_date",
    "currency",
    "total_excl_tax_minor",
    "total_incl_tax_minor",
    "po_number",
    "import_batch_id",
)


def _invoice_shown(record: dict[str, Any]) -> dict[str, object]:
    keys = ("number", "customer_ref", "issue_date", "due_date", "delivery_date", "currency")
    shown: dict[str, object] = {k: record[k] for k in keys}
    currency = record["currency"]
    if record["total_excl_tax_minor"] is not None:
        shown["total_excl_tax"] = Money.from_minor(record["total_excl_tax_minor"], currency).amount
    shown["total_incl_tax"] = Money.from_minor(record["total_incl_tax_minor"], currency).amount
    shown["po_number"] = record["po_number"]
    return shown


class _Invoices(_Handler):
    kind = ImportKind.INVOICES

    def __init__(self, run: _Run, present: set[str]) -> None:
        super().__init__(run, present)
        #: numbers seen in the current chunk; earlier chunks are already in the database
        #: (written even in a dry run or after an error: the transaction is rolled back)
        self.seen: set[str] = set()
        creditor = run.creditor
        self.terms_method = TermsMethod(creditor.payment_terms_method)
        self.default_terms = creditor.payment_terms

    def parse(self, row: _Row) -> dict[str, Any] | None:
        number = row.text("number", 64, required=True)
        if number:
            if number in self.seen:
                row.duplicate("number", f"invoice {number}", f"la facture {number}")
            self.seen.add(number)
        customer_ref, customer = row.customer("customer_ref")
        issue = row.date("issue_date", required=True)
        due = row.date("due_date")
        delivery = row.date("delivery_date")
        currency = row.currency("currency", customer[1] if customer else self.run.creditor.currency)
        incl = row.minor("total_incl_tax", row.decimal("total_incl_tax", required=True), currency)
        excl = row.minor("total_excl_tax", row.decimal("total_excl_tax"), currency)
        po = row.text("po_number", 64)
        if not row.ok or customer is None or issue is None or incl is None:
            return None
        given_due = due is not None
        if due is None:
            days = customer[2]
            terms = self.default_terms if days is None else PaymentTerms(days, self.terms_method)
            due = terms.due_date(issue)
        if due < issue:
            row.fail(
                "due_date",
                "due_before_issue",
                f"due date {due.isoformat()} is before the issue date {issue.isoformat()}",
                f"l'échéance du {due:%d/%m/%Y} précède la date d'émission du {issue:%d/%m/%Y}",
            )
            return None
        if excl is not None and excl > incl:
            row.fail(
                "total_excl_tax",
                "excl_above_incl",
                "the total excluding tax is more than the total including tax",
                "le total HT dépasse le total TTC",
            )
            return None
        return {
            "number": number,
            "customer_id": customer[0],
            "customer_ref": customer_ref,
            "issue_date": issue,
            "due_date": due,
            "delivery_date": delivery,
            "currency": currency,
            "total_incl_tax_minor": incl,
            "total_excl_tax_minor": excl,
            "po_number": po,
            "given_due": given_due,
        }

    def finish_chunk(self) -> None:
        super().finish_chunk()
        self.seen.clear()

    def flush(self) -> None:
        run = self.run
        numbers = _known(Invoice, "number", run.creditor.pk, [r["number"] for r in self.pending])
        existing: dict[str, tuple[Any, ...]] = {}
        for part in _chunks(numbers):
            for found in (
                Invoice.objects.filter(creditor=run.creditor, number__in=part)
                .order_by()
                .values_list(*_INVOICE_FIELDS)
            ):
                existing[found[0]] = found
        create: list[dict[str, Any]] = []
        for record in self.pending:
            line = record["line"]
            old = existing.get(record["number"])
            shown = _invoice_shown(record) if run.wants_preview else {}
            if old is None:
                run.created += 1
                run.show(line, "created", shown)
                record["creditor_id"] = run.creditor.pk
                if record["total_excl_tax_minor"] is None:
                    del record["total_excl_tax_minor"]
                record["source"] = Source.IMPORT
                record["import_batch_id"] = run.batch.pk
                record["status"] = InvoiceStatus.ISSUED
                create.append(record)
                continue
            if old[-1] == run.batch.pk:
                number = record["number"]
                _Row(run, line, {}).duplicate("number", f"invoice {number}", f"la facture {number}")
                continue
            difference = self._difference(record, dict(zip(_INVOICE_FIELDS, old, strict=True)))
            if difference is None:
                run.unchanged += 1
                run.show(line, "unchanged", shown)
                continue
            name, en, fr = difference
            run.error(
                line,
                _msg(
                    "invoice_changed",
                    name,
                    f"invoice {record['number']} already exists with a different {en}: "
                    "issued invoices are never modified; use a credit note",
                    f"la facture {record['number']} existe déjà avec {fr} différent(e) : "
                    "une facture émise n'est jamais modifiée ; émettez un avoir",
                ),
            )
        # Always written, so that a number repeated in a later chunk is found above.
        bulk_insert(Invoice, create)

    @staticmethod
    def _difference(new: dict[str, Any], old: dict[str, Any]) -> tuple[str, str, str] | None:
        checks = [
            ("customer_ref", "customer_id", "customer", "un client", True),
            ("total_incl_tax", "total_incl_tax_minor", "amount", "un montant", True),
            ("currency", "currency", "currency", "une devise", True),
            ("issue_date", "issue_date", "issue date", "une date d'émission", True),
            ("due_date", "due_date", "due date", "une échéance", new["given_due"]),
            (
                "total_excl_tax",
                "total_excl_tax_minor",
                "amount excluding tax",
                "un montant HT",
                new["total_excl_tax_minor"] is not None,
            ),
            (
                "delivery_date",
                "delivery_date",
                "delivery date",
                "une date de livraison",
                new["delivery_date"] is not None,
            ),
            (
                "po_number",
                "po_number",
                "purchase order",
                "un bon de commande",
                bool(new["po_number"]),
            ),
        ]
        for column, attr, en, fr, compare in checks:
            if compare and new[attr] != old[attr]:
                return column, en, fr
        return None


def _payment_shown(record: dict[str, Any]) -> dict[str, object]:
    shown: dict[str, object] = {
        k: record[k] for k in ("external_ref", "customer_ref", "date", "currency")
    }
    shown["amount"] = Money.from_minor(record["amount_minor"], record["currency"]).amount
    for key in ("method", "reference", "payer_name", "payer_iban"):
        shown[key] = record[key]
    shown["invoice_numbers"] = ";".join(record["numbers"])
    return shown


class _Payments(_Handler):
    kind = ImportKind.PAYMENTS

    def __init__(self, run: _Run, present: set[str]) -> None:
        super().__init__(run, present)
        self.seen: set[str] = set()
        #: invoice id → what it still owes after the allocations planned so far
        self.owed: dict[int, int] = {}

    def parse(self, row: _Row) -> dict[str, Any] | None:
        ref = row.text("external_ref", 100, required=True)
        if ref:
            if ref in self.seen:
                row.duplicate("external_ref", f"payment {ref}", f"le paiement {ref}")
            self.seen.add(ref)
        customer_ref, customer = row.customer("customer_ref", required=False)
        when = row.date("date", required=True)
        currency = row.currency("currency", customer[1] if customer else self.run.creditor.currency)
        amount = row.minor("amount", row.decimal("amount", required=True), currency)
        if amount == 0:
            row.fail(
                "amount",
                "zero_amount",
                "a payment of zero is not a payment",
                "un paiement de zéro n'en est pas un",
            )
        method = row.choice("method", _METHODS, PaymentMethod.TRANSFER)
        reference = row.text("reference", 200)
        payer_name = row.text("payer_name", 200)
        payer_iban = row.clean("payer_iban", clean_iban)
        numbers = [n for n in re.split(r"[;\s,]+", row.cells.get("invoice_numbers", "")) if n]
        if not row.ok or when is None or amount is None:
            return None
        return {
            "external_ref": ref,
            "customer_id": customer[0] if customer else None,
            "customer_ref": customer_ref,
            "date": when,
            "currency": currency,
            "amount_minor": amount,
            "method": method,
            "reference": reference,
            "payer_name": payer_name,
            "payer_iban": payer_iban,
            "numbers": numbers,
        }

    def flush(self) -> None:
        run = self.run
        refs = [r["external_ref"] for r in self.pending]
        existing: dict[str, tuple[Any, ...]] = {}
        for part in _chunks(refs):
            for found in (
                Payment.objects.filter(creditor=run.creditor, external_ref__in=part)
                .order_by()
                .values_list("external_ref", "customer_id", "date", "currency", "amount_minor")
            ):
                existing[str(found[0])] = found
        numbers = sorted({n for r in self.pending for n in r["numbers"]})
        invoices: dict[str, tuple[int, int, str, int, str]] = {}
        for part in _chunks(numbers):
            for number, pk, customer_id, currency, owed, status in (
                Invoice.objects.filter(creditor=run.creditor, number__in=part)
                .order_by()
                .values_list("number", "id", "customer_id", "currency", "open_minor", "status")
            ):
                invoices[number] = (pk, customer_id, currency, owed, status)
                self.owed.setdefault(pk, owed)
        to_create: list[tuple[dict[str, Any], list[tuple[int, int]]]] = []
        for record in self.pending:
            line, ref = record["line"], record["external_ref"]
            shown = _payment_shown(record) if run.wants_preview else {}
            old = existing.get(ref)
            if old is not None:
                same = (
                    old[2] == record["date"]
                    and old[3] == record["currency"]
                    and old[4] == record["amount_minor"]
                    and (record["customer_id"] is None or old[1] == record["customer_id"])
                )
                if same:
                    run.unchanged += 1
                    run.show(line, "unchanged", shown)
                else:
                    run.error(
                        line,
                        _msg(
                            "payment_changed",
                            "external_ref",
                            f"payment {ref} already exists with a different date, amount, "
                            "currency or customer: "
                            "recorded payments are never modified by an import",
                            f"le paiement {ref} existe déjà avec une date, un montant, "
                            "une devise ou un client "
                            "différent : un paiement enregistré n'est jamais modifié par un import",
                        ),
                    )
                continue
            plan = self._plan(record, invoices)
            if plan is None:
                continue
            run.created += 1
            run.show(line, "created", shown)
            to_create.append((record, plan))
        if not run.writing or not to_create:
            return
        payments = Payment.objects.bulk_create(
            [
                Payment(
                    creditor=run.creditor,
                    customer_id=r["customer_id"],
                    external_ref=r["external_ref"],
                    date=r["date"],
                    currency=r["currency"],
                    amount_minor=r["amount_minor"],
                    method=r["method"],
                    reference=r["reference"],
                    payer_name=r["payer_name"],
                    payer_iban=r["payer_iban"],
                    source=Source.IMPORT,
                    import_batch=run.batch,
                )
                for r, _plan in to_create
            ]
        )
        from relance.ledger.services import allocate

        for payment, (record, plan) in zip(payments, to_create, strict=True):
            for invoice_pk, minor in plan:
                try:
                    allocate(
                        Invoice(pk=invoice_pk),
                        payment=payment,
                        amount=Money.from_minor(minor, payment.currency),
                        user=self.user,
                        source=Source.IMPORT,
                    )
                except BadInput as exc:
                    run.error(
                        record["line"],
                        _msg("allocation_refused", "invoice_numbers", str(exc), str(exc)),
                    )

    user: object = None

    def _plan(
        self, record: dict[str, Any], invoices: dict[str, tuple[int, int, str, int, str]]
    ) -> list[tuple[int, int]] | None:
        """Allocations (invoice id, minor) for a new payment, checked as the ledger would."""
        run, line = self.run, record["line"]
        plan: list[tuple[int, int]] = []
        left = record["amount_minor"]
        ok = True
        for number in record["numbers"]:
            found = invoices.get(number)
            if found is None:
                run.error(
                    line,
                    _msg(
                        "unknown_invoice",
                        "invoice_numbers",
                        f"no invoice numbered {number}",
                        f"aucune facture portant le numéro {number}",
                    ),
                )
                ok = False
                continue
            pk, customer_id, currency, _owed, status = found
            if record["customer_id"] is None:
                record["customer_id"] = customer_id
            if customer_id != record["customer_id"]:
                run.error(
                    line,
                    _msg(
                        "invoice_other_customer",
                        "invoice_numbers",
                        f"invoice {number} belongs to another customer than this payment",
                        f"la facture {number} appartient à un autre client que ce paiement",
                    ),
                )
                ok = False
                continue
            if currency != record["currency"]:
                run.error(
                    line,
                    _msg(
                        "currency_mismatch",
                        "invoice_numbers",
                        f"invoice {number} is in {currency}, the payment in {record['currency']}",
                        f"la facture {number} est en {currency}, "
                        f"le paiement en {record['currency']}",
                    ),
                )
                ok = False
                continue
            if status != InvoiceStatus.ISSUED:
                run.error(
                    line,
                    _msg(
                        "invoice_not_open",
                        "invoice_numbers",
                        f"invoice {number} is {status}",
                        f"la facture {number} est annulée",
                    ),
                )
                ok = False
                continue
            owed = self.owed[pk]
            if owed <= 0:
                run.error(
                    line,
                    _msg(
                        "invoice_paid",
                        "invoice_numbers",
                        f"invoice {number} is already paid",
                        f"la facture {number} est déjà réglée",
                    ),
                )
                ok = False
                continue
            minor = min(owed, left)
            if minor > 0:
                plan.append((pk, minor))
                left -= minor
        if not ok:
            return None
        for pk, minor in plan:
            self.owed[pk] -= minor
        return plan


_HANDLERS: dict[str, type[_Handler]] = {
    ImportKind.CUSTOMERS: _Customers,
    ImportKind.CONTACTS: _Contacts,
    ImportKind.INVOICES: _Invoices,
    ImportKind.PAYMENTS: _Payments,
}


# --------------------------------------------------------------------------- header


def _map_header(kind: str, header: list[str], run: _Run) -> dict[str, int] | None:
    table = lookup(kind)
    mapping: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = table.get(normalise(cell))
        if name is None:
            continue
        if name in mapping:
            run.error(
                1,
                _msg(
                    "duplicate_column",
                    name,
                    f"columns '{header[mapping[name]]}' and '{cell}' both mean {name}",
                    f"les colonnes « {header[mapping[name]]} » et « {cell} » "
                    f"désignent toutes deux {name}",
                ),
            )
            continue
        mapping[name] = index
    missing = [c for c in COLUMNS[kind] if c.required and c.name not in mapping]
    for column in missing:
        aliases = ", ".join(column.aliases[:4])
        run.error(
            1,
            _msg(
                "missing_column",
                column.name,
                f"required column {column.name} is missing (also accepted: {aliases})",
                f"la colonne obligatoire {column.name} est absente "
                f"(noms acceptés aussi : {aliases})",
            ),
        )
    return mapping if run.error_count == 0 else None


# --------------------------------------------------------------------------- entry point


@contextlib.contextmanager
def _large_cache() -> Iterator[None]:
    """On SQLite, a bigger page cache while the import runs (index inserts stay in memory)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def run_import(
    creditor: Creditor,
    kind: str,
    source: BinaryIO | Path,
    *,
    file_name: str,
    dry_run: bool = False,
    user: object | None = None,
    lang: str = "en",
    preview_rows: int = 20,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import one file of `kind` for `creditor`; see the module docstring for the rules."""
    if kind not in _HANDLERS:
        allowed = ", ".join(_HANDLERS)
        raise BadInput(f"unknown import kind '{kind}': expected one of {allowed}")
    batch = ImportBatch.objects.create(
        creditor=creditor,
        kind=kind,
        file_name=file_name[:255],
        sha256="",
        status=ImportStatus.DRY_RUN if dry_run else ImportStatus.REJECTED,
        created_by=user if getattr(user, "is_authenticated", False) else None,  # type: ignore[misc]
    )
    run = _Run(creditor, dry_run, preview_rows, batch)
    rows = 0
    table: Table | None = None
    try:
        table = open_table(source, file_name, settings.RELANCE_IMPORT_MAX_BYTES)
        batch.sha256 = table.sha256
        mapping = _map_header(kind, table.header, run)
        if mapping is not None:
            handler = _HANDLERS[kind](run, set(mapping))
            if isinstance(handler, _Payments):
                handler.user = user
            try:
                with transaction.atomic(), _large_cache():
                    rows = _feed(table, mapping, handler, run, progress)
                    if rows == 0 and run.error_count == 0:
                        run.error(
                            0,
                            _msg(
                                "no_rows",
                                "",
                                "The file has a header but no rows.",
                                "Le fichier a une ligne d'en-tête mais aucune ligne de données.",
                            ),
                        )
                    if not run.writing:
                        raise _Rollback
            except _Rollback:
                pass
    except FileRefused as exc:
        run.error(exc.line, exc.issue)
    finally:
        if table is not None:
            table.close()
    run.issues.sort(key=lambda item: item[0])
    errors = [
        RowError(line, issue.field, issue.code, issue.message(lang)) for line, issue in run.issues
    ]
    stored = [
        {"line": line, "field": issue.field, "code": issue.code, "en": issue.en, "fr": issue.fr}
        for line, issue in run.issues
    ]
    if run.error_count > len(run.issues):
        more = run.error_count - len(run.issues)
        extra = _msg(
            "too_many_errors",
            "",
            f"{more} more errors not listed",
            f"{more} autres erreurs non listées",
        )
        errors.append(RowError(0, "", extra.code, extra.message(lang)))
        stored.append({"line": 0, "field": "", "code": extra.code, "en": extra.en, "fr": extra.fr})
    applied = run.error_count == 0 and not dry_run
    batch.status = (
        ImportStatus.DRY_RUN
        if dry_run
        else (ImportStatus.APPLIED if applied else ImportStatus.REJECTED)
    )
    batch.rows, batch.created, batch.updated, batch.unchanged = (
        rows,
        run.created,
        run.updated,
        run.unchanged,
    )
    batch.errors = stored
    batch.save()
    if applied:
        refresh_risk_after_import(batch)
    return ImportResult(
        batch=batch,
        kind=kind,
        rows=rows,
        created=run.created,
        updated=run.updated,
        unchanged=run.unchanged,
        errors=errors,
        preview=run.preview,
        applied=applied,
        dry_run=dry_run,
    )


def _feed(
    table: Table,
    mapping: dict[str, int],
    handler: _Handler,
    run: _Run,
    progress: Callable[[int], None] | None,
) -> int:
    rows = 0
    items = list(mapping.items())
    width = len(table.header)
    for line, cells in table.rows:
        if not any(c.strip() for c in cells):
            continue
        rows += 1
        values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in items}
        row = _Row(run, line, values)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            row.fail(
                "",
                "too_many_cells",
                f"the row has {len(cells)} cells, the header {width}",
                f"la ligne a {len(cells)} cellules, l'en-tête {width}",
            )
        handler.add(row)
        if progress is not None and rows % CHUNK_ROWS == 0:
            progress(rows)
    handler.finish_chunk()
    if progress is not None:
        progress(rows)
    return rows


__all__ = ["CHUNK_ROWS", "MAX_ERRORS", "Column", "ImportResult", "RowError", "run_import"]
