"""Aging over N invoices: set up a ledger in SQL, then time relance.ledger.queries.aging."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.db import connection, transaction

from relance.bench.data import invoice_rows
from relance.bench.measure import peak_rss_mb

CHUNK = 20_000


def setup_ledger(n_invoices: int) -> int:
    """A creditor, N/10 customers, N invoices, half of them paid (payments + allocations)."""
    from relance.creditors.models import Creditor

    creditor = Creditor.objects.create(legal_name="Bench SAS", siren="732829320")
    n_customers = max(1, n_invoices // 10)
    now = "2024-01-01 00:00:00"
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

        for number, cust, issue, due, cents in invoice_rows(n_invoices, n_customers):
            batch.append((creditor.pk, ids[cust], number, issue, due, cents, now, now))
            if len(batch) >= CHUNK:
                flush()
        if batch:
            flush()
        # Pay every other invoice in full, 20 days after its due date.
        cur.execute(
            "SELECT id, customer_id, total_incl_tax_minor, due_date FROM ledger_invoice"
            " WHERE creditor_id = %s AND id %% 2 = 0",
            [creditor.pk],
        )
        paid = list(cur.fetchall())
        for start in range(0, len(paid), CHUNK):
            part = paid[start : start + CHUNK]
            cur.executemany(
                "INSERT INTO ledger_payment (creditor_id, customer_id, external_ref, date, currency,"
                " amount_minor, allocated_minor, method, reference, payer_name, payer_iban, source,"
                " created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, 'EUR', %s, 0, 'transfer', '', '', '', 'import', %s, %s)",
                [(creditor.pk, c, f"P{i}", _paid_on(d), t, now, now) for i, c, t, d in part],
            )
            cur.execute(
                "SELECT id, external_ref FROM ledger_payment WHERE creditor_id = %s AND external_ref IN ("
                + ", ".join(["%s"] * len(part))
                + ")",
                [creditor.pk, *(f"P{i}" for i, _c, _t, _d in part)],
            )
            pay_ids = {ref: pid for pid, ref in cur.fetchall()}
            cur.executemany(
                "INSERT INTO ledger_allocation (creditor_id, invoice_id, payment_id, amount_minor, date,"
                " created_at, source) VALUES (%s, %s, %s, %s, %s, %s, 'import')",
                [(creditor.pk, i, pay_ids[f"P{i}"], t, _paid_on(d), now) for i, _c, t, d in part],
            )
    return int(creditor.pk)


def _paid_on(due: object) -> date:
    from datetime import timedelta

    day = due if isinstance(due, date) else date.fromisoformat(str(due))
    return day + timedelta(days=20)


def run(n_invoices: int, as_of: date, repeat: int = 3) -> dict[str, object]:
    from relance.ledger.queries import aging

    started = time.perf_counter()
    creditor_id = setup_ledger(n_invoices)
    setup_seconds = time.perf_counter() - started
    timings = []
    report = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        report = aging(creditor_id, as_of)
        timings.append(time.perf_counter() - t0)
    # A plain scan of the same table, for scale: the aging should cost about one scan.
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT SUM(open_minor), COUNT(*) FROM ledger_invoice WHERE creditor_id = %s",
            [creditor_id],
        )
        cur.fetchone()
    scan = time.perf_counter() - t0
    assert report is not None
    eur = report["EUR"]
    return {
        "invoices": n_invoices,
        "as_of": as_of.isoformat(),
        "seconds": round(timings[0], 3),
        "best_seconds": round(min(timings), 3),
        "scan_seconds": round(scan, 3),
        "aging_vs_scan": round(min(timings) / scan, 2) if scan else None,
        "setup_seconds": round(setup_seconds, 1),
        "open_total": str(eur.total.amount),
        "open_invoices": sum(eur.count.values()),
        "peak_rss_mb": peak_rss_mb(),
        "database": connection.vendor,
    }
