"""`relance penalty …`: late-payment interest and fixed indemnity of one claim.

    relance penalty --principal 10000 --due 31/03/2025 --paid 15/05/2025 --json
    {"interest": "162.12", "indemnity": "40.00", "total": "202.12", "segments": [...], ...}

Amounts are decimal strings; dates ISO or dd/mm/yyyy. Bad input: exit code 2 and a message.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import typer
from rich.table import Table

from relance.cli.base import app, clean_errors, fail, out, setup_django


def _day(text: str, option: str) -> date:
    from relance.domain.calendar import DateParseError, parse_date

    try:
        return parse_date(text)
    except DateParseError as exc:
        fail(f"{option}: {exc}")


def _rate(text: str, option: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ".").removesuffix("%").strip())
    except InvalidOperation:
        fail(f"{option}: '{text}' is not a rate in percent (e.g. 12.5)")
    if not value.is_finite():
        fail(f"{option}: '{text}' is not a rate in percent (e.g. 12.5)")
    return value


def result_payload(result: Any) -> dict[str, Any]:
    """The JSON shape shared by the CLI and the API (amounts as decimal strings)."""
    return {
        "currency": result.claim.principal.currency,
        "interest": str(result.interest.amount),
        "indemnity": str(result.indemnity.amount),
        "total": str(result.total.amount),
        "interest_from": result.interest_from.isoformat() if result.interest_from else None,
        "until": result.claim.until.isoformat(),
        "basis": result.basis,
        "segments": [
            {
                "from": s.start.isoformat(),
                "to": s.end.isoformat(),
                "days": s.days,
                "rate": str(s.rate),
                "base": str(s.base.amount),
                "divisor": s.divisor,
                "amount": str(s.amount.amount),
            }
            for s in result.segments
        ],
        "findings": [
            {"code": f.code, "severity": f.severity, "message": f.message} for f in result.findings
        ],
    }


#: Repeatable option (a module-level default: typer reads the list it collects).
PAYMENT_OPTION = typer.Option(None, "--payment", help="A partial payment DATE:AMOUNT (repeatable).")


@app.command("penalty")
def penalty_command(
    principal: str = typer.Option(..., "--principal", help="Amount owed, VAT included."),
    due: str = typer.Option(..., "--due", help="Due date."),
    paid: str = typer.Option(..., "--paid", help="Payment date (or the as-of date)."),
    jurisdiction: str = typer.Option("FR", "--jurisdiction", help="FR, DE, UK or EU."),
    b2c: bool = typer.Option(False, "--b2c", help="The debtor is a consumer."),
    notice_date: str = typer.Option("", "--notice-date", help="Formal notice date (B2C)."),
    contract_rate: str = typer.Option("", "--contract-rate", help="Contractual rate, % a year."),
    no_split: bool = typer.Option(
        False, "--no-split", help="One rate for the whole delay (the first half-year's)."
    ),
    divisor_366: bool = typer.Option(
        False, "--divisor-366", help="Divide by 366 for the days of leap years."
    ),
    payment: list[str] | None = PAYMENT_OPTION,
    currency: str = typer.Option("", "--currency", help="ISO currency (default EUR; UK: GBP)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Statutory late-payment interest and fixed indemnity (not legal advice)."""
    setup_django()
    from relance.domain.money import Money, MoneyError, exponent, parse_amount
    from relance.domain.penalties import (
        Claim,
        Conventions,
        Jurisdiction,
        PartialPayment,
        PenaltyError,
        compute_penalty,
    )
    from relance.domain.rates import RateError
    from relance.ledger.penalties import rate_book

    with clean_errors():
        code = jurisdiction.strip().upper()
        if code not in {j.value for j in Jurisdiction}:
            fail(f"--jurisdiction: '{jurisdiction}' is not one of FR, DE, UK, EU")
        rules = Jurisdiction(code)
        cur = (currency or ("GBP" if rules is Jurisdiction.UK else "EUR")).strip().upper()
        try:
            exponent(cur)
            amount = Money.of(parse_amount(principal), cur)
        except MoneyError as exc:
            fail(f"--principal/--currency: {exc}")
        except InvalidOperation:
            fail(f"--principal: '{principal}' is too large")
        partials = []
        for item in payment or []:
            day_text, sep, amount_text = item.rpartition(":")
            if not sep or not day_text:
                fail(f"--payment: '{item}' is not DATE:AMOUNT (e.g. 15/04/2025:4000)")
            try:
                paid_amount = Money.of(parse_amount(amount_text), cur)
            except (MoneyError, InvalidOperation) as exc:
                fail(f"--payment '{item}': {exc}")
            partials.append(PartialPayment(_day(day_text, "--payment"), paid_amount))
        try:
            claim = Claim(
                principal=amount,
                due=_day(due, "--due"),
                until=_day(paid, "--paid"),
                payments=tuple(partials),
                jurisdiction=rules,
                consumer=b2c,
                notice_date=_day(notice_date, "--notice-date") if notice_date else None,
                contract_rate=_rate(contract_rate, "--contract-rate") if contract_rate else None,
            )
            result = compute_penalty(
                claim,
                rate_book(),
                Conventions(split_half_years=not no_split, leap_divisor_366=divisor_366),
            )
        except (PenaltyError, RateError) as exc:
            fail(str(exc))
        payload = result_payload(result)
        if as_json:
            out.print(json.dumps(payload, ensure_ascii=False), highlight=False, soft_wrap=True)
            return
        table = Table(title=f"Late-payment interest ({result.basis}), {cur}")
        for column in ("from", "to", "days", "rate %", "base", "amount"):
            table.add_column(column, justify="right")
        for s in payload["segments"]:
            table.add_row(s["from"], s["to"], str(s["days"]), s["rate"], s["base"], s["amount"])
        out.print(table)
        out.print(
            f"interest {payload['interest']}  indemnity {payload['indemnity']}"
            f"  total {payload['total']} {cur}"
        )
        for f in result.findings:
            out.print(f"{f.severity}: {f.message}", highlight=False)
        out.print("Not legal advice: check the rules and rates that apply to your case.")
