"""Use cases of debtors' replies: take one in, assign it, handle it, ignore it.

    ingest(raw, source="imap")            -> Ingested(reply, created)
    assign(reply, customer, user)         -> an unmatched reply given to its customer
    handle(reply, classification, user, note="")  -> confirmed, handled, reminders resume
    ignore(reply, user, note="")          -> set aside (spam, a message for no one)
    timeline_events(customer)             -> the customer's replies as timeline entries

A reply matched to a customer waits "to handle" and pauses that customer's automatic
reminders (`relance.dunning.models.Pause`, reason "reply to handle …", no end date): the
run plans nothing for a paused customer and the worker cancels what was planned before.
Handling the reply (or ignoring it) ends that pause on the day before: the next run plans
again. An automatic reply (out of office) pauses nothing and is set aside as "ignored"
at once; it stays on the customer's timeline.

`handle` stores the classification a person confirmed and its fields. Confirmed as a
promise with a date, it also records the promise (`relance.replies.promises`, through
`relance.negotiation.promises.take_promise`, in the same transaction: a promise refused —
a date past, invoices already under a pending promise, nothing to promise — refuses the
handling and nothing is written); its id is kept in `Reply.fields["promise"]`. A dispute is
not opened from a reply: its reason, invoices and amounts are for a person to choose on the
dispute form (the reply page links to it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.accounts.access import customer_filter
from relance.accounts.models import Membership
from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.customers.models import Customer
from relance.domain import replies as rules
from relance.dunning.models import Pause
from relance.replies.matching import match
from relance.replies.models import Kind, MatchMethod, Reply, ReplyAttachment, Status
from relance.replies.parsing import Limits, Part, parse
from relance.replies.promises import promise_from_reply


def limits() -> Limits:
    return Limits(max_attachment=settings.RELANCE_REPLY_MAX_ATTACHMENT)


@dataclass(frozen=True)
class Ingested:
    reply: Reply
    created: bool


@dataclass(frozen=True)
class Refused:
    """An attachment refused before its content was fetched (an inbound webhook that
    gives attachments as links: too large or a forbidden type is never downloaded)."""

    name: str
    content_type: str
    size: int
    reason: str


def _pause_reason(reply: Reply) -> str:
    subject = reply.subject or _("(no subject)")
    return f"reply to handle #{reply.pk}: {subject}"[:200]


def _open_pause(reply: Reply, user: Any = None) -> None:
    assert reply.customer_id is not None
    reply.pause = Pause.objects.create(
        creditor_id=reply.creditor_id,
        customer_id=reply.customer_id,
        reason=_pause_reason(reply),
        created_by=user,
    )


def _lift_pause(reply: Reply, on: date) -> None:
    """The pause's last day becomes the day before `on`: the run of `on` plans again."""
    if reply.pause is not None and (reply.pause.until is None or reply.pause.until >= on):
        reply.pause.until = on - timedelta(days=1)
        reply.pause.save(update_fields=["until", "updated_at"])


def _reference_day(sent_at: datetime | None, received_at: datetime) -> date:
    return timezone.localdate(sent_at or received_at)


def ingest(
    raw: bytes,
    *,
    source: str,
    creditor: Creditor | None = None,
    received_at: datetime | None = None,
    refused: list[Refused] | None = None,
    truncated_size: int | None = None,
) -> Ingested:
    """Store one inbound message (or find it stored already: same creditor and Message-ID).

    `creditor` is the mailbox's creditor when the caller knows it (see
    `relance.replies.matching`); `truncated_size` the real size of a message of which only
    the headers were read (larger than RELANCE_REPLY_MAX_MESSAGE). Raises NoCreditor (a
    BadInput) when no creditor can be told."""
    received_at = received_at or timezone.now()
    parsed = parse(raw, limits())
    for item in refused or []:
        parsed.attachments.append(
            Part(item.name[:255], item.content_type[:100], item.size, b"", item.reason[:300])
        )
    if truncated_size is not None:
        parsed.problems.append(
            _(
                "message of %(size)s bytes, larger than the limit of %(limit)s: "
                "only its headers were kept"
            )
            % {"size": truncated_size, "limit": settings.RELANCE_REPLY_MAX_MESSAGE}
        )
    found = match(parsed, creditor)
    existing = Reply.objects.filter(creditor=found.creditor, message_id=parsed.message_id).first()
    if existing is not None:
        return Ingested(existing, False)
    suggestion = rules.classify(
        parsed.subject,
        parsed.text,
        parsed.headers,
        _reference_day(parsed.sent_at, received_at),
    )
    suggested_fields: dict[str, Any] = dict(suggestion.fields())
    if found.invoices:
        suggested_fields["invoices"] = found.invoices
    automatic = suggestion.kind is rules.Kind.OUT_OF_OFFICE
    if automatic:
        status = Status.IGNORED
    elif found.customer is not None:
        status = Status.TO_HANDLE
    else:
        status = Status.UNMATCHED
    sha = hashlib.sha256(raw).hexdigest()
    stored: list[str] = []
    try:
        with transaction.atomic():
            reply = Reply(
                creditor=found.creditor,
                customer=found.customer,
                source=source,
                message_id=parsed.message_id,
                in_reply_to=parsed.in_reply_to,
                references=" ".join(parsed.references),
                from_address=parsed.from_address,
                from_name=parsed.from_name,
                to=", ".join(parsed.to),
                cc=", ".join(parsed.cc),
                subject=parsed.subject,
                sent_at=parsed.sent_at,
                received_at=received_at,
                text=parsed.text,
                problems=parsed.problems,
                raw_sha256=sha,
                raw_size=len(raw),
                match_method=found.method,
                match_reason=found.reason[:500],
                correspondence=found.correspondence,
                suggested=suggestion.kind.value,
                suggested_fields=suggested_fields,
                suggested_rules=[
                    {"rule": f.rule, "kind": f.kind.value, "evidence": f.evidence[:200]}
                    for f in suggestion.rules
                ],
                status=status,
            )
            reply.raw.save(f"{sha}.eml", ContentFile(raw), save=False)
            stored.append(str(reply.raw.name))
            reply.save()
            for part in parsed.attachments:
                attachment = ReplyAttachment(
                    reply=reply,
                    name=part.name or "attachment",
                    content_type=part.content_type[:100],
                    size=part.size,
                    sha256=part.sha256,
                    refused=part.refused[:300],
                )
                if not part.refused:
                    attachment.file.save(
                        f"{part.sha256}.bin", ContentFile(part.content), save=False
                    )
                    stored.append(str(attachment.file.name))
                attachment.save()
            if status == Status.TO_HANDLE:
                _open_pause(reply)
                reply.save(update_fields=["pause"])
    except IntegrityError:
        for name in stored:
            default_storage.delete(name)
        again = Reply.objects.filter(creditor=found.creditor, message_id=parsed.message_id).first()
        if again is None:
            raise
        return Ingested(again, False)  # stored meanwhile by another poller
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    return Ingested(reply, True)


def _locked(reply: Reply) -> Reply:
    # no join: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join
    return Reply.objects.select_for_update().get(pk=reply.pk)


@transaction.atomic
def assign(reply: Reply, customer: Customer, user: Any = None) -> Reply:
    """Give a reply to `customer` (unmatched, or matched to the wrong one): it waits to
    be handled and pauses that customer's reminders (an automatic reply pauses nothing)."""
    locked = _locked(reply)
    if customer.creditor_id != locked.creditor_id:
        raise BadInput(_("customer: not a customer of this reply's creditor"))
    if locked.status == Status.HANDLED:
        raise BadInput(_("this reply is already handled"))
    locked.customer = customer
    locked.match_method = MatchMethod.MANUAL
    who = getattr(user, "username", "") or _("a person")
    locked.match_reason = (_("assigned by %(who)s") % {"who": who})[:500]
    if locked.suggested == Kind.OUT_OF_OFFICE and locked.status == Status.IGNORED:
        pass  # an automatic reply: on the timeline, nothing to handle
    elif locked.pause is not None:
        locked.pause.customer = customer
        locked.pause.save(update_fields=["customer", "updated_at"])
        locked.status = Status.TO_HANDLE
    else:
        locked.status = Status.TO_HANDLE
        _open_pause(locked, user)
    locked.save()
    return locked


def _fields(
    raw: dict[str, Any] | None, default: dict[str, Any], currency: str = "EUR"
) -> dict[str, Any]:
    if raw is None:
        return dict(default)
    clean: dict[str, Any] = {}
    for name, value in raw.items():
        text = str(value).strip() if value is not None else ""
        if not text:
            continue
        if name == "date":
            try:
                clean[name] = date.fromisoformat(text).isoformat()
            except ValueError:
                raise BadInput(
                    _("date: “%(value)s” is not a date (YYYY-MM-DD)") % {"value": text}
                ) from None
        elif name == "amount":
            try:
                amount = Decimal(text.replace(",", "."))
            except InvalidOperation:
                raise BadInput(
                    _("amount: “%(value)s” is not an amount") % {"value": text}
                ) from None
            if amount < 0 or not amount.is_finite():
                raise BadInput(_("amount: must be a positive amount"))
            clean[name] = str(amount)
        elif name == "currency":
            if len(text) != 3 or not text.isalpha():
                raise BadInput(_("currency: “%(value)s” is not a currency code") % {"value": text})
            clean[name] = text.upper()
        elif name == "invoices":
            items = value if isinstance(value, list) else text.replace(",", " ").split()
            clean[name] = [str(i).strip()[:64] for i in items if str(i).strip()][:50]
        else:
            raise BadInput(_("%(field)s: not a field of a reply") % {"field": name})
    if "amount" in clean and "currency" not in clean:
        clean["currency"] = str(default.get("currency") or currency)
    return clean


@transaction.atomic
def handle(
    reply: Reply,
    classification: str,
    user: Any,
    note: str = "",
    *,
    fields: dict[str, Any] | None = None,
    on: date | None = None,
) -> Reply:
    """A person confirms (or changes) the classification and marks the reply handled.

    `fields` (date, amount, currency, invoices) default to those suggested when the
    classification is the one suggested. The reply's pause ends on the day before `on`
    (today by default): the next run plans reminders again. A promise with a date is
    recorded, taken on `on` by `user` (BadInput when refused: nothing is written)."""
    locked = _locked(reply)
    try:
        kind = Kind(classification)
    except ValueError:
        raise BadInput(
            _("classification: “%(value)s” is not one of %(choices)s")
            % {"value": classification, "choices": ", ".join(Kind.values)}
        ) from None
    if locked.customer_id is None:
        raise BadInput(_("this reply is not matched to a customer: assign it first"))
    if locked.status == Status.HANDLED:
        raise BadInput(_("this reply is already handled"))
    default = locked.suggested_fields if kind == locked.suggested else {}
    customer = Customer.objects.get(pk=locked.customer_id)
    locked.customer = customer
    day = on or timezone.localdate()
    locked.classification = kind.value
    locked.fields = _fields(fields, default, customer.currency)
    if kind == Kind.PROMISE:
        promise = promise_from_reply(locked, locked.fields, user, day)
        if promise is not None:
            locked.fields["promise"] = promise.pk
    locked.note = note.strip()[:2000]
    locked.status = Status.HANDLED
    locked.handled_by = user if getattr(user, "pk", None) else None
    locked.handled_at = timezone.now()
    _lift_pause(locked, day)
    locked.save()
    return locked


@transaction.atomic
def ignore(reply: Reply, user: Any, note: str = "", *, on: date | None = None) -> Reply:
    """Set a reply aside (spam, a message for no one): its pause ends like when handled."""
    locked = _locked(reply)
    if locked.status == Status.HANDLED:
        raise BadInput(_("this reply is already handled"))
    locked.status = Status.IGNORED
    locked.note = note.strip()[:2000]
    locked.handled_by = user if getattr(user, "pk", None) else None
    locked.handled_at = timezone.now()
    _lift_pause(locked, on or timezone.localdate())
    locked.save()
    return locked


# --- reading -------------------------------------------------------------------------------


def visible_replies(membership: Membership) -> QuerySet[Reply]:
    """The replies a member may see: a collector those of their customers; the other
    roles every reply of the creditor, unmatched ones included."""
    qs = Reply.objects.filter(creditor_id=membership.creditor_id)
    if not membership.sees_all_customers:
        qs = qs.filter(**customer_filter(membership))
    return qs


def waiting_count(membership: Membership) -> int:
    """Replies waiting for this member: to handle, plus unmatched for those who assign."""
    wanted = Q(status=Status.TO_HANDLE)
    if membership.sees_all_customers:
        wanted |= Q(status=Status.UNMATCHED)
    return visible_replies(membership).filter(wanted).count()


@dataclass(frozen=True)
class TimelineEvent:
    """One entry of a customer's timeline."""

    at: datetime
    kind: str
    summary: str
    link: str


def label_of(kind: str) -> str:
    try:
        return str(Kind(kind).label)
    except ValueError:
        return kind


def timeline_events(customer: Customer) -> list[TimelineEvent]:
    """The customer's replies as timeline entries, newest first (kind "reply")."""
    events = []
    for reply in Reply.objects.filter(customer=customer).order_by("-received_at", "-id"):
        what = label_of(reply.classification or reply.suggested)
        state = Status(reply.status).label
        who = reply.from_name or reply.from_address
        events.append(
            TimelineEvent(
                at=reply.sent_at or reply.received_at,
                kind="reply",
                summary=f"{who}: {reply.subject or _('(no subject)')} — {what} ({state})",
                link=reverse("reply", args=[reply.pk]),
            )
        )
    return events
