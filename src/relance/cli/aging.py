"""`relance aging --date D [--json]`: the aged balance at a date."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from relance.cli.base import app, clean_errors, fail, out, setup_django


def pick_creditor(ref: str | None) -> object:
    """The creditor named by id or SIREN, or the only one; a clear error otherwise."""
    from relance.creditors.models import Creditor

    if ref:
        found = (
            Creditor.objects.filter(siren=ref).first()
            if not ref.isdigit() or len(ref) == 9
            else None
        )
        if found is None and ref.isdigit():
            found = Creditor.objects.filter(pk=int(ref)).first()
        if found is None:
            fail(f"no creditor with id or SIREN {ref}")
        return found
    creditors = list(Creditor.objects.order_by("pk")[:2])
    if not creditors:
        fail("no creditor yet: run `relance demo --no-serve` or create one in the admin")
    if len(creditors) > 1:
        fail("several creditors: choose one with --creditor ID_OR_SIREN")
    return creditors[0]


@app.command("aging")
def aging_command(
    as_of: str = typer.Option(..., "--date", help="As-of date (dd/mm/yyyy or yyyy-mm-dd)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    creditor: str = typer.Option("", "--creditor", help="Creditor id or SIREN."),
    lang: str = typer.Option("fr", "--lang", help="Language of the bucket labels (fr or en)."),
) -> None:
    """Open receivables by aging bucket at a date, per currency."""
    setup_django()
    from relance.domain.calendar import DateParseError, parse_date
    from relance.ledger.queries import aging, default_buckets

    with clean_errors():
        try:
            day = parse_date(as_of)
        except DateParseError as exc:
            fail(f"--date: {exc}")
        chosen = pick_creditor(creditor or None)
        buckets = default_buckets()
        reports = aging(chosen.pk, day, buckets=buckets)  # type: ignore[attr-defined]
        if as_json:
            payload = {
                "as_of": day.isoformat(),
                "creditor_id": chosen.pk,  # type: ignore[attr-defined]
                "currencies": {
                    cur: {
                        "buckets": [
                            {
                                "key": b.key,
                                "label": b.label(lang),
                                "amount": str(r.totals[b.key].amount),
                                "count": r.count[b.key],
                            }
                            for b in buckets.buckets
                        ],
                        "total": str(r.total.amount),
                        "overdue": str(r.overdue.amount),
                    }
                    for cur, r in reports.items()
                },
            }
            out.print(json.dumps(payload, ensure_ascii=False), highlight=False, soft_wrap=True)
            return
        if not reports:
            out.print(f"Nothing open on {day.isoformat()}.")
            return
        for cur, report in reports.items():
            table = Table(title=f"Aging {day.isoformat()} ({cur})")
            table.add_column("bucket")
            table.add_column("invoices", justify="right")
            table.add_column("amount", justify="right")
            for b in buckets.buckets:
                table.add_row(
                    b.label(lang), str(report.count[b.key]), str(report.totals[b.key].amount)
                )
            table.add_row("total", str(sum(report.count.values())), str(report.total.amount))
            out.print(table)
