"""The dunning run over N open invoices: set up a ledger in SQL, then time `plan_run`.

Every invoice is open (unpaid); due dates are spread uniformly from 89 days before the
as-of date to 5 days after it, so that the run finds invoices at every step of the default
policy. A history is inserted too: one reminder sent to every customer a week before the
as-of date (`SENT_DAYS_BEFORE`), which moved each invoice then overdue to the latest step it
had reached, so that the run finds invoices at different levels.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction

from relance.bench.data import invoice_rows
from relance.bench.measure import peak_rss_mb

CHUNK = 20_000
#: due dates from as_of - DAYS_BEFORE + 1 to as_of + DAYS_AFTER
DAYS_BEFORE = 90
DAYS_AFTER = 5
#: the history: one reminder sent to every customer this many days before as_of
SENT_DAYS_BEFORE = 7

SCAN_SQL = (
    "SELECT id, customer_id, currency, due_date, open_minor FROM ledger_invoice"
    " WHERE creditor_id = %s AND status = 'issued' AND open_minor > 0 AND due_date <= %s"
)


def reset_schema() -> None:
    """Empty the database before migrating (PostgreSQL only: SQLite steps get a new file)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def setup_ledger(n_invoices: int, as_of: date, seed: int = 3) -> int:
    """A creditor, N/10 customers and N open invoices due around `as_of`; returns the creditor id."""
    from relance.creditors.models import Creditor

    creditor = Creditor.objects.create(legal_name="Bench SAS", siren="732829320")
    n_customers = max(1, n_invoices // 10)
    now = "2024-01-01 00:00:00"
    rng = random.Random(seed)
    with transaction.atomic(), connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO customers_customer (creditor_id, external_ref, legal_name, legal_form, siren,"
            " siret, vat_number, address_line1, address_line2, postal_code, city, country, websites,"
            " kind, language, currency, segment, notes, status, created_at, updated_at)"
            " VALUES (%s, %s, %s, '', '', '', '', '', '', '', '', 'FR', '', 'b2b', 'fr', 'EUR', '', '',"
            " 'active', %s, %s)",
            [(creditor.pk, f"C{i:07d}", f"Client {i}", now, now) for i in range(n_customers)],
        )
        cur.execute(
            "SELECT id FROM customers_customer WHERE creditor_id = %s ORDER BY id", [creditor.pk]
        )
        ids = [row[0] for row in cur.fetchall()]
        batch: list[tuple[Any, ...]] = []

        def flush() -> None:
            cur.executemany(
                "INSERT INTO ledger_invoice (creditor_id, customer_id, number, issue_date, due_date,"
                " currency, total_excl_tax_minor, total_incl_tax_minor, allocated_minor, po_number,"
                " status, source, pdf, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, %s, 'EUR', 0, %s, 0, '', 'issued', 'import', '', %s, %s)",
                batch,
            )
            batch.clear()

        # Numbers, customers and amounts from the shared generator; dates around as_of.
        for number, cust, _issue, _due, cents in invoice_rows(n_invoices, n_customers):
            due = as_of - timedelta(days=rng.randrange(-DAYS_AFTER, DAYS_BEFORE))
            issue = due - timedelta(days=30)
            batch.append((creditor.pk, ids[cust], number, issue, due, cents, now, now))
            if len(batch) >= CHUNK:
                flush()
        if batch:
            flush()
        _history(cur, creditor, as_of - timedelta(days=SENT_DAYS_BEFORE))
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return int(creditor.pk)


def _history(cur: Any, creditor: Any, sent_on: date) -> None:
    """One sent reminder per customer on `sent_on`, advancing each invoice overdue then."""
    from relance.dunning.models import Action, ActionStatus
    from relance.dunning.services import ensure_default_policy

    policy = ensure_default_policy(creditor)
    steps = [s for s in policy.to_domain(creditor.currency).steps if s.offset_days > 0]
    first = steps[0]
    customer_ids = list(
        creditor.customers.order_by("id").values_list("id", flat=True).iterator(chunk_size=CHUNK)
    )
    Action.objects.bulk_create(
        (
            Action(
                creditor=creditor,
                customer_id=customer_id,
                currency="EUR",
                as_of=sent_on,
                policy=policy,
                step_key=first.key,
                step_offset=first.offset_days,
                channel=first.channels[0],
                tone=first.tone,
                kind=first.kind,
                status=ActionStatus.SENT,
                sent_on=sent_on,
                total_minor=0,
                overdue_total_minor=0,
                idempotency_key=f"bench:{creditor.pk}:{customer_id}",
            )
            for customer_id in customer_ids
        ),
        batch_size=CHUNK,
    )
    if connection.vendor == "postgresql":
        # Statistics of the tables just filled: without them PostgreSQL joins invoices to
        # actions below by a nested loop (over a quarter of an hour at N = 1M).
        cur.execute("ANALYZE customers_customer, ledger_invoice, dunning_action")
    # The step each invoice had reached on sent_on: the last whose offset had passed.
    cases = " ".join("WHEN i.due_date <= %s THEN %s" for _s in steps)
    params: list[Any] = []
    for step in reversed(steps):
        params += [sent_on - timedelta(days=step.offset_days), step.key]
    offsets: list[Any] = []
    for step in reversed(steps):
        offsets += [sent_on - timedelta(days=step.offset_days), step.offset_days]
    cur.execute(
        "INSERT INTO dunning_actionitem (action_id, invoice_id, level_key, level_offset, repeat,"
        f" advances, open_minor) SELECT a.id, i.id, CASE {cases} END, CASE {cases} END, 0,"
        " %s, i.open_minor FROM ledger_invoice i JOIN dunning_action a"
        " ON a.customer_id = i.customer_id AND a.creditor_id = i.creditor_id"
        " WHERE i.creditor_id = %s AND a.sent_on = %s AND i.due_date <= %s",
        [
            *params,
            *offsets,
            True,
            creditor.pk,
            sent_on,
            sent_on - timedelta(days=first.offset_days),
        ],
    )


def scan(creditor_id: int, until: date) -> tuple[float, int]:
    """A bare SQL read of the open invoices the run reads: (seconds, rows)."""
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(SCAN_SQL, [creditor_id, until])
        rows = cur.fetchall()
    return time.perf_counter() - t0, len(rows)


def run(n_invoices: int, as_of: date) -> dict[str, object]:
    from relance.creditors.models import Creditor
    from relance.dunning.models import Action, Holdback
    from relance.dunning.services import ensure_default_policy, plan_run

    started = time.perf_counter()
    creditor_id = setup_ledger(n_invoices, as_of)
    creditor = Creditor.objects.get(pk=creditor_id)
    policy = ensure_default_policy(creditor).to_domain(creditor.currency)
    lead = max((-s.offset_days for s in policy.steps if s.offset_days < 0), default=0)
    until = as_of + timedelta(days=lead)  # the same rows as the run reads
    setup_s = time.perf_counter() - started
    rss_before_plan = peak_rss_mb()
    scan(creditor_id, until)  # warm-up, untimed: the plan and the timed scan read a warm cache
    t0 = time.perf_counter()
    result = plan_run(creditor, as_of)
    plan_s = time.perf_counter() - t0
    scan_s, scanned = scan(creditor_id, until)
    assert result.run is not None and not result.already_planned
    summary = result.summary()
    return {
        "invoices": n_invoices,
        "customers": max(1, n_invoices // 10),
        "as_of": as_of.isoformat(),
        "plan_s": round(plan_s, 3),
        "scan_s": round(scan_s, 3),
        "ratio": round(plan_s / scan_s, 2) if scan_s else None,
        # the plan's two parts: reading and deciding, then writing (commit included)
        "decide_s": round(result.seconds["decide"], 3),
        "write_s": round(result.seconds["write"], 3),
        "scanned": scanned,
        "actions": Action.objects.filter(run=result.run).count(),
        "messages": summary["messages"],
        "holdbacks": Holdback.objects.filter(run=result.run).count(),
        "by_step": summary["by_step"],
        "setup_s": round(setup_s, 1),
        "peak_rss_before_plan_mb": rss_before_plan,
        "peak_rss_mb": peak_rss_mb(),
        "database": connection.vendor,
    }
