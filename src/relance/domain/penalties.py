"""Statutory late-payment interest and fixed recovery indemnity (pure, no Django).

Public entry point, for the penalty invoices, formal notices and court files to call::

    compute_penalty(claim: Claim, book: RateBook,
                    conventions: Conventions = Conventions()) -> PenaltyResult

`Claim` holds the principal (a `Money`, VAT included), the due date, the date interest
runs to (`until`: the payment date of the balance, or the as-of date), the partial
payments (date, amount), the jurisdiction and whether the debtor is a consumer, and
optionally the formal-notice date, a contractual rate (percent a year) and an indemnity
amount replacing the statutory one. `RateBook` comes from `relance.domain.rates`.

Rules (LEGAL.md §1-3, §9):

- FR B2B (C. com. L441-10 II, D441-5): ECB rate in force on 1 Jan / 1 Jul + 10 points, or
  the contractual rate; a contractual rate below 3 × the legal rate gives a warning finding
  (the rate is applied as agreed: a court decides). 40 € per late invoice.
- FR B2C (C. civ. 1231-6, 1344-1): the legal rate ("other cases" column) from the formal
  notice; no notice, no interest (an info finding says so). No indemnity. A contractual rate
  runs from the due date instead.
- DE (BGB §288): base rate (§247) + 9 points B2B, + 5 points for consumers; 40 € B2B only.
- UK (Late Payment of Commercial Debts (Interest) Act 1998): Bank Rate on the reference
  date (31 Dec for interest starting 1 Jan-30 Jun; 30 Jun for 1 Jul-31 Dec) + 8 %, fixed for
  the whole debt (never split); £40 below £1,000, £70 below £10,000, £100 above. B2B only.
- EU default (Directive 2011/7/EU): ECB rate + 8 points; 40 €. B2B only.

Days and conventions (`Conventions`, defaults in brackets):

- interest runs from the day after the due date (or after the notice date) to `until`
  included: days = until − due date (the payment day counts);
- `split_half_years` [on]: each day takes its half-year's rate; off: the rate of the
  half-year of the first day of interest for the whole period (UK: always off);
- `leap_divisor_366` [off]: actual/365; on: actual/366 for the days of a leap year;
- a partial payment on day P counts as paid on P: its amount stops bearing interest from
  P + 1 (as the final payment does). Payments on or before the first day of interest reduce
  the base from the start; payments after `until` are ignored.

Rounding (half-up to the cent, `Money.round`), once per amount shown: each segment's
amount is rounded from its exact value; the interest total is rounded from the exact sum of
the segments (so it may differ by a cent from the sum of the rounded segment figures); the
total is interest + indemnity, both already rounded.

Errors: `RateNotCovered` (from the rate tables) when a day of the period has no rate;
`PenaltyError` for a claim the rules cannot take (a consumer under the UK Act, payments
larger than the principal, an indemnity in another currency than the claim).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from relance.domain.money import Money, MoneyError
from relance.domain.rates import HalfYear, RateBook, RateNotCovered

HUNDRED = Decimal(100)
#: Dates a claim may carry (a rate table never covers more; date arithmetic stays in range).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
#: Larger claims would leave the 28 significant digits of Decimal arithmetic.
MAX_PRINCIPAL = Decimal(10) ** 15


class PenaltyError(ValueError):
    """A claim the penalty rules cannot take, with the reason."""


class Jurisdiction(StrEnum):
    FR = "FR"
    DE = "DE"
    UK = "UK"
    EU = "EU"


def jurisdiction_for_country(country: str) -> Jurisdiction:
    """The creditor's country → the rules applied (another EU/EEA country: the Directive)."""
    code = country.strip().upper()
    if code == "GB":
        return Jurisdiction.UK
    if code in ("FR", "DE", "UK"):
        return Jurisdiction(code)
    return Jurisdiction.EU


@dataclass(frozen=True, slots=True)
class Conventions:
    """The conventions the texts leave open (LEGAL.md §1); defaults documented in docs/legal.md."""

    split_half_years: bool = True
    leap_divisor_366: bool = False


@dataclass(frozen=True, slots=True)
class PartialPayment:
    on: date
    amount: Money


@dataclass(frozen=True, slots=True)
class Claim:
    principal: Money
    due: date
    until: date
    payments: tuple[PartialPayment, ...] = ()
    jurisdiction: Jurisdiction = Jurisdiction.FR
    consumer: bool = False
    notice_date: date | None = None
    #: Percent a year, replacing the statutory rate.
    contract_rate: Decimal | None = None
    #: Replaces the statutory fixed indemnity (B2B only); in the claim's currency.
    indemnity: Money | None = None

    def __post_init__(self) -> None:
        for name, day in (("due", self.due), ("until", self.until), ("notice", self.notice_date)):
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                raise PenaltyError(
                    f"the {name} date {day.isoformat()} is not between 1900 and 2999"
                )
        if not self.principal.is_positive:
            raise PenaltyError(f"the principal must be positive, not {self.principal}")
        if self.principal.amount >= MAX_PRINCIPAL:
            raise PenaltyError(f"the principal {self.principal} is too large (at most 10^15)")
        for p in self.payments:
            if p.amount.currency != self.principal.currency:
                raise PenaltyError(
                    f"a payment in {p.amount.currency} cannot reduce a claim in"
                    f" {self.principal.currency}"
                )
            if not p.amount.is_positive:
                raise PenaltyError(f"a payment must be positive, not {p.amount}")
        if self.contract_rate is not None and not (
            self.contract_rate.is_finite() and Decimal(0) <= self.contract_rate <= HUNDRED
        ):
            raise PenaltyError(f"a contractual rate of {self.contract_rate} % is not 0 to 100")
        if self.indemnity is not None and self.indemnity.is_negative:
            raise PenaltyError(f"the indemnity cannot be negative ({self.indemnity})")


@dataclass(frozen=True, slots=True)
class Segment:
    """Days [start, end] (both included) at one rate on one base."""

    start: date
    end: date
    days: int
    rate: Decimal
    base: Money
    divisor: int
    amount: Money
    #: The unrounded amount (kept for the total; not shown).
    exact: Decimal = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Finding:
    """Something the user must know about the computation (severity: warning or info)."""

    code: str
    severity: str
    message: str


@dataclass(frozen=True, slots=True)
class PenaltyResult:
    claim: Claim
    #: First day of interest (None when no interest runs).
    interest_from: date | None
    segments: tuple[Segment, ...]
    interest: Money
    indemnity: Money
    total: Money
    findings: tuple[Finding, ...]
    #: How the rate was set, e.g. "ECB + 10" or "contractual".
    basis: str


def _divisor(year: int, conventions: Conventions) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 366 if conventions.leap_divisor_366 and leap else 365


def _statutory_indemnity(claim: Claim) -> Money | None:
    """The fixed sum the law gives for this claim, or None when it gives none."""
    if claim.consumer:
        return None
    if claim.jurisdiction is Jurisdiction.UK:
        pounds = claim.principal.amount
        if claim.principal.currency != "GBP":
            if claim.indemnity is None:
                raise PenaltyError(
                    "the 1998 Act's fixed sums are in GBP; the claim is in"
                    f" {claim.principal.currency}: give the indemnity in that currency"
                )
            return claim.indemnity
        fixed = 40 if pounds < 1000 else 70 if pounds < 10000 else 100
        return Money.of(fixed, "GBP")
    return Money.of(40, "EUR")


def _indemnity(claim: Claim, findings: list[Finding]) -> Money:
    currency = claim.principal.currency
    statutory = _statutory_indemnity(claim)
    if statutory is None:
        return Money.zero(currency)
    chosen = claim.indemnity if claim.indemnity is not None else statutory
    if chosen.currency != currency:
        raise PenaltyError(
            f"the fixed indemnity is {chosen}; the claim is in {currency}:"
            " give the indemnity in the claim's currency"
        )
    if statutory.currency == currency and chosen < statutory:
        findings.append(
            Finding(
                "indemnity_below_statutory",
                "warning",
                f"the indemnity {chosen} is below the statutory {statutory}",
            )
        )
    return chosen


def _breaks(
    start: date, end: date, claim: Claim, conventions: Conventions, split: bool
) -> list[date]:
    """Days (after `start`, up to `end`) on which a new segment begins."""
    days: set[date] = set()
    hy = HalfYear.of(start).next()
    while hy.start <= end:
        if split or (conventions.leap_divisor_366 and hy.half == 1):
            days.add(hy.start)
        hy = hy.next()
    for p in claim.payments:
        after = p.on + timedelta(days=1)
        if start < after <= end:
            days.add(after)
    return sorted(days)


class _Rates:
    """The rate of each day for one claim (and the findings about it)."""

    def __init__(self, claim: Claim, book: RateBook, start: date, split: bool) -> None:
        self.claim = claim
        self.book = book
        self.start = start
        self.split = split
        self.below_floor: list[str] = []
        self.statutory_below_floor: list[str] = []
        self.floor_unknown: list[str] = []

    @property
    def basis(self) -> str:
        c = self.claim
        if c.contract_rate is not None:
            return "contractual"
        if c.jurisdiction is Jurisdiction.FR:
            return "legal rate" if c.consumer else "ECB + 10"
        if c.jurisdiction is Jurisdiction.DE:
            return "base rate + 5" if c.consumer else "base rate + 9"
        if c.jurisdiction is Jurisdiction.UK:
            return "Bank Rate + 8, fixed"
        return "ECB + 8"

    def on(self, day: date) -> Decimal:
        c = self.claim
        # UK: the reference rate of the day interest starts, for the life of the debt.
        if c.jurisdiction is Jurisdiction.UK or not self.split:
            day = self.start
        if c.jurisdiction is Jurisdiction.FR and not c.consumer:
            self._floor_check(day)
        if c.contract_rate is not None:
            return c.contract_rate
        if c.jurisdiction is Jurisdiction.FR:
            fr = self.book.table("fr-ecb")
            if c.consumer:
                legal = fr.row(day, "legal_rate").legal_rate
                assert legal is not None
                return legal
            return fr.row(day).rate + 10
        if c.jurisdiction is Jurisdiction.DE:
            return self.book.table("de-basiszins").row(day).rate + (5 if c.consumer else 9)
        if c.jurisdiction is Jurisdiction.UK:
            return self.book.table("uk-boe").row(day).rate + 8
        return self.book.table("fr-ecb").row(day).rate + 8

    def _floor_check(self, day: date) -> None:
        fr = self.book.table("fr-ecb")
        try:
            row = fr.row(day, "legal_rate")
        except RateNotCovered:
            label = str(HalfYear.of(day))
            if label not in self.floor_unknown:
                self.floor_unknown.append(label)
            return
        assert row.legal_rate is not None
        floor = 3 * row.legal_rate
        label = f"{row.half_year}: {floor} %"
        if self.claim.contract_rate is not None:
            if self.claim.contract_rate < floor and label not in self.below_floor:
                self.below_floor.append(label)
        elif row.rate + 10 < floor and label not in self.statutory_below_floor:
            self.statutory_below_floor.append(label)

    def findings(self) -> list[Finding]:
        found: list[Finding] = []
        if self.below_floor:
            found.append(
                Finding(
                    "contract_rate_below_floor",
                    "warning",
                    f"the contractual rate {self.claim.contract_rate} % is below 3 × the legal"
                    f" rate (L441-10): {', '.join(self.below_floor)}",
                )
            )
        if self.floor_unknown:
            found.append(
                Finding(
                    "floor_not_checked",
                    "warning",
                    "the 3 × legal rate floor could not be checked: the rate table has no"
                    f" legal rate for {', '.join(self.floor_unknown)}",
                )
            )
        if self.statutory_below_floor:
            found.append(
                Finding(
                    "statutory_rate_below_floor",
                    "info",
                    "the default rate (ECB + 10) is below 3 × the legal rate in"
                    f" {', '.join(self.statutory_below_floor)}; the floor limits contractual"
                    " rates only (literal reading of L441-10)",
                )
            )
        return found


def compute_penalty(
    claim: Claim, book: RateBook, conventions: Conventions = Conventions()
) -> PenaltyResult:
    """Interest segments, interest, indemnity and total of `claim` (see the module docstring)."""
    currency = claim.principal.currency
    if claim.consumer and claim.jurisdiction in (Jurisdiction.UK, Jurisdiction.EU):
        raise PenaltyError(
            f"the {claim.jurisdiction} rules cover debts between businesses only, not consumers"
        )
    paid = Money.zero(currency)
    for p in claim.payments:
        paid = paid + p.amount
    if paid > claim.principal:
        raise PenaltyError(f"the payments ({paid}) exceed the principal ({claim.principal})")

    findings: list[Finding] = []
    anchor = claim.due
    if claim.jurisdiction is Jurisdiction.FR and claim.consumer and claim.contract_rate is None:
        if claim.notice_date is None:
            findings.append(
                Finding(
                    "no_formal_notice",
                    "info",
                    "consumer debt: interest at the legal rate runs from the formal notice;"
                    " none is recorded, so no interest is due yet",
                )
            )
            return _result(claim, None, [], Money.zero(currency), findings, "legal rate")
        anchor = max(claim.notice_date, claim.due)
    late = claim.until > claim.due
    indemnity = _indemnity(claim, findings) if late else Money.zero(currency)
    start = anchor + timedelta(days=1)
    split = conventions.split_half_years and claim.jurisdiction is not Jurisdiction.UK
    rates = _Rates(claim, book, start, split)
    if claim.until < start:
        return _result(claim, None, [], indemnity, findings, rates.basis)

    segments: list[Segment] = []
    bounds = [start, *_breaks(start, claim.until, claim, conventions, split)]
    for i, seg_start in enumerate(bounds):
        seg_end = bounds[i + 1] - timedelta(days=1) if i + 1 < len(bounds) else claim.until
        base = claim.principal
        for p in claim.payments:
            if p.on < seg_start:
                base = base - p.amount
        if base.is_zero:
            continue
        rate = rates.on(seg_start)
        days = (seg_end - seg_start).days + 1
        divisor = _divisor(seg_start.year, conventions)
        exact = base.amount * rate * days / (HUNDRED * divisor)
        segments.append(
            Segment(
                start=seg_start,
                end=seg_end,
                days=days,
                rate=rate,
                base=base,
                divisor=divisor,
                amount=Money.round(exact, currency),
                exact=exact,
            )
        )
    findings.extend(rates.findings())
    return _result(claim, start, segments, indemnity, findings, rates.basis)


def _result(
    claim: Claim,
    start: date | None,
    segments: list[Segment],
    indemnity: Money,
    findings: list[Finding],
    basis: str,
) -> PenaltyResult:
    currency = claim.principal.currency
    try:
        interest = Money.round(sum((s.exact for s in segments), Decimal(0)), currency)
    except MoneyError as exc:  # pragma: no cover - Money.round always fits its currency
        raise PenaltyError(str(exc)) from exc
    return PenaltyResult(
        claim=claim,
        interest_from=start if segments else None,
        segments=tuple(segments),
        interest=interest,
        indemnity=indemnity,
        total=interest + indemnity,
        findings=tuple(findings),
        basis=basis,
    )
