"""Import of N invoices over N/10 customers from generated CSV files."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from relance.bench.data import customers_csv, invoices_csv
from relance.bench.measure import peak_rss_mb


def run(n_invoices: int) -> dict[str, object]:
    from django.db import connection

    from relance.creditors.models import Creditor
    from relance.imports.service import run_import

    n_customers = max(1, n_invoices // 10)
    creditor = Creditor.objects.create(legal_name="Bench SAS", siren="732829320")
    with tempfile.TemporaryDirectory(prefix="relance-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        customers_csv(folder / "customers.csv", n_customers)
        invoices_csv(folder / "invoices.csv", n_invoices, n_customers)
        generate = time.perf_counter() - t0
        size_mb = (folder / "invoices.csv").stat().st_size / 1e6
        rss_before = peak_rss_mb()
        t0 = time.perf_counter()
        customers = run_import(
            creditor, "customers", folder / "customers.csv", file_name="customers.csv"
        )
        customers_seconds = time.perf_counter() - t0
        if not customers.ok:
            raise RuntimeError(f"customer import failed: {customers.errors[:3]}")
        t0 = time.perf_counter()
        invoices = run_import(
            creditor, "invoices", folder / "invoices.csv", file_name="invoices.csv"
        )
        seconds = time.perf_counter() - t0
        if not invoices.ok:
            raise RuntimeError(f"invoice import failed: {invoices.errors[:3]}")
    return {
        "invoices": n_invoices,
        "customers": n_customers,
        "seconds": round(seconds, 2),
        "invoices_per_second": round(n_invoices / seconds) if seconds else None,
        "customers_seconds": round(customers_seconds, 2),
        "generate_seconds": round(generate, 2),
        "csv_mb": round(size_mb, 1),
        "created": invoices.created,
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_before_import_mb": rss_before,
        "database": connection.vendor,
    }
