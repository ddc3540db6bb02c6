"""Worklist sources and timeline providers that read other apps' objects.

Registered by `NegotiationConfig.ready()` beside the negotiation's own:

- worklist `reply`: debtors' replies waiting to be handled (relance.replies), ranked on the
  customer's overdue amount, due the day they arrived;
- worklist `legal_deadline`: the next deadline of every open legal case
  (`relance.legal.services.next_deadlines`), on the amount the case can still recover;
- timeline `reply`: the replies received (relance.replies);
- timeline `portal`: what the debtor did in the portal (relance.portal).

Each source is set-based like the others (a few queries whatever the number of customers).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from relance.creditors.models import Creditor
from relance.customers.models import Customer
from relance.legal.services import next_deadlines
from relance.negotiation.timeline import Event, _between, _local_day
from relance.negotiation.worklist import CustomerIds, WorkItem, overdue_by_customer
from relance.portal.models import EventKind, PortalEvent
from relance.replies.models import Reply, Status
from relance.replies.services import label_of
from relance.web.templatetags.relance import format_day


def replies_to_handle(creditor: Creditor, as_of: date, customer_ids: CustomerIds) -> list[WorkItem]:
    """Replies matched to a customer and not handled yet (their reminders wait for them)."""
    replies = list(
        Reply.objects.filter(
            creditor=creditor, customer_id__in=customer_ids, status=Status.TO_HANDLE
        ).only("pk", "customer_id", "from_address", "from_name", "subject", "received_at")
    )
    # at stake: the customer's largest overdue amount among its currencies
    stake: dict[int, tuple[str, int]] = {}
    overdue = overdue_by_customer({r.customer_id for r in replies if r.customer_id}, as_of)
    for (customer_id, cur), minor in overdue.items():
        if minor > stake.get(customer_id, ("", -1))[1]:
            stake[customer_id] = (cur, minor)
    items = []
    for reply in replies:
        if reply.customer_id is None:  # excluded by the filter; keeps the types honest
            continue
        currency, amount = stake.get(reply.customer_id, (creditor.currency, 0))
        received = _local_day(reply.received_at)
        items.append(
            WorkItem(
                kind="reply",
                customer_id=reply.customer_id,
                currency=currency,
                amount_minor=amount,
                due=received,
                reason=_(
                    "reply from %(who)s received on %(day)s: %(subject)s (suggested: %(kind)s)"
                )
                % {
                    "who": reply.from_name or reply.from_address,
                    "day": format_day(received),
                    "subject": reply.subject or _("(no subject)"),
                    "kind": label_of(reply.suggested),
                },
                url=reverse("reply", args=[reply.pk]),
                ref=f"reply:{reply.pk}",
            )
        )
    return items


def legal_deadlines(creditor: Creditor, as_of: date, customer_ids: CustomerIds) -> list[WorkItem]:
    """The next deadline of each open legal case (formal notice, service, opposition…)."""
    lang = get_language() or "fr"
    return [
        WorkItem(
            kind="legal_deadline",
            customer_id=d.customer_id,
            currency=d.at_stake.currency,
            amount_minor=d.at_stake.minor,
            due=d.due,
            reason=_("legal case: %(what)s on %(day)s")
            % {"what": d.message(lang), "day": format_day(d.due)},
            url=reverse("legal_case", args=[d.case_id]),
            ref=f"legal_case:{d.case_id}",
        )
        for d in next_deadlines(creditor, as_of, customer_ids=customer_ids)
    ]


def replies(customer: Customer, start: date | None, end: date | None) -> list[Event]:
    """The replies received from the customer, with their classification and state."""
    rows = _between(Reply.objects.filter(customer=customer), "received_at__date", start, end)
    events = []
    for reply in rows.order_by("received_at", "pk"):
        state = Status(reply.status).label
        events.append(
            Event(
                kind="reply",
                on=_local_day(reply.received_at),
                at=reply.received_at,
                title=_("Reply: %(subject)s") % {"subject": reply.subject or _("(no subject)")},
                detail=f"{label_of(reply.classification or reply.suggested)} ({state})",
                url=reverse("reply", args=[reply.pk]),
                ref=f"reply:{reply.pk}",
                by=reply.from_name or reply.from_address,
            )
        )
    return events


#: portal events worth a line on the file (opening the portal or asking for a code are not)
PORTAL_SHOWN = (
    EventKind.PROMISE,
    EventKind.PAYMENT_ANNOUNCED,
    EventKind.PAYMENT_RECEIVED,
    EventKind.DISPUTE_REQUEST,
    EventKind.PLAN_REQUEST,
    EventKind.CONTACT_PROPOSAL,
    EventKind.DOCUMENT,
)


def portal(customer: Customer, start: date | None, end: date | None) -> list[Event]:
    """What the debtor did in the portal."""
    rows = _between(
        PortalEvent.objects.filter(Q(customer=customer) & Q(kind__in=PORTAL_SHOWN)),
        "created_at__date",
        start,
        end,
    )
    return [
        Event(
            kind="portal",
            on=_local_day(event.created_at),
            at=event.created_at,
            title=_("Portal: the customer %(what)s") % {"what": EventKind(event.kind).label},
            ref=f"portal:{event.pk}",
        )
        for event in rows.order_by("created_at", "pk")
    ]
