"""The worklist (what to do today, ranked) and a customer's timeline (every event of the file)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, P, QueryEx, Router, Schema

from relance.accounts.models import Membership, Role
from relance.api.auth import caller
from relance.api.common import amount_text, get_customer
from relance.api.errors import COMMON, ONE, forbidden, invalid
from relance.api.schemas import Day, Id
from relance.negotiation import timeline, worklist

router = Router(tags=["negotiation"])

MAX_ITEMS = 500
_TIMELINE_KINDS = ", ".join(timeline.KINDS)


class WorkItemOut(Schema):
    kind: str = Field(description="The source of the line: call, call_back, broken_promise…")
    reason: str = Field(description="What to do and why, in words (the request's language).")
    customer: int
    customer_name: str
    collector: int | None = Field(description="The customer's assigned collector (user id).")
    currency: str
    amount: str = Field(description="The amount at stake, a decimal string.")
    due: date = Field(description="The day the item fell due (urgency counts from it).")
    days_late: int
    segment: str = Field(description="The customer's computed risk segment ('' if none).")
    urgency: Decimal
    risk: Decimal
    score: Decimal = Field(description="amount at stake × urgency × risk (docs/negotiation.md)")
    ref: str = Field(description="The object behind the line, e.g. 'promise:12'.")
    url: str = Field(description="The web page where to act.")


class WorklistOut(Schema):
    as_of: date
    count: int
    items: list[WorkItemOut]


class EventOut(Schema):
    kind: str
    on: date
    at: datetime | None = Field(description="The moment, when the event has one.")
    title: str
    detail: str
    amount: str | None
    currency: str
    by: str
    url: str
    ref: str


class TimelineOut(Schema):
    customer: int
    count: int
    events: list[EventOut] = Field(description="Newest first.")


def _kinds(raw: list[str] | None, known: dict[str, Any], field: str) -> list[str] | None:
    """Kinds from repeated or comma-separated values; unknown ones are a 422."""
    if not raw:
        return None
    asked = [k.strip() for value in raw for k in value.split(",") if k.strip()]
    unknown = [k for k in asked if k not in known]
    if unknown:
        message = _("Unknown kind: %(kinds)s (known: %(known)s).") % {
            "kinds": ", ".join(unknown),
            "known": ", ".join(known),
        }
        raise invalid(message, [{"field": field, "message": message, "code": "invalid"}])
    return asked or None


@router.get(
    "/worklist",
    response={200: WorklistOut, **COMMON},
    summary="The worklist: calls, call-backs, promises, instalments, disputes… ranked",
    description=(
        "A collector gets the lines of their own customers; administrators, credit managers "
        "and read-only users get the team's, optionally of one collector. Reminders to approve "
        "and approval requests are for administrators and credit managers. Ranked by amount "
        "at stake × urgency × risk (see docs/negotiation.md)."
    ),
)
def get_worklist(
    request: Any,
    as_of: QueryEx[Day | None, P(description="Default: today (in the server's time zone).")] = None,
    collector: QueryEx[Id | None, P(description="Only the customers of this collector.")] = None,
    kind: QueryEx[
        list[str] | None, P(description="Only these kinds (repeat, or separate with commas).")
    ] = None,
) -> Any:
    who = caller(request)
    membership: Membership = who.membership
    if collector is not None:
        if not membership.sees_all_customers and collector != membership.user_id:
            raise forbidden(_("A collector sees only their own worklist."))
        if not Membership.objects.filter(
            creditor_id=membership.creditor_id, user_id=collector, role=Role.COLLECTOR
        ).exists():
            message = _("User %(id)s is not a collector of this creditor.") % {"id": collector}
            raise invalid(message, [{"field": "collector", "message": message}])
    usable = {
        k: label
        for k, label in worklist.kinds()
        if not worklist.SOURCES[k].managers_only or worklist.approves(membership)
    }
    kinds = _kinds(kind, usable, "kind")
    day = as_of or timezone.localdate()
    items = worklist.build(membership, day, collector_id=collector, kinds=kinds)
    return {
        "as_of": day,
        "count": len(items),
        "items": [
            {
                "kind": i.kind,
                "reason": i.reason,
                "customer": i.customer_id,
                "customer_name": i.customer_name,
                "collector": i.collector_id,
                "currency": i.currency,
                "amount": amount_text(i.amount_minor, i.currency),
                "due": i.due,
                "days_late": i.days_late,
                "segment": i.segment,
                "urgency": i.urgency,
                "risk": i.risk,
                "score": i.score,
                "ref": i.ref,
                "url": i.url,
            }
            for i in items[:MAX_ITEMS]
        ],
    }


@router.get(
    "/customers/{pk}/timeline",
    response={200: TimelineOut, **ONE},
    summary="Every event of a customer's file, newest first",
)
def get_timeline(
    request: Any,
    pk: Id,
    kinds: QueryEx[
        list[str] | None,
        P(description="Only these kinds (repeat, or separate with commas): " + _TIMELINE_KINDS),
    ] = None,
    start: QueryEx[Day | None, P(alias="from", description="From this day (inclusive).")] = None,
    end: QueryEx[Day | None, P(alias="to", description="Up to this day (inclusive).")] = None,
) -> Any:
    customer = get_customer(caller(request), pk)
    chosen = _kinds(kinds, timeline.KINDS, "kinds")
    if start is not None and end is not None and end < start:
        message = _("“to” is before “from”.")
        raise invalid(message, [{"field": "to", "message": message}])
    found = timeline.events(customer, kinds=chosen, start=start, end=end)
    return {
        "customer": customer.pk,
        "count": len(found),
        "events": [
            {
                "kind": e.kind,
                "on": e.on,
                "at": e.at,
                "title": e.title,
                "detail": e.detail,
                "amount": amount_text(e.amount_minor, e.currency)
                if e.amount_minor is not None
                else None,
                "currency": e.currency,
                "by": e.by,
                "url": e.url,
                "ref": e.ref,
            }
            for e in found
        ],
    }
