"""Disputes and payment-plan requests from the portal: THE EXTENSION POINT.

    record_dispute_request(link, invoices=…, reason=…, message=…, files=…, ip=…)
    record_plan_request(link, invoices=…, instalments=…, first_date=…, message=…, ip=…)

Each stores a `PortalRequest` row (kind, payload, attachments) and a portal event on the
customer's file, in the same transaction as the negotiation object it opens:

- a dispute opens a `relance.negotiation` dispute (source "portal") on the whole open amount
  of the invoices chosen: its pauses hold those invoices back from dunning at once, and its
  id is kept in the request's payload; the request waits for a person (the portal review
  page, the customer page);
- a payment-plan request becomes a payment plan (`relance.negotiation.plans.propose_plan`,
  channel "portal", no user) of equal monthly instalments, checked against the creditor's
  self-service margin (`relance.negotiation.margins.portal_margin_for`). Within it the plan
  is active at once (pauses, agreement PDF, instalment reminders) and the request is
  handled; beyond it, or with the switch off, the plan waits in `needs_approval` with an
  approval request saying which limit was exceeded, and the request waits for a person.
  The payload keeps the plan's id and the outcome (PLAN_ACTIVE or PLAN_NEEDS_APPROVAL).

Validation (BadInput, field first):
- invoices: open invoices of the link's customer, one currency (queries.selected_invoices),
  none already in a payment plan that is active or awaiting approval;
- dispute: a reason among `relance.negotiation.models.DisputeReason`, a message of at least
  MIN_MESSAGE characters, at most uploads.MAX_FILES files checked by uploads.check;
- plan: PLAN_MIN_INSTALMENTS to PLAN_MAX_INSTALMENTS monthly instalments, the first
  between today and PLAN_FIRST_WITHIN_DAYS days from today (what the form accepts at all;
  the self-service margin then decides between active and awaiting approval), and the
  schedule checks of relance.negotiation.plans.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.core.errors import BadInput
from relance.ledger.models import Invoice
from relance.negotiation.disputes import open_dispute
from relance.negotiation.margins import portal_margin_for
from relance.negotiation.models import DisputeReason, PaymentPlan, PlanStatus, Source
from relance.negotiation.plans import equal_instalments, propose_plan
from relance.portal import events, uploads
from relance.portal.models import (
    EventKind,
    PortalAttachment,
    PortalLink,
    PortalRequest,
    RequestKind,
    RequestStatus,
)

MIN_MESSAGE = 10
MAX_MESSAGE = 4000
PLAN_MIN_INSTALMENTS = 2
PLAN_MAX_INSTALMENTS = 12
PLAN_FIRST_WITHIN_DAYS = 60
#: the outcome of a plan request, in its payload
PLAN_ACTIVE = "active"
PLAN_NEEDS_APPROVAL = "needs_approval"


def _items(invoices: list[Invoice]) -> list[dict[str, object]]:
    return [
        {"id": i.pk, "number": i.number, "open_minor": i.open_minor, "currency": i.currency}
        for i in invoices
    ]


def _message(message: str, required: bool) -> str:
    message = message.strip()
    if required and len(message) < MIN_MESSAGE:
        raise BadInput(
            _("message: please tell us in a few words what is wrong (%(n)s characters at least).")
            % {"n": MIN_MESSAGE}
        )
    if len(message) > MAX_MESSAGE:
        raise BadInput(_("message: %(n)s characters at most.") % {"n": MAX_MESSAGE})
    return message


def record_dispute_request(
    link: PortalLink,
    *,
    invoices: list[Invoice],
    reason: str,
    message: str,
    files: list[tuple[str, bytes]] | None = None,
    ip: str = "",
    today: date | None = None,
) -> PortalRequest:
    """Store the debtor's dispute for a person and open it as a dispute that pauses dunning
    on those invoices (see the module docstring); `today`: the business day (default: the
    local date)."""
    if reason not in DisputeReason.values:
        raise BadInput(_("reason: choose one of the reasons listed."))
    text = _message(message, required=True)
    files = files or []
    if len(files) > uploads.MAX_FILES:
        raise BadInput(_("attachments: %(n)s files at most.") % {"n": uploads.MAX_FILES})
    checked = [uploads.check(name, content) for name, content in files]
    stored: list[str] = []
    try:
        for item in checked:
            stored.append(uploads.store(item))
        with transaction.atomic():
            request = PortalRequest.objects.create(
                creditor_id=link.creditor_id,
                customer_id=link.customer_id,
                link=link,
                kind=RequestKind.DISPUTE,
                payload={"invoices": _items(invoices), "reason": reason, "message": text},
            )
            opened = open_dispute(
                link.customer,
                items=[(invoice.pk, None) for invoice in invoices],
                reason=reason,
                opened_on=today or timezone.localdate(),
                description=text,
                source=Source.PORTAL,
            )
            request.payload["dispute"] = opened.pk
            request.save(update_fields=["payload"])
            for item, name in zip(checked, stored, strict=True):
                PortalAttachment.objects.create(
                    request=request,
                    original_name=item.name,
                    stored_name=name,
                    content_type=item.content_type,
                    size=len(item.content),
                    sha256=item.sha256,
                )
            events.record(
                link,
                EventKind.DISPUTE_REQUEST,
                ip,
                request=request.pk,
                reason=reason,
                invoices=[i.number for i in invoices],
                attachments=len(checked),
            )
    except BaseException:
        uploads.discard(stored)
        raise
    return request


def record_plan_request(
    link: PortalLink,
    *,
    invoices: list[Invoice],
    instalments: int,
    first_date: date,
    today: date,
    message: str = "",
    ip: str = "",
) -> PortalRequest:
    """Turn the debtor's payment-plan request into a plan, active within the creditor's
    self-service margin, else awaiting approval (see the module docstring); the request,
    its payload holding the plan's id (`plan`) and the outcome (`outcome`)."""
    if not PLAN_MIN_INSTALMENTS <= instalments <= PLAN_MAX_INSTALMENTS:
        raise BadInput(
            _("instalments: between %(min)s and %(max)s.")
            % {"min": PLAN_MIN_INSTALMENTS, "max": PLAN_MAX_INSTALMENTS}
        )
    if first_date < today:
        raise BadInput(_("first_date: the first instalment cannot be in the past."))
    if first_date > today + timedelta(days=PLAN_FIRST_WITHIN_DAYS):
        raise BadInput(
            _("first_date: the first instalment is within %(n)s days from today.")
            % {"n": PLAN_FIRST_WITHIN_DAYS}
        )
    text = _message(message, required=False)
    busy = (
        PaymentPlan.invoices.through.objects.filter(
            invoice_id__in=[i.pk for i in invoices],
            paymentplan__status__in=(PlanStatus.ACTIVE, PlanStatus.NEEDS_APPROVAL),
        )
        .values_list("invoice__number", flat=True)
        .first()
    )
    if busy is not None:
        raise BadInput(
            _("invoices: %(number)s is already in a payment plan; contact us to change it.")
            % {"number": busy}
        )
    currency = invoices[0].currency
    total = sum(i.open_minor for i in invoices)
    if total < instalments:
        raise BadInput(_("instalments: more instalments than the amount allows."))
    rows = equal_instalments(total, instalments, first_date)
    with transaction.atomic():
        plan = propose_plan(
            link.customer,
            invoices=[i.pk for i in invoices],
            instalments=rows,
            agreed_on=today,
            channel=Source.PORTAL,
            currency=currency,
            note=text or "debtor portal",
            self_service=portal_margin_for(link.creditor_id),
        )
        outcome = PLAN_ACTIVE if plan.status == PlanStatus.ACTIVE else PLAN_NEEDS_APPROVAL
        request = PortalRequest.objects.create(
            creditor_id=link.creditor_id,
            customer_id=link.customer_id,
            link=link,
            kind=RequestKind.PLAN,
            payload={
                "invoices": _items(invoices),
                "total_minor": total,
                "currency": currency,
                "instalments": instalments,
                "first_date": first_date.isoformat(),
                "message": text,
                "plan": plan.pk,
                "outcome": outcome,
            },
            # accepted within the margin: nothing left for a person to do
            status=RequestStatus.HANDLED if outcome == PLAN_ACTIVE else RequestStatus.NEW,
            handled_at=timezone.now() if outcome == PLAN_ACTIVE else None,
        )
        events.record(
            link,
            EventKind.PLAN_REQUEST,
            ip,
            request=request.pk,
            plan=plan.pk,
            outcome=outcome,
            instalments=instalments,
            first_date=first_date.isoformat(),
            total_minor=total,
            currency=currency,
            invoices=[i.number for i in invoices],
        )
    return request
