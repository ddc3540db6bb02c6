"""Late-payment penalties: a free computation and an invoice's penalties and limitation.

Every role may read. Amounts are decimal strings; a date the rate tables do not cover, or a
claim the rules refuse, is a 422 with the reason (code ``rate_not_covered`` / ``refused``).
The figures are an aid, not legal advice.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Schema

from relance.api.auth import caller
from relance.api.common import check_currency, get_invoice, parse_money
from relance.api.errors import COMMON, ONE, Issues, invalid
from relance.api.schemas import Day, Id, iso_date_only
from relance.domain.limitation import Limitation
from relance.domain.penalties import (
    Claim,
    Conventions,
    Jurisdiction,
    PartialPayment,
    PenaltyError,
    PenaltyResult,
    compute_penalty,
)
from relance.domain.rates import RateError, RateNotCovered, parse_percent
from relance.ledger.penalties import limitation_for_invoice, penalty_for_invoice, rate_book

router = Router(tags=["penalties"])

NOT_LEGAL_ADVICE = "Computed by relance as an aid; not legal advice."


class SegmentOut(Schema):
    start: date
    end: date
    days: int
    rate: str
    base: str
    divisor: int
    amount: str


class FindingOut(Schema):
    code: str
    severity: str
    message: str


class PenaltyOut(Schema):
    currency: str
    interest: str
    indemnity: str
    total: str
    interest_from: date | None
    until: date
    basis: str
    segments: list[SegmentOut]
    findings: list[FindingOut]
    notice: str


class LimitationOut(Schema):
    years: int
    runs_from: date
    last_day: date
    reason: str
    status: Literal["ok", "ahead", "expired"]
    days_left: int


class InvoicePenaltyOut(Schema):
    invoice: int
    number: str
    as_of: date
    penalty: PenaltyOut
    limitation: LimitationOut | None


def penalty_out(result: PenaltyResult) -> dict[str, Any]:
    return {
        "currency": result.claim.principal.currency,
        "interest": str(result.interest.amount),
        "indemnity": str(result.indemnity.amount),
        "total": str(result.total.amount),
        "interest_from": result.interest_from,
        "until": result.claim.until,
        "basis": result.basis,
        "segments": [
            {
                "start": s.start,
                "end": s.end,
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
        "notice": NOT_LEGAL_ADVICE,
    }


def limitation_out(lim: Limitation, as_of: date) -> dict[str, Any]:
    return {
        "years": lim.years,
        "runs_from": lim.runs_from,
        "last_day": lim.last_day,
        "reason": lim.reason,
        "status": lim.status(as_of).value,
        "days_left": lim.days_left(as_of),
    }


def _payments(items: list[str], currency: str, issues: Issues) -> tuple[PartialPayment, ...]:
    found = []
    for item in items:
        day_text, sep, amount_text = item.rpartition(":")
        try:
            day = iso_date_only(day_text)
        except ValueError:
            day = None
        if not sep or day is None:
            issues.add(
                "payment",
                _("'%(value)s' is not YYYY-MM-DD:AMOUNT.") % {"value": item},
                "invalid_payment",
            )
            continue
        try:
            paid = parse_money(amount_text, currency, "payment", issues, allow_zero=False)
        except InvalidOperation:
            issues.add("payment", _("The amount is too large."), "invalid_amount")
            continue
        if paid is not None:
            found.append(PartialPayment(day, paid))
    return tuple(found)


def _refused(exc: Exception) -> Exception:
    code = "rate_not_covered" if isinstance(exc, RateNotCovered) else "refused"
    return invalid(str(exc), [{"field": None, "message": str(exc), "code": code}])


@router.get(
    "/penalty",
    response={200: PenaltyOut, **COMMON},
    summary="Compute late-payment interest and the fixed indemnity of a claim",
)
def compute_penalty_view(
    request: Any,
    principal: QueryEx[str, P(description="Amount owed, VAT included, e.g. 10000.00.")],
    due: QueryEx[Day, P(description="Due date (YYYY-MM-DD).")],
    paid: QueryEx[Day, P(description="Payment date, or the date to compute to.")],
    jurisdiction: Literal["FR", "DE", "UK", "EU"] = "FR",
    b2c: QueryEx[bool, P(description="The debtor is a consumer.")] = False,
    notice_date: QueryEx[Day | None, P(description="Formal notice date (B2C).")] = None,
    contract_rate: QueryEx[str | None, P(description="Contractual rate, % a year.")] = None,
    split: QueryEx[bool, P(description="Each day at its half-year's rate.")] = True,
    divisor_366: QueryEx[bool, P(description="366 days in leap years.")] = False,
    currency: QueryEx[str | None, P(description="Default EUR (UK: GBP).")] = None,
    payment: QueryEx[
        list[str] | None,
        P(description="A partial payment YYYY-MM-DD:AMOUNT (repeat the parameter for several)."),
    ] = None,
) -> Any:
    caller(request)
    issues = Issues()
    rules = Jurisdiction(jurisdiction)
    cur = check_currency(
        currency or ("GBP" if rules is Jurisdiction.UK else "EUR"), "currency", issues
    )
    amount = None
    if not issues:
        try:
            amount = parse_money(principal, cur, "principal", issues, allow_zero=False)
        except InvalidOperation:  # more digits than Decimal arithmetic holds
            issues.add("principal", _("The amount is too large."), "invalid_amount")
    rate: Decimal | None = None
    if contract_rate is not None:
        try:
            rate = parse_percent(contract_rate, "contract_rate")
        except RateError as exc:
            issues.add("contract_rate", str(exc), "invalid_rate")
    partials = _payments(payment or [], cur, issues)
    issues.raise_if_any()
    assert amount is not None
    try:
        claim = Claim(
            payments=partials,
            principal=amount,
            due=due,
            until=paid,
            jurisdiction=rules,
            consumer=b2c,
            notice_date=notice_date,
            contract_rate=rate,
        )
        result = compute_penalty(
            claim, rate_book(), Conventions(split_half_years=split, leap_divisor_366=divisor_366)
        )
    except (PenaltyError, RateError) as exc:
        raise _refused(exc) from exc
    return penalty_out(result)


@router.get(
    "/invoices/{invoice_id}/penalties",
    response={200: InvoicePenaltyOut, **ONE},
    summary="An invoice's penalties and limitation at a date (the creditor's clause applies)",
    tags=["invoices"],
)
def invoice_penalties(
    request: Any,
    invoice_id: Id,
    as_of: QueryEx[Day | None, P(description="Default: today (server time zone).")] = None,
) -> Any:
    invoice = get_invoice(caller(request), invoice_id)
    day = as_of or timezone.localdate()
    found = penalty_for_invoice(invoice, day)
    if found.result is None:
        raise invalid(
            found.error or _("No penalties on this invoice."),
            [{"field": None, "message": found.error, "code": found.error_code}],
        )
    try:
        limitation = limitation_out(limitation_for_invoice(invoice), day)
    except (ValueError, OverflowError):
        limitation = None
    return {
        "invoice": invoice.pk,
        "number": invoice.number,
        "as_of": day,
        "penalty": penalty_out(found.result),
        "limitation": limitation,
    }
