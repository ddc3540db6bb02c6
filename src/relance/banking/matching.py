"""Cash application on stored bank lines: the matching engine applied to the ledger.

    apply_matching(creditor, *, dry_run=False) -> MatchReport

1. The lines to match: credit lines not matched yet (`queries.lines_to_match`).
2. The candidates: every open invoice of the creditor, with its RF reference (built from
   its number, as printed on our reminders), its customer's name and the payer IBANs
   already known for that customer (from its payments and from bank lines matched to it).
3. The numbering patterns of the creditor's invoices are inferred from the numbers in the
   ledger (``FA-2025-00042`` → ``FA-{YYYY}-{NNNNN}``), so that numbers written in any
   spelling in a remittance text are found without any configuration.
4. `relance.domain.matching.match` decides. An ``auto`` decision becomes a `Payment`
   (date, amount, payer, reference from the line) allocated as proposed, in one
   transaction with the line marked matched: dunning stops for those invoices the moment
   this runs. Every other line with a proposal goes to review with its suggestion and
   reasons; lines with nothing go to review too (an unknown payer), never ignored silently.

Payments whose bank line was later returned are never candidates again (their line is
not "to match"), and a line already matched is never matched twice.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction

from relance.banking.models import BankLine, LineStatus
from relance.banking.queries import as_statement_line, lines_to_match
from relance.banking.services import record_payment, set_status
from relance.core.errors import BadInput
from relance.core.models import Source
from relance.creditors.models import Creditor
from relance.domain.matching import Allocation as MatchAllocation
from relance.domain.matching import Decision, MatchSettings, OpenInvoice, Outcome, match
from relance.domain.money import Money
from relance.domain.references import ReferenceError_, rf_reference
from relance.ledger.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from relance.ledger.services import allocate

#: At most this many numbering patterns are inferred (the most frequent ones).
MAX_PATTERNS = 5
_DIGITS = re.compile(r"\d+")


def infer_numbering(numbers: list[str]) -> tuple[str, ...]:
    """The most frequent patterns of `numbers` in the engine's syntax."""
    counts: Counter[str] = Counter()
    for number in numbers:
        pattern = _pattern(number)
        if pattern:
            counts[pattern] += 1
    return tuple(p for p, _n in counts.most_common(MAX_PATTERNS))


def _pattern(number: str) -> str:
    parts: list[str] = []
    pos = 0
    runs = list(_DIGITS.finditer(number))
    if not runs:
        return ""
    for k, run in enumerate(runs):
        literal = number[pos : run.start()]
        if k > 0 and any(ch.isalpha() for ch in literal):
            return ""  # letters between numbers: not a pattern the engine reads
        parts.append(literal)
        digits = run.group()
        year_like = len(digits) == 4 and digits[:2] in ("19", "20") and k < len(runs) - 1
        parts.append("{YYYY}" if year_like else "{" + "N" * len(digits) + "}")
        pos = run.end()
    if number[pos:].strip():
        return ""
    if not any(p.startswith("{N") for p in parts):
        return ""
    return "".join(parts)


def candidates(creditor: Creditor) -> list[OpenInvoice]:
    ibans: dict[int, set[str]] = defaultdict(set)
    for customer_id, iban in (
        Payment.objects.filter(creditor=creditor)
        .exclude(payer_iban="")
        .values_list("customer_id", "payer_iban")
    ):
        if customer_id is not None:
            ibans[customer_id].add(iban.replace(" ", "").upper())
    for customer_id, iban in (
        BankLine.objects.filter(creditor=creditor, payment__customer__isnull=False)
        .exclude(counterparty_iban="")
        .values_list("payment__customer_id", "counterparty_iban")
    ):
        ibans[customer_id].add(iban.replace(" ", "").upper())
    result = []
    rows = Invoice.objects.filter(
        creditor=creditor, status=InvoiceStatus.ISSUED, open_minor__gt=0
    ).values_list(
        "pk",
        "customer_id",
        "number",
        "open_minor",
        "currency",
        "issue_date",
        "due_date",
        "customer__legal_name",
    )
    for pk, customer_id, number, open_minor, currency, issued, due, name in rows:
        try:
            rf = rf_reference(number)
        except ReferenceError_:
            rf = ""
        result.append(
            OpenInvoice(
                invoice_id=pk,
                customer_id=customer_id,
                number=number,
                rf_reference=rf,
                open_amount=Money.from_minor(open_minor, currency),
                issue_date=issued,
                due_date=due,
                customer_name=name,
                customer_ibans=tuple(sorted(ibans.get(customer_id, ()))),
            )
        )
    return result


@dataclass
class MatchReport:
    lines: int = 0
    applied: int = 0
    to_review: int = 0
    allocated_minor: dict[str, int] = field(default_factory=dict)
    review: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "applied": self.applied,
            "to_review": self.to_review,
            "allocated": {
                c: str(Money.from_minor(m, c).amount) for c, m in self.allocated_minor.items()
            },
            "review": self.review,
        }


def apply_matching(creditor: Creditor, *, dry_run: bool = False, user: Any = None) -> MatchReport:
    """Match every credit line not matched yet; apply the unambiguous ones (see module)."""
    stored = lines_to_match(creditor)
    report = MatchReport(lines=len(stored))
    if not stored:
        return report
    open_invoices = candidates(creditor)
    decisions = match([s.line for s in stored], open_invoices, _settings(creditor))
    invoices = {c.invoice_id: c for c in open_invoices}
    with transaction.atomic():
        for row, decision in zip(stored, decisions, strict=True):
            line = BankLine.objects.select_for_update().get(pk=row.id)
            if line.payment_id is not None or line.status == LineStatus.MATCHED:
                continue  # matched meanwhile
            best = decision.proposals[0] if decision.proposals else None
            if decision.outcome is Outcome.AUTO and best is not None:
                try:
                    with transaction.atomic():  # one line's failure leaves the others
                        _apply(creditor, line, best.allocations, invoices, user)
                except BadInput as exc:  # an invoice changed since the candidates were read
                    decision = replace(decision, suggestion=f"check: {exc}")
                else:
                    report.applied += 1
                    cell = report.allocated_minor.setdefault(line.currency, 0)
                    report.allocated_minor[line.currency] = cell + line.amount_minor
                    continue
            report.to_review += 1
            report.review.append(
                {
                    "line": line.pk,
                    "amount": str(line.amount.amount),
                    "payer": line.counterparty_name,
                    "suggestion": decision.suggestion,
                    "confidence": decision.confidence,
                    "invoices": [
                        invoices[a.invoice_id].number for a in (best.allocations if best else ())
                    ],
                    "reasons": [r.text for r in (best.reasons if best else decision.reasons)],
                }
            )
            if line.status != LineStatus.TO_REVIEW:
                set_status(line, LineStatus.TO_REVIEW)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _apply(
    creditor: Creditor,
    line: BankLine,
    allocations: Any,
    invoices: dict[Any, OpenInvoice],
    user: Any,
) -> Payment:
    owners = {invoices[a.invoice_id].customer_id for a in allocations}
    # A line that pays several customers' invoices (a group paying for its companies) is
    # one payment of no single customer, split over their invoices.
    owner = int(next(iter(owners))) if len(owners) == 1 else None  # type: ignore[call-overload]
    payment = Payment.objects.create(
        creditor=creditor,
        customer_id=owner,
        date=line.booking_date,
        currency=line.currency,
        amount_minor=line.amount_minor,
        method=PaymentMethod.TRANSFER,
        reference=" ".join(line.references)[:200],
        payer_name=line.counterparty_name[:200],
        payer_iban=line.counterparty_iban,
        source=Source.IMPORT,
    )
    for allocation in allocations:
        invoice = Invoice.objects.get(pk=allocation.invoice_id)
        allocate(
            invoice, payment=payment, amount=allocation.amount, on=line.booking_date, user=user
        )
    record_payment(line, payment)
    return payment


# ---------------------------------------------------------------- the review queue


@dataclass(frozen=True)
class Suggestion:
    """A line to review with what the engine proposes for it now."""

    line: BankLine
    decision: Decision
    numbers: list[str]  # the invoices of the best proposal ([] when none)


def review_queue(creditor: Creditor) -> list[Suggestion]:
    """The credit lines waiting for a person, each with the engine's best proposal as the
    ledger stands now (matched again in one call: proposals change as invoices are paid)."""
    stored = lines_to_match(creditor)
    rows = BankLine.objects.in_bulk([s.id for s in stored])
    open_invoices = candidates(creditor)
    numbers = {c.invoice_id: c.number for c in open_invoices}
    decisions = match([s.line for s in stored], open_invoices, _settings(creditor))
    result = []
    for row, decision in zip(stored, decisions, strict=True):
        best = decision.proposals[0] if decision.proposals else None
        result.append(
            Suggestion(
                rows[row.id],
                decision,
                [str(numbers[a.invoice_id]) for a in best.allocations] if best else [],
            )
        )
    return result


def _settings(creditor: Creditor) -> MatchSettings:
    numbers = list(
        Invoice.objects.filter(creditor=creditor).values_list("number", flat=True)[:5000]
    )
    return MatchSettings(numbering=infer_numbering(numbers))


def _open_line(creditor: Creditor, line_id: int) -> BankLine:
    line = (
        BankLine.objects.select_for_update()
        .filter(creditor=creditor, pk=line_id, kind="credit")
        .first()
    )
    if line is None:
        raise BadInput(f"bank line {line_id}: no such credit line")
    if line.payment_id is not None or line.status == LineStatus.MATCHED:
        raise BadInput(f"bank line {line_id} is already matched")
    return line


@transaction.atomic
def accept(creditor: Creditor, line_id: int, user: Any = None) -> Payment:
    """Apply the engine's best proposal for a line under review (a person decided)."""
    line = _open_line(creditor, line_id)
    open_invoices = candidates(creditor)
    (decision,) = match([as_statement_line(line)], open_invoices, _settings(creditor))
    if not decision.proposals:
        raise BadInput(f"bank line {line_id}: nothing to accept, assign it to invoices")
    best = decision.proposals[0]
    invoices = {c.invoice_id: c for c in open_invoices}
    return _apply(creditor, line, best.allocations, invoices, user)


@transaction.atomic
def assign(creditor: Creditor, line_id: int, numbers: list[str], user: Any = None) -> Payment:
    """Apply a line to the invoices a person names, in that order, up to the line's
    amount (what is left stays on the payment, unallocated: on account). Invoices of
    several customers split one payment that belongs to none of them."""
    line = _open_line(creditor, line_id)
    wanted = [n.strip() for n in numbers if n.strip()]
    if not wanted:
        raise BadInput("invoices: name at least one invoice number")
    found = {
        i.number: i
        for i in Invoice.objects.filter(
            creditor=creditor, number__in=wanted, status=InvoiceStatus.ISSUED
        )
    }
    missing = [n for n in wanted if n not in found]
    if missing:
        raise BadInput(f"invoices: {', '.join(missing)} not found")
    chosen = [found[n] for n in wanted]
    if any(i.currency != line.currency for i in chosen):
        raise BadInput(f"invoices: the line is in {line.currency}")
    if all(i.open_minor <= 0 for i in chosen):
        raise BadInput("invoices: nothing is open on these invoices")
    left = line.amount_minor
    allocations = []
    for invoice in chosen:
        share = min(left, invoice.open_minor)
        if share > 0:
            allocations.append(MatchAllocation(invoice.pk, Money.from_minor(share, line.currency)))
            left -= share
    invoices = {
        i.pk: OpenInvoice(
            i.pk,
            i.customer_id,
            i.number,
            "",
            Money.from_minor(i.open_minor, i.currency),
            i.issue_date,
            i.due_date,
        )
        for i in chosen
    }
    return _apply(creditor, line, tuple(allocations), invoices, user)


@transaction.atomic
def ignore(creditor: Creditor, line_id: int) -> BankLine:
    """A credit that is no customer payment (a refund, a transfer between accounts)."""
    return set_status(_open_line(creditor, line_id), LineStatus.IGNORED)
