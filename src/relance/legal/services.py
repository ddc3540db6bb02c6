"""Use cases of legal cases: open one (dunning pauses), record a stage, close it.

Every stage is checked by `relance.domain.legal_case.check_event`; a refusal is a
`BadInput` with the reason. Opening a case pauses the customer's automatic reminders (one
`Pause` row, reason "legal case …"); closing the case ends that pause on the closing day.

A formal notice sent by the dunning worker opens (`open_for_notice`) a case whose route is
`undecided`, without a pause: the escalation decision is still to come. Opening a case for
that customer later (`open_case`, the person's decision) gives that same case its route and
starts the pause. `next_deadlines` lists the next deadline of every open case (a worklist).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet, Sum

from relance.core.errors import BadInput
from relance.creditors.models import Creditor
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
    if chosen is lc.Route.UNDECIDED:
        raise BadInput(
            f"route: choose one of {', '.join(r.value for r in lc.CHOSEN_ROUTES)} "
            "('undecided' is for cases opened by a formal notice)"
        )
    if notice_deadline is not None and notice_deadline < opened_on:
        raise BadInput("notice_deadline: before the case was opened")
    court = lc.competent_court(
        customer.kind != CustomerKind.B2C, customer.postal_code, customer.city
    )
    current = (
        LegalCase.objects.select_for_update()
        .filter(customer=customer, closed_on__isnull=True)
        .order_by("pk")
        .first()
    )
    if current is not None and current.route != lc.Route.UNDECIDED:
        raise BadInput("this customer already has an open legal case: close it first")
    if current is not None:
        # The escalation decision on a case opened by a formal notice: the same case (its
        # notice and stages kept) gets its route, and dunning pauses from now on.
        if opened_on < current.opened_on:
            raise BadInput(
                f"opened_on: before the case was opened by the formal notice "
                f"({current.opened_on.isoformat()})"
            )
        current.route = chosen.value
        current.claim_minor = claim
        current.court_kind = court.kind if chosen is lc.Route.PAYMENT_ORDER else ""
        current.court_place = court.place if chosen is lc.Route.PAYMENT_ORDER else ""
        if notice_deadline is not None:
            current.notice_deadline = notice_deadline
        current.handler = handler or current.handler
        current.reference = reference or current.reference
        current.save()
        _pause_for(current, chosen, user)
        return current
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
    _pause_for(case, chosen, user)
    return case


def _pause_for(case: LegalCase, route: lc.Route, user: Any) -> None:
    case.pause = Pause.objects.create(
        creditor_id=case.creditor_id,
        customer_id=case.customer_id,
        reason=f"legal case #{case.pk}: {ROUTE_LABELS[route]}"[:200],
        created_by=user,
    )
    case.save(update_fields=["pause"])


@transaction.atomic
def open_for_notice(customer: Customer, on: date, currency: str, *, user: Any = None) -> LegalCase:
    """The case a formal notice sent on `on` is recorded on: the customer's open case, else
    a new one of route `undecided` claiming what is overdue and not time-barred in
    `currency`, without any pause (see the module docstring). BadInput when nothing can be
    claimed, or when the open case is in another currency."""
    current = (
        LegalCase.objects.select_for_update()
        .filter(customer=customer, closed_on__isnull=True)
        .order_by("pk")
        .first()
    )
    if current is not None:
        if current.currency != currency:
            raise BadInput(
                f"the customer's open legal case #{current.pk} is in {current.currency}, "
                f"not {currency}"
            )
        return current
    fine, barred = claimable(customer, on, currency)
    if not fine:
        raise BadInput("; ".join(barred) or f"nothing is overdue in {currency} on {on}")
    return LegalCase.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        route=lc.Route.UNDECIDED.value,
        opened_on=on,
        currency=currency,
        claim_minor=sum(i.open_minor for i in fine),
        opened_by=user,
    )


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


@dataclass(frozen=True)
class NextDeadline:
    """The next deadline of one open legal case, for a worklist."""

    due: date
    what: str  # a stable code: notice_deadline, serve_order, opposition_deadline, …
    en: str
    fr: str
    case_id: int
    customer_id: int
    customer_name: str
    route: str
    #: what is at stake: the customer's overdue invoices still open at the date, in the
    #: case's currency (what the case can still recover), and the amount claimed at opening
    at_stake: Money
    claim: Money

    def message(self, lang: str) -> str:
        return self.fr if lang.startswith("fr") else self.en

    def overdue(self, as_of: date) -> bool:
        return self.due < as_of


def next_deadlines(
    creditor: Creditor | int,
    as_of: date,
    customer_ids: Iterable[int] | QuerySet[Any, Any] | None = None,
) -> list[NextDeadline]:
    """The next deadline of every legal case of `creditor` open at `as_of` (only the
    customers in `customer_ids` when given: ids, or a queryset of them such as
    `relance.accounts.access.visible_customers(membership).values("pk")`), soonest first.

    Set-based: three queries whatever the number of cases (the cases, their stages recorded
    on or before `as_of`, the overdue open amounts per customer and currency). A case with
    nothing pending (say, handed over to an agency) has no deadline and is left out. The
    deadline rules are those of the case page (`relance.domain.legal_case.next_deadline`).
    """
    creditor_id = creditor if isinstance(creditor, int) else creditor.pk
    cases = LegalCase.objects.filter(
        creditor_id=creditor_id, closed_on__isnull=True, opened_on__lte=as_of
    )
    if customer_ids is not None:
        # a queryset (say, the customers a collector may see) stays a subquery
        chosen = customer_ids if isinstance(customer_ids, QuerySet) else list(customer_ids)
        cases = cases.filter(customer_id__in=chosen)
    rows = list(
        cases.values_list(
            "pk",
            "customer_id",
            "customer__legal_name",
            "route",
            "currency",
            "claim_minor",
            "notice_deadline",
        )
    )
    if not rows:
        return []
    events: dict[int, list[lc.Event]] = {}
    for case_id, stage, on in (
        LegalEvent.objects.filter(case__in=cases, on__lte=as_of)
        .order_by()
        .values_list("case_id", "stage", "on")
    ):
        events.setdefault(case_id, []).append(lc.Event(lc.Stage(stage), on))
    at_stake = {
        (customer_id, currency): minor
        for customer_id, currency, minor in Invoice.objects.filter(
            customer_id__in=cases.values("customer_id"),
            status=InvoiceStatus.ISSUED,
            issue_date__lte=as_of,
            due_date__lt=as_of,
            open_minor__gt=0,
        )
        .order_by()
        .values("customer_id", "currency")
        .annotate(open_total=Sum("open_minor"))
        .values_list("customer_id", "currency", "open_total")
    }
    found = []
    for case_id, customer_id, name, route, currency, claim_minor, notice_deadline in rows:
        deadline = lc.next_deadline(events.get(case_id, []), notice_deadline)
        if deadline is None:
            continue
        found.append(
            NextDeadline(
                due=deadline.due,
                what=deadline.what,
                en=deadline.en,
                fr=deadline.fr,
                case_id=case_id,
                customer_id=customer_id,
                customer_name=name,
                route=route,
                at_stake=Money.from_minor(at_stake.get((customer_id, currency), 0), currency),
                claim=Money.from_minor(claim_minor, currency),
            )
        )
    found.sort(key=lambda d: (d.due, d.case_id))
    return found
