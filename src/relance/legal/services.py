"""Use cases of legal cases: open one (dunning pauses), record a stage, close it.

Every stage is checked by `relance.domain.legal_case.check_event`; a refusal is a
`BadInput` with the reason. Opening a case pauses the customer's automatic reminders (one
`Pause` row, reason "legal case …"); closing the case ends that pause on the closing day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from relance.core.errors import BadInput
from relance.customers.models import Customer, CustomerKind
from relance.domain import legal_case as lc
from relance.domain.limitation import TimeBarred, refuse_if_time_barred
from relance.domain.money import Money
from relance.dunning.models import Pause
from relance.ledger.models import Invoice, InvoiceStatus
from relance.ledger.penalties import limitation_for_invoice
from relance.legal.models import ROUTE_LABELS, LegalCase, LegalEvent

#: Documents attached to a stage: at most this size, and one of these types (by content).
MAX_DOCUMENT = 10 * 1024 * 1024
SIGNATURES = {b"%PDF-": "PDF", b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


def claimable(customer: Customer, on: date, currency: str) -> tuple[list[Invoice], list[str]]:
    """The customer's overdue invoices on `on` that can still be claimed, and the reasons
    of those that cannot (time-barred: a claim after the limitation date is refused)."""
    fine: list[Invoice] = []
    barred: list[str] = []
    for invoice in Invoice.objects.filter(
        customer=customer,
        status=InvoiceStatus.ISSUED,
        due_date__lt=on,
        open_minor__gt=0,
        currency=currency,
    ).order_by("due_date", "number"):
        try:
            refuse_if_time_barred(limitation_for_invoice(invoice), on, f"invoice {invoice.number}")
        except TimeBarred as exc:
            barred.append(str(exc))
            continue
        fine.append(invoice)
    return fine, barred


def overdue_minor(customer: Customer, on: date) -> int:
    """What can be claimed: the overdue invoices not time-barred (BadInput when every
    overdue invoice is)."""
    fine, barred = claimable(customer, on, customer.currency)
    if not fine and barred:
        raise BadInput("; ".join(barred))
    return sum(i.open_minor for i in fine)


@transaction.atomic
def open_case(
    customer: Customer,
    route: str,
    opened_on: date,
    *,
    user: Any = None,
    claim_minor: int | None = None,
    notice_deadline: date | None = None,
    handler: str = "",
    reference: str = "",
) -> LegalCase:
    try:
        chosen = lc.Route(route)
    except ValueError:
        raise BadInput(
            f"route: '{route}' is not one of {', '.join(r.value for r in lc.Route)}"
        ) from None
    claim = overdue_minor(customer, opened_on) if claim_minor is None else claim_minor
    if claim <= 0:
        raise BadInput("amount: nothing is overdue for this customer, there is nothing to claim")
    amount = Money.from_minor(claim, customer.currency)
    if chosen is lc.Route.SMALL_CLAIMS and (
        customer.currency != "EUR" or not lc.small_claims_allowed(Decimal(amount.amount))
    ):
        raise BadInput(
            f"route: the small-claims procedure is for claims up to "
            f"{lc.SMALL_CLAIMS_LIMIT} EUR in principal and interest (this one: {amount})"
        )
    if notice_deadline is not None and notice_deadline < opened_on:
        raise BadInput("notice_deadline: before the case was opened")
    if LegalCase.objects.filter(customer=customer, closed_on__isnull=True).exists():
        raise BadInput("this customer already has an open legal case: close it first")
    court = lc.competent_court(
        customer.kind != CustomerKind.B2C, customer.postal_code, customer.city
    )
    case = LegalCase.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        route=chosen.value,
        opened_on=opened_on,
        currency=customer.currency,
        claim_minor=claim,
        court_kind=court.kind if chosen is lc.Route.PAYMENT_ORDER else "",
        court_place=court.place if chosen is lc.Route.PAYMENT_ORDER else "",
        notice_deadline=notice_deadline,
        handler=handler,
        reference=reference,
        opened_by=user,
    )
    case.pause = Pause.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        reason=f"legal case #{case.pk}: {ROUTE_LABELS[chosen]}"[:200],
        created_by=user,
    )
    case.save(update_fields=["pause"])
    return case


def history(case: LegalCase) -> list[lc.Event]:
    return [lc.Event(lc.Stage(e.stage), e.on) for e in case.events.all()]


def _check_document(name: str, content: bytes | None) -> None:
    if content is None:
        return
    if len(content) > MAX_DOCUMENT:
        raise BadInput(f"document {name}: larger than {MAX_DOCUMENT // (1024 * 1024)} MB")
    if not any(content.startswith(sig) for sig in SIGNATURES):
        raise BadInput(f"document {name}: only PDF, PNG or JPEG files are accepted")


@transaction.atomic
def record_event(
    case: LegalCase,
    stage: str,
    on: date,
    *,
    user: Any = None,
    cost_minor: int = 0,
    note: str = "",
    document_name: str = "",
    document: bytes | None = None,
) -> LegalEvent:
    case = LegalCase.objects.select_for_update().get(pk=case.pk)
    try:
        chosen = lc.Stage(stage)
    except ValueError:
        raise BadInput(
            f"stage: '{stage}' is not one of {', '.join(s.value for s in lc.Stage)}"
        ) from None
    if cost_minor < 0:
        raise BadInput("cost: must not be negative")
    _check_document(document_name or "(unnamed)", document)
    try:
        lc.check_event(history(case), lc.Event(chosen, on), case.opened_on)
    except lc.StageError as exc:
        raise BadInput(f"stage: {exc}") from exc
    event = LegalEvent.objects.create(
        case=case,
        stage=chosen.value,
        on=on,
        cost_minor=cost_minor,
        note=note[:300],
        document_name=document_name[:200] if document is not None else "",
        document=document,
        created_by=user,
    )
    if chosen is lc.Stage.CLOSED:
        case.closed_on = on
        case.save(update_fields=["closed_on", "updated_at"])
        if case.pause is not None:
            case.pause.until = on
            case.pause.save(update_fields=["until", "updated_at"])
    return event


@dataclass(frozen=True)
class CaseLine:
    case: LegalCase
    deadline: lc.Deadline | None
    costs_minor: int


def case_lines(cases: QuerySet[LegalCase]) -> list[CaseLine]:
    """Each case with its next deadline and costs so far (the soonest deadline first)."""
    lines = []
    for case in cases.select_related("customer").prefetch_related("events"):
        events = list(case.events.all())
        deadline = lc.next_deadline(
            [lc.Event(lc.Stage(e.stage), e.on) for e in events], case.notice_deadline
        )
        lines.append(CaseLine(case, deadline, sum(e.cost_minor for e in events)))
    lines.sort(key=lambda x: (x.deadline is None, x.deadline.due if x.deadline else date.max))
    return lines
