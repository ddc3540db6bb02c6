"""Synthetic ledgers for the benchmarks: CSV files written as a stream, or rows inserted in SQL."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from relance.domain.identifiers import generate_siren

START = date(2024, 1, 1)
SPAN_DAYS = 700


def customers_csv(path: Path, n_customers: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["external_ref", "legal_name", "siren", "postal_code", "city"])
        for i in range(n_customers):
            writer.writerow([f"C{i:07d}", f"Client {i} SARL", generate_siren(rng), "69002", "Lyon"])


def invoice_rows(
    n_invoices: int, n_customers: int, seed: int = 2
) -> Iterator[tuple[str, int, date, date, int]]:
    """(number, customer index, issue date, due date, total in cents), streamed."""
    rng = random.Random(seed)
    for i in range(n_invoices):
        issue = START + timedelta(days=rng.randrange(SPAN_DAYS))
        yield (
            f"F{i:08d}",
            rng.randrange(n_customers),
            issue,
            issue + timedelta(days=30),
            rng.randrange(1_000, 2_000_000),
        )


def invoices_csv(path: Path, n_invoices: int, n_customers: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["number", "customer_ref", "issue_date", "due_date", "total_incl_tax"])
        for number, cust, issue, due, cents in invoice_rows(n_invoices, n_customers):
            writer.writerow(
                [
                    number,
                    f"C{cust:07d}",
                    issue.strftime("%d/%m/%Y"),
                    due.strftime("%d/%m/%Y"),
                    f"{cents // 100},{cents % 100:02d}",
                ]
            )
