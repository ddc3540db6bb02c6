"""Profiles over N invoices: the aging bench's synthetic ledger, then one full recompute."""

from __future__ import annotations

import time
from datetime import date

from django.db import connection

from relance.bench.aging import setup_ledger
from relance.bench.measure import peak_rss_mb


def run(n_invoices: int, as_of: date) -> dict[str, object]:
    from relance.creditors.models import Creditor
    from relance.risk.services import recompute

    started = time.perf_counter()
    creditor_id = setup_ledger(n_invoices)
    setup_seconds = time.perf_counter() - started
    creditor = Creditor.objects.get(pk=creditor_id)
    t0, c0 = time.perf_counter(), time.process_time()
    result = recompute(creditor, as_of)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    return {
        "invoices": n_invoices,
        "customers": result.customers,
        "as_of": as_of.isoformat(),
        "seconds": round(seconds, 3),
        # CPU time of this process (SQLite runs in it): the wall time a free machine
        # would show, when the bench shares its cores with other work.
        "cpu_seconds": round(cpu, 3),
        "segments": dict(sorted(result.segments.items())),
        "held": len(result.held),
        "setup_seconds": round(setup_seconds, 1),
        "peak_rss_mb": peak_rss_mb(),
        "database": connection.vendor,
    }
