"""A customer's timeline: every event of the file in one chronological view.

    events(customer, kinds=None, start=None, end=None, limit=None) -> list[Event]

The timeline is the union of **providers**. A provider is a function

    provider(customer, start, end) -> Iterable[Event]

that reads a few queries over one customer (dates filtered in the database: `start` and
`end` are inclusive, None is open) and returns its events. Each provider declares the kinds
of event it gives, with their labels; a provider none of whose kinds is asked for is not
called. Another app adds its events with one line:

    timeline.register({"reply": _("replies")}, reply_events)

Events are shown newest first; events of one day without a time (an invoice, a payment)
come after those of that day with a time. `to_table` turns them into the analytics `Table`
that `relance.analytics.exports` writes as CSV or XLSX.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relance.analytics.dashboards import Table
from relance.channels.models import Correspondence
from relance.core.models import money
from relance.customers.models import Customer, CustomerStatus
from relance.domain import dunning as dd
from relance.dunning.models import LABELS, Pause
from relance.ledger.models import CreditNote, Invoice, Payment
from relance.legal.models import STAGE_LABELS, LegalCase, LegalEvent
from relance.negotiation.models import (
    CallLog,
    Dispute,
    Instalment,
    InstalmentStatus,
    Note,
    PaymentPlan,
    PlanStatus,
    Promise,
    PromiseStatus,
    Settlement,
)
from relance.web.templatetags.relance import format_day, format_money

#: channels whose "message" is a task for a person at the creditor (the call script…)
TASK_CHANNELS = (dd.Channel.CALL, dd.Channel.MEETING, dd.Channel.TASK)

ProviderFn = Callable[[Customer, date | None, date | None], Iterable["Event"]]


@dataclass
class Event:
    kind: str
    on: date
    title: str
    detail: str = ""
    #: the moment, when the event has one (a message, a call, a note)
    at: datetime | None = None
    amount_minor: int | None = None
    currency: str = ""
    #: a page showing the object (the archived message, the invoice…)
    url: str = ""
    ref: str = ""
    #: who did it, when known
    by: str = ""

    @property
    def amount(self) -> Any:
        if self.amount_minor is None:
            return None
        return money(self.amount_minor, self.currency)

    @property
    def local_time(self) -> time | None:
        return timezone.localtime(self.at).time() if self.at is not None else None

    def sort_key(self) -> tuple[date, int, time, str]:
        moment = self.local_time
        return (self.on, 0 if moment is None else 1, moment or time.min, self.ref)


@dataclass(frozen=True)
class Provider:
    kinds: tuple[str, ...]
    fn: ProviderFn


#: kind → label (lazy), in the order the filters show them
KINDS: dict[str, Any] = {}
PROVIDERS: list[Provider] = []


def register(kinds: Mapping[str, Any], fn: ProviderFn) -> ProviderFn:
    """Add a provider of events of `kinds` (kind → label)."""
    KINDS.update(kinds)
    PROVIDERS.append(Provider(tuple(kinds), fn))
    return fn


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, str(label)) for kind, label in KINDS.items()]


def events(
    customer: Customer,
    *,
    kinds: Iterable[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int | None = None,
) -> list[Event]:
    """The customer's events of `kinds` (all by default) between two days, newest first."""
    wanted = set(kinds) if kinds is not None else set(KINDS)
    found: list[Event] = []
    for provider in PROVIDERS:
        if wanted.isdisjoint(provider.kinds):
            continue
        found.extend(
            e
            for e in provider.fn(customer, start, end)
            if e.kind in wanted
            and (start is None or e.on >= start)
            and (end is None or e.on <= end)
        )
    found.sort(key=Event.sort_key, reverse=True)
    return found[:limit] if limit is not None else found


# --------------------------------------------------------------------------- helpers


def _between(qs: QuerySet[Any], lookup: str, start: date | None, end: date | None) -> Any:
    if start is not None:
        qs = qs.filter(**{f"{lookup}__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{lookup}__lte": end})
    return qs


def _within(qs: QuerySet[Any], lookups: Iterable[str], start: date | None, end: date | None) -> Any:
    """Rows with any of the date fields `lookups` in the range (an object with several events)."""
    if start is None and end is None:
        return qs
    condition = Q()
    for lookup in lookups:
        part = Q()
        if start is not None:
            part &= Q(**{f"{lookup}__gte": start})
        if end is not None:
            part &= Q(**{f"{lookup}__lte": end})
        condition |= part
    return qs.filter(condition)


def _money(minor: int, currency: str) -> str:
    return format_money(money(minor, currency))


def _user(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def _local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


# --------------------------------------------------------------------------- providers


def messages(customer: Customer, start: date | None, end: date | None) -> list[Event]:
    """Messages sent, from the correspondence archive (with a link to the archived copy)."""
    rows = _between(
        Correspondence.objects.filter(customer=customer), "sent_at__date", start, end
    ).select_related("action")
    found = []
    for row in rows:
        label = str(LABELS.get(row.channel, row.channel))
        if row.channel not in TASK_CHANNELS:
            title = _("%(channel)s sent: %(subject)s") % {"channel": label, "subject": row.subject}
        else:
            title = _("%(channel)s task for the collector: %(subject)s") % {
                "channel": label,
                "subject": row.subject,
            }
        action = row.action
        first_line = row.recipient.splitlines()[0] if row.recipient else ""
        detail = row.recipient_name or first_line
        if action is not None:
            detail = _("step %(step)s, to %(to)s, %(status)s") % {
                "step": action.step_key,
                "to": detail,
                "status": row.get_delivery_status_display(),
            }
        found.append(
            Event(
                kind="message",
                on=_local_day(row.sent_at),
                at=row.sent_at,
                title=title,
                detail=detail,
                amount_minor=(action.overdue_total_minor or action.total_minor) if action else None,
                currency=action.currency if action else "",
                url=reverse("correspondence", args=[row.pk]),
                ref=f"correspondence:{row.pk}",
            )
        )
    return found


def calls(customer: Customer, start: date | None, end: date | None) -> list[Event]:
    rows = _between(CallLog.objects.filter(customer=customer), "on", start, end).select_related(
        "user", "contact"
    )
    found = []
    for call in rows:
        parts = []
        if call.contact is not None:
            parts.append(call.contact.full_name or call.number)
        elif call.number:
            parts.append(call.number)
        if call.call_back_on:
            parts.append(_("call back on %(date)s") % {"date": format_day(call.call_back_on)})
        if call.note:
            parts.append(call.note)
        found.append(
            Event(
                kind="call",
                on=call.on,
                at=call.at,
                title=_("%(kind)s (%(direction)s): %(outcome)s")
                % {
                    "kind": call.get_kind_display(),
                    "direction": call.get_direction_display(),
                    "outcome": call.get_outcome_display(),
                },
                detail=" — ".join(p for p in parts if p),
                url=reverse("reminders_action", args=[call.action_id]) if call.action_id else "",
                ref=f"call:{call.pk}",
                by=_user(call.user),
            )
        )
    return found


def notes(customer: Customer, start: date | None, end: date | None) -> list[Event]:
    rows = _between(
        Note.objects.filter(customer=customer), "created_at__date", start, end
    ).select_related("author")
    return [
        Event(
            kind="note",
            on=_local_day(note.created_at),
            at=note.created_at,
            title=_("Note"),
            detail=note.text,
            ref=f"note:{note.pk}",
            by=_user(note.author),
        )
        for note in rows
    ]


PROMISE_ENDS = {
    PromiseStatus.KEPT: gettext_lazy("Promise of %(amount)s kept"),
    PromiseStatus.PARTLY_KEPT: gettext_lazy("Promise of %(amount)s partly kept"),
    PromiseStatus.BROKEN: gettext_lazy("Promise of %(amount)s broken"),
    PromiseStatus.CANCELLED: gettext_lazy("Promise of %(amount)s cancelled"),
}


def promises(customer: Customer, start: date | None, end: date | None) -> list[Event]:
    rows = _within(
        Promise.objects.filter(customer=customer), ("taken_on", "settled_on"), start, end
    ).select_related("taken_by")
    found = []
    for p in rows:
        amount = _money(p.amount_minor, p.currency)
        found.append(
            Event(
                kind="promise",
                on=p.taken_on,
                title=_("Promise to pay %(amount)s by %(date)s taken")
                % {"amount": amount, "date": format_day(p.promised_on)},
                detail=" — ".join(x for x in (p.get_channel_display(), p.note) if x),
                amount_minor=p.amount_minor,
                currency=p.currency,
                ref=f"promise:{p.pk}:taken",
                by=_user(p.taken_by),
            )
        )
        if p.settled_on is not None and p.status in PROMISE_ENDS:
            found.append(
                Event(
                    kind="promise",
                    on=p.settled_on,
                    title=str(PROMISE_ENDS[PromiseStatus(p.status)]) % {"amount": amount},
                    detail=_("%(paid)s received") % {"paid": _money(p.paid_minor, p.currency)},
                    amount_minor=p.amount_minor,
                    currency=p.currency,
                    ref=f"promise:{p.pk}:{p.status}",
                )
            )
    return found


PLAN_ENDS = {
    PlanStatus.COMPLETED: gettext_lazy("Payment plan completed"),
    PlanStatus.BREACHED: gettext_lazy("Payment plan breached"),
    PlanStatus.CANCELLED: gettext_lazy("Payment plan cancelled"),
    PlanStatus.REFUSED: gettext_lazy("Payment plan refused"),
}


def plans(customer: Customer, start: date | None, end: date | None) -> list[Event]:
    rows = list(
        PaymentPlan.objects.filter(customer=customer)
        .annotate(n=Count("instalments", filter=~Q(instalments__status="cancelled")))
        .select_related("created_by")
    )
    sizes = {p.pk: p.n for p in rows}
    found = []
    for plan in rows:
        found.append(
            Event(
                kind="plan",
                on=plan.agreed_on,
                title=(
                    _("Payment plan of %(amount)s in %(n)s instalments agreed")
                    if plan.status != PlanStatus.NEEDS_APPROVAL
                    else _("Payment plan of %(amount)s in %(n)s instalments, awaiting approval")
                )
                % {"amount": _money(plan.total_minor, plan.currency), "n": sizes[plan.pk]},
                detail=" — ".join(x for x in (plan.get_channel_display(), plan.note) if x),
                amount_minor=plan.total_minor,
                currency=plan.currency,
                ref=f"plan:{plan.pk}:agreed",
                by=_user(plan.created_by),
            )
        )
        if plan.ended_on is not None and plan.status in PLAN_ENDS:
            found.append(
                Event(
                    kind="plan",
                    on=plan.ended_on,
                    title=str(PLAN_ENDS[PlanStatus(plan.status)]),
                    detail=plan.end_reason,
                    amount_minor=plan.total_minor,
                    currency=plan.currency,
                    ref=f"plan:{plan.pk}:{plan.status}",
                )
            )
    instalments = Instalment.objects.filter(
        plan__customer=customer, status__in=(InstalmentStatus.PAID, InstalmentStatus.MISSED)
    ).select_related("plan")
    for inst in instalments:
        values = {
            "n": inst.number,
            "of": sizes.get(inst.plan_id, 0),
            "amount": _money(inst.amount_minor, inst.plan.currency),
        }
        if inst.status == InstalmentStatus.PAID:
            on = inst.paid_on or inst.due_on
            title = _("Instalment %(n)s of %(of)s (%(amount)s) paid") % values
        else:
            on = inst.due_on
            title = _("Instalment %(n)s of %(of)s (%(amount)s) missed") % values
        found.append(
            Event(
                kind="plan",
                on=on,
                title=title,
                detail=_("due on %(date)s") % {"date": format_day(inst.due_on)},
                amount_minor=inst.amount_minor,
                currency=inst.plan.currency,
                ref=f"instalment:{inst.pk}",
            )
        )
    return found


def disputes(customer: Customer, start: date | None, end: date | None) -> list[Event]:
    rows = _within(
        Dispute.objects.filter(customer=customer), ("opened_on", "resolved_on"), start, end
    ).annotate(at_stake=Sum("items__amount_minor"))
    found = []
    for d in rows:
        found.append(
            Event(
                kind="dispute",
                on=d.opened_on,
                title=_("Dispute opened: %(reason)s") % {"reason": d.get_reason_display()},
                detail=d.description,
                amount_minor=d.at_stake,
                currency=d.currency,
                ref=f"dispute:{d.pk}:opened",
            )
        )
        if d.resolved_on is not None:
            found.append(
                Event(
                    kind="dispute",
                    on=d.resolved_on,
                    title=_("Dispute resolved: %(resolution)s")
                    % {"resolution": d.get_resolution_display()},
                    detail=d.resolution_note,
                    amount_minor=d.at_stake,
                    currency=d.currency,
                    ref=f"dispute:{d.pk}:resolved",
                )
            )
    return found


def settlements(customer: Customer, start: date | None, end: date | None) -> list[Event]:
    found = []
    for s in Settlement.objects.filter(customer=customer):
        values = {
            "discount": _money(s.discount_minor, s.currency),
            "owed": _money(s.owed_minor, s.currency),
            "date": format_day(s.valid_until),
        }
        found.append(
            Event(
                kind="settlement",
                on=s.offered_on,
                title=_("Settlement offered: %(discount)s off %(owed)s, valid until %(date)s")
                % values,
                detail=s.get_status_display(),
                amount_minor=s.owed_minor,
                currency=s.currency,
                ref=f"settlement:{s.pk}:offered",
            )
        )
        if s.accepted_on is not None:
            found.append(
                Event(
                    kind="settlement",
                    on=s.accepted_on,
                    title=_("Settlement accepted: %(discount)s off %(owed)s") % values,
                    amount_minor=s.owed_minor,
                    currency=s.currency,
                    ref=f"settlement:{s.pk}:accepted",
                )
            )
        if s.written_off_on is not None:
            found.append(
                Event(
                    kind="settlement",
                    on=s.written_off_on,
                    title=_("Settlement: %(amount)s written off")
                    % {"amount": _money(s.written_off_minor, s.currency)},
                    amount_minor=s.written_off_minor,
                    currency=s.currency,
                    ref=f"settlement:{s.pk}:written_off",
                )
            )
    return found


def ledger(customer: Customer, start: date | None, end: date | None) -> list[Event]:
    """Invoices issued, payments received and credit notes."""
    found = []
    for inv in _between(Invoice.objects.filter(customer=customer), "issue_date", start, end):
        found.append(
            Event(
                kind="invoice",
                on=inv.issue_date,
                title=_("Invoice %(number)s issued, due on %(date)s")
                % {"number": inv.number, "date": format_day(inv.due_date)},
                detail=inv.get_status_display() if inv.status != "issued" else "",
                amount_minor=inv.total_incl_tax_minor,
                currency=inv.currency,
                url=reverse("invoice", args=[inv.pk]),
                ref=f"invoice:{inv.pk}",
            )
        )
    for pay in _between(Payment.objects.filter(customer=customer), "date", start, end):
        found.append(
            Event(
                kind="payment",
                on=pay.date,
                title=_("Payment received"),
                detail=pay.reference,
                amount_minor=pay.amount_minor,
                currency=pay.currency,
                url=reverse("payment", args=[pay.pk]),
                ref=f"payment:{pay.pk}",
            )
        )
    notes_qs = _between(CreditNote.objects.filter(customer=customer), "issue_date", start, end)
    for note in notes_qs.select_related("invoice"):
        found.append(
            Event(
                kind="credit_note",
                on=note.issue_date,
                title=_("Credit note %(number)s") % {"number": note.number}
                if note.invoice is None
                else _("Credit note %(number)s on invoice %(invoice)s")
                % {"number": note.number, "invoice": note.invoice.number},
                detail=note.reason,
                amount_minor=note.total_incl_tax_minor,
                currency=note.currency,
                ref=f"credit_note:{note.pk}",
            )
        )
    return found


def _changes(entry: LogEntry) -> dict[str, Any]:
    value = entry.changes
    return value if isinstance(value, dict) else {}


def status_changes(customer: Customer, start: date | None, end: date | None) -> list[Event]:
    """Pauses of reminders, changes of the customer's status (audit log), legal case stages."""
    found = []
    pauses = list(
        Pause.objects.filter(Q(customer=customer) | Q(invoice__customer=customer)).select_related(
            "invoice", "created_by"
        )
    )
    for pause in pauses:
        until = (
            _("until %(date)s") % {"date": format_day(pause.until)}
            if pause.until
            else _("until lifted")
        )
        if pause.invoice is not None:
            title = _("Reminders of invoice %(number)s paused") % {"number": pause.invoice.number}
        else:
            title = _("Reminders paused")
        found.append(
            Event(
                kind="status",
                on=_local_day(pause.created_at),
                at=pause.created_at,
                title=title,
                detail=f"{pause.reason} ({until})",
                ref=f"pause:{pause.pk}",
                by=_user(pause.created_by),
            )
        )
    by_pk = {str(p.pk): p for p in pauses}
    entries = _between(
        LogEntry.objects.filter(
            Q(
                content_type=ContentType.objects.get_for_model(Pause),
                object_pk__in=list(by_pk),
                action=LogEntry.Action.UPDATE,
            )
            | Q(
                content_type=ContentType.objects.get_for_model(Customer),
                object_pk=str(customer.pk),
                action=LogEntry.Action.UPDATE,
            )
        ),
        "timestamp__date",
        start,
        end,
    ).select_related("actor", "content_type")
    statuses = dict(CustomerStatus.choices)
    for entry in entries:
        changes = _changes(entry)
        if entry.object_pk in by_pk and entry.content_type.model == "pause":
            if "until" not in changes:
                continue
            new = changes["until"][1]
            title = _("Pause changed: %(reason)s") % {"reason": by_pk[entry.object_pk].reason}
            detail = (
                _("until %(date)s") % {"date": format_day(date.fromisoformat(new))}
                if new and new != "None"
                else _("until lifted")
            )
        elif entry.content_type.model == "customer" and "status" in changes:
            old, new = changes["status"]
            title = _("Status changed to %(status)s") % {"status": statuses.get(new, new)}
            detail = _("was %(status)s") % {"status": statuses.get(old, old)}
        else:
            continue
        found.append(
            Event(
                kind="status",
                on=_local_day(entry.timestamp),
                at=entry.timestamp,
                title=str(title),
                detail=str(detail),
                ref=f"log:{entry.pk}",
                by=_user(entry.actor),
            )
        )
    for case in LegalCase.objects.filter(customer=customer):
        found.append(
            Event(
                kind="status",
                on=case.opened_on,
                title=_("Legal case opened: %(route)s") % {"route": case.get_route_display()},
                detail=case.handler,
                amount_minor=case.claim_minor,
                currency=case.currency,
                url=reverse("legal_case", args=[case.pk]),
                ref=f"legal:{case.pk}",
            )
        )
    legal_events = _between(
        LegalEvent.objects.filter(case__customer=customer), "on", start, end
    ).select_related("case")
    for event in legal_events:
        found.append(
            Event(
                kind="status",
                on=event.on,
                title=_("Legal case: %(stage)s")
                % {"stage": STAGE_LABELS.get(event.stage, event.stage)},
                detail=event.note,
                url=reverse("legal_case", args=[event.case_id]),
                ref=f"legal_event:{event.pk}",
            )
        )
    return found


register({"message": gettext_lazy("messages")}, messages)
register({"call": gettext_lazy("calls and meetings")}, calls)
register({"note": gettext_lazy("notes")}, notes)
register({"promise": gettext_lazy("promises")}, promises)
register({"plan": gettext_lazy("payment plans")}, plans)
register({"dispute": gettext_lazy("disputes")}, disputes)
register({"settlement": gettext_lazy("settlements")}, settlements)
register(
    {
        "invoice": gettext_lazy("invoices"),
        "payment": gettext_lazy("payments"),
        "credit_note": gettext_lazy("credit notes"),
    },
    ledger,
)
register({"status": gettext_lazy("status changes")}, status_changes)


# --------------------------------------------------------------------------- export


def to_table(customer: Customer, found: Iterable[Event]) -> Table:
    """The events as a table for relance.analytics.exports (CSV, XLSX)."""
    labels = dict(kind_choices())
    rows = []
    for e in found:
        moment = e.local_time
        rows.append(
            [
                e.on,
                moment.strftime("%H:%M") if moment is not None else "",
                labels.get(e.kind, e.kind),
                e.title,
                e.detail,
                e.amount.amount if e.amount_minor is not None else None,
                e.currency,
                e.by,
            ]
        )
    return Table(
        key="timeline",
        title=customer.legal_name,
        columns=[
            _("Date"),
            _("Time"),
            _("Kind"),
            _("Event"),
            _("Detail"),
            _("Amount"),
            _("Currency"),
            _("By"),
        ],
        rows=rows,
    )


__all__ = ["KINDS", "PROVIDERS", "Event", "events", "register", "to_table"]
