"""An invoice's late-payment penalties and limitation, from the ledger (Django glue).

    penalty_for_invoice(invoice, as_of, book=None) -> InvoicePenalty
    penalties_for_customer(customer, as_of) -> CustomerPenalties
    limitation_for_invoice(invoice) -> Limitation

The engine inputs come from the records:

- principal: the invoice total including VAT (LEGAL.md §1: common practice);
- partial payments: every allocation dated on or before `as_of` — payments and credit
  notes alike — reduces the base from the day after its date;
- interest runs to the date the invoice became fully paid (its last allocation), or to
  `as_of` while something is still open;
- jurisdiction: the creditor's country (FR, DE, GB → UK, any other → EU rules);
  consumer: the customer's kind (B2C);
- the creditor's clause: a contractual rate replaces the statutory one; its fixed indemnity
  amount (in the invoice's currency) replaces the statutory 40 €, except under the UK Act
  whose sums (£40/£70/£100) depend on the debt;
- conventions from settings (RELANCE_PENALTY_SPLIT, RELANCE_PENALTY_DIVISOR_366), rate
  tables with the half-years added under RELANCE_RATES_DIR.

Formal notices live in the legal app: `relance.legal.accrual.penalty_at` passes the date of
the customer's first notice to the engine (penalty invoices, the claim of a legal case, the
court file). Computed here without it, consumer (B2C) invoices under French rules show no
interest, with the finding saying why. Cancelled invoices have none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from relance.creditors.models import PenaltyClause
from relance.customers.models import Customer, CustomerKind
from relance.domain.limitation import Limitation, LimitationRules, StartDates, StartEvent
from relance.domain.limitation import limitation_of as _limitation_of
from relance.domain.money import Money
from relance.domain.penalties import (
    Claim,
    Conventions,
    Jurisdiction,
    PartialPayment,
    PenaltyError,
    PenaltyResult,
    compute_penalty,
    jurisdiction_for_country,
)
from relance.domain.rates import RateBook, RateError, RateNotCovered, load_rate_book
from relance.ledger.models import Invoice, InvoiceStatus

#: The findings of the engine, as the web pages show them.
FINDING_TEXT = {
    "contract_rate_below_floor": _(
        "The contractual rate is below three times the legal interest rate (L441-10)."
    ),
    "statutory_rate_below_floor": _(
        "The default rate (ECB + 10) is below three times the legal rate; the floor applies"
        " to contractual rates only."
    ),
    "floor_not_checked": _(
        "The floor of three times the legal rate could not be checked: the rate table has no"
        " legal rate for this half-year."
    ),
    "no_formal_notice": _(
        "Consumer debt: interest at the legal rate runs from the formal notice, and none is"
        " recorded."
    ),
    "indemnity_below_statutory": _("The fixed indemnity is below the statutory amount."),
}


def rates_dir() -> Path:
    return Path(settings.RELANCE_RATES_DIR)


def rate_book() -> RateBook:
    """The shipped tables with the half-years added by the administrator."""
    return load_rate_book(rates_dir())


def conventions() -> Conventions:
    return Conventions(
        split_half_years=bool(settings.RELANCE_PENALTY_SPLIT),
        leap_divisor_366=bool(settings.RELANCE_PENALTY_DIVISOR_366),
    )


def limitation_rules() -> LimitationRules:
    try:
        start = StartEvent(settings.RELANCE_LIMITATION_START)
    except ValueError:
        raise RateError(
            f"RELANCE_LIMITATION_START={settings.RELANCE_LIMITATION_START!r}:"
            " expected due, issue or delivery"
        ) from None
    return LimitationRules(start=start, warn_days=int(settings.RELANCE_LIMITATION_WARN_DAYS))


def claim_for_invoice(invoice: Invoice, as_of: date) -> Claim:
    """The engine's input for `invoice` at `as_of` (see the module docstring)."""
    creditor = invoice.creditor
    currency = invoice.currency
    principal = invoice.total
    rows = [a for a in invoice.allocations.all() if a.date <= as_of]
    payments = tuple(
        PartialPayment(a.date, Money.from_minor(a.amount_minor, currency))
        for a in sorted(rows, key=lambda a: (a.date, a.pk))
    )
    paid_minor = sum(a.amount_minor for a in rows)
    until = max(a.date for a in rows) if rows and paid_minor >= principal.minor else as_of
    jurisdiction = jurisdiction_for_country(creditor.country)
    contract_rate = (
        Decimal(creditor.contractual_rate)
        if creditor.penalty_clause == PenaltyClause.CONTRACTUAL
        and creditor.contractual_rate is not None
        else None
    )
    indemnity = None
    if jurisdiction is not Jurisdiction.UK or currency != "GBP":
        indemnity = Money.round(Decimal(creditor.indemnity_amount), currency)
    return Claim(
        principal=principal,
        due=invoice.due_date,
        until=until,
        payments=payments,
        jurisdiction=jurisdiction,
        consumer=invoice.customer.kind == CustomerKind.B2C,
        contract_rate=contract_rate,
        indemnity=indemnity,
    )


@dataclass(frozen=True)
class InvoicePenalty:
    """The penalties of one invoice, or why they cannot be computed (`error`)."""

    invoice: Invoice
    as_of: date
    result: PenaltyResult | None = None
    error: str = ""
    #: "rate_not_covered", "refused" (a claim the rules refuse) or "none" (cancelled, zero).
    error_code: str = ""

    @property
    def findings(self) -> list[str]:
        if self.result is None:
            return []
        return [str(FINDING_TEXT.get(f.code, f.message)) for f in self.result.findings]


def penalty_for_invoice(
    invoice: Invoice, as_of: date, book: RateBook | None = None
) -> InvoicePenalty:
    """The invoice's penalties at `as_of`; a rate not covered or a refused claim → `error`."""
    if invoice.status == InvoiceStatus.CANCELLED or invoice.total_incl_tax_minor <= 0:
        return InvoicePenalty(
            invoice, as_of, error=str(_("No penalties on this invoice.")), error_code="none"
        )
    try:
        claim = claim_for_invoice(invoice, as_of)
        result = compute_penalty(claim, book or rate_book(), conventions())
    except (RateError, PenaltyError) as exc:
        code = "rate_not_covered" if isinstance(exc, RateNotCovered) else "refused"
        return InvoicePenalty(invoice, as_of, error=str(exc), error_code=code)
    return InvoicePenalty(invoice, as_of, result=result)


@dataclass
class CustomerPenalties:
    """Penalties of a customer's invoices summed per currency."""

    as_of: date
    interest: dict[str, Money] = field(default_factory=dict)
    indemnity: dict[str, Money] = field(default_factory=dict)
    total: dict[str, Money] = field(default_factory=dict)
    invoices: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[str, Money, Money, Money]]:
        return [(c, self.interest[c], self.indemnity[c], self.total[c]) for c in sorted(self.total)]


def penalties_for_customer(customer: Customer, as_of: date) -> CustomerPenalties:
    """Every issued invoice of `customer` that is late at `as_of`, paid or not: penalties stay
    due after the principal is paid (they go on their own penalty invoice)."""
    summary = CustomerPenalties(as_of)
    book = rate_book()
    invoices = (
        Invoice.objects.filter(customer=customer, status=InvoiceStatus.ISSUED, due_date__lt=as_of)
        .select_related("creditor", "customer")
        .prefetch_related("allocations")
        .order_by("due_date", "pk")
    )
    for invoice in invoices:
        found = penalty_for_invoice(invoice, as_of, book)
        if found.result is None:
            summary.errors.append(f"{invoice.number}: {found.error}")
            continue
        r = found.result
        if r.total.is_zero:
            continue
        c = r.total.currency
        zero = Money.zero(c)
        summary.interest[c] = summary.interest.get(c, zero) + r.interest
        summary.indemnity[c] = summary.indemnity.get(c, zero) + r.indemnity
        summary.total[c] = summary.total.get(c, zero) + r.total
        summary.invoices += 1
    return summary


def limitation_for_invoice(invoice: Invoice) -> Limitation:
    """The invoice's limitation (no acknowledgment or court claim is recorded yet)."""
    dates = StartDates(
        due=invoice.due_date, issue=invoice.issue_date, delivery=invoice.delivery_date
    )
    consumer = invoice.customer.kind == CustomerKind.B2C
    return _limitation_of(dates, consumer, (), limitation_rules())
