"""`relance predict evaluate`: how well payment dates can be predicted from a history file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from relance.cli.base import app, clean_errors, fail, out

predict_app = typer.Typer(help="Payment-date prediction.", no_args_is_help=True)
app.add_typer(predict_app, name="predict")


@predict_app.command("evaluate")
def evaluate_command(
    history: Annotated[
        Path,
        typer.Option(
            "--history",
            help="CSV: customer_id,invoice_id,invoice_date,due_date,amount,paid_date[,disputed]",
        ),
    ],
    split_date: Annotated[
        str, typer.Option("--split-date", help="Train before this date, test from it.")
    ],
    late_days: Annotated[
        int, typer.Option("--late-days", help='"Late" means paid more than N days after due.')
    ] = 0,
    no_model: Annotated[
        bool, typer.Option("--no-model", help="Baseline only (no scikit-learn needed).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Baseline (the customer's own delays) against the gradient-boosting model."""
    from relance.analytics.evaluate import evaluate
    from relance.analytics.history import read_history
    from relance.analytics.model import MLMissing
    from relance.domain.calendar import DateParseError, parse_date

    with clean_errors():
        try:
            day = parse_date(split_date)
        except DateParseError as exc:
            fail(f"--split-date: {exc}")
        if late_days < 0:
            fail("--late-days: must be 0 or more")
        rows = read_history(history)
        try:
            result = evaluate(rows, day, late_days=late_days, with_model=not no_model)
        except MLMissing as exc:
            fail(f"{exc} (or use --no-model)")
    if as_json:
        out.print_json(json.dumps(result))
        return
    out.print(
        f"train {result['n_train']} invoices, test {result['n_test']} "
        f"(split {result['split_date']}, late = more than {late_days} days after due)"
    )
    for who in ("baseline", "model"):
        mae, auc = result[f"{who}_mae"], result[f"{who}_auc"]
        if mae is None:
            continue
        auc_text = "undefined (one class only)" if auc is None else f"{auc:.3f}"
        out.print(f"{who:>8}: MAE {mae:.2f} days, ROC AUC {auc_text}")
