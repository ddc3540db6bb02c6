"""What the debtor does in the portal, and what staff do with it.

Debtor (each records a portal event on the customer's file):
    promise(link, invoices, amount_minor, promised_on, today, ip) -> Promise
    announce_payment(link, invoices, amount_minor, paid_on, method, reference, today, ip)
    propose_contact(link, contact_id, fields, ip) -> ContactProposal
Staff:
    review_proposal(proposal, accept, user) -> ContactProposal
    mark_handled(request, user) -> PortalRequest

A promise goes through `relance.negotiation.promises.take_promise` (channel "portal"),
which pauses automatic reminders on its invoices. Within the portal it is limited:
- it names open invoices of the customer (one currency) and no pending promise covers any;
- the date is between today and PROMISE_MAX_DAYS days from today;
- the amount is at least PROMISE_MIN_PERCENT % of the open balance of those invoices and
  at most all of it.
Anything beyond (a later date, a smaller amount, instalments) is a payment-plan request
(relance.portal.requests: a plan, active within the creditor's self-service margin).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.core.errors import BadInput
from relance.customers.models import Contact
from relance.domain.identifiers import IdentifierError, clean_email, clean_phone
from relance.domain.money import Money
from relance.ledger.models import Invoice
from relance.negotiation.models import Promise, PromiseStatus, Source
from relance.negotiation.promises import take_promise
from relance.portal import events
from relance.portal.models import (
    ContactProposal,
    EventKind,
    PortalLink,
    PortalRequest,
    ProposalStatus,
    RequestStatus,
)

PROMISE_MAX_DAYS = 30
PROMISE_MIN_PERCENT = 50
#: how far back a payment may be announced
ANNOUNCE_MAX_DAYS_BACK = 60
ANNOUNCE_METHODS = ("transfer", "cheque", "card", "other")


def _lang() -> str:
    from django.utils import translation

    return (translation.get_language() or "en")[:2]


def promise(
    link: PortalLink,
    invoices: list[Invoice],
    amount_minor: int,
    promised_on: date,
    today: date,
    ip: str = "",
) -> Promise:
    currency = invoices[0].currency
    total = sum(i.open_minor for i in invoices)
    if promised_on < today:
        raise BadInput(_("date: the date cannot be in the past."))
    if promised_on > today + timedelta(days=PROMISE_MAX_DAYS):
        raise BadInput(
            _("date: at most %(n)s days from today; for a later date, ask for a payment plan.")
            % {"n": PROMISE_MAX_DAYS}
        )
    least = -(-total * PROMISE_MIN_PERCENT // 100)
    if amount_minor > total:
        raise BadInput(
            _("amount: more than the open balance of the invoices chosen (%(total)s).")
            % {"total": Money.from_minor(total, currency)}
        )
    if amount_minor < least:
        raise BadInput(
            _(
                "amount: at least %(least)s (%(percent)s %% of the invoices chosen); for less, "
                "ask for a payment plan."
            )
            % {"least": Money.from_minor(least, currency), "percent": PROMISE_MIN_PERCENT}
        )
    ids = [i.pk for i in invoices]
    pending = Promise.objects.filter(
        customer_id=link.customer_id, status=PromiseStatus.PENDING, invoices__in=ids
    ).exists()
    if pending:
        raise BadInput(
            _("invoices: a promise is already pending for one of them; contact us to change it.")
        )
    with transaction.atomic():
        taken = take_promise(
            link.customer,
            amount_minor=amount_minor,
            promised_on=promised_on,
            taken_on=today,
            channel=Source.PORTAL,
            invoices=ids,
            currency=currency,
            note="debtor portal",
        )
        events.record(
            link,
            EventKind.PROMISE,
            ip,
            promise=taken.pk,
            amount_minor=amount_minor,
            currency=currency,
            promised_on=promised_on.isoformat(),
            invoices=[i.number for i in invoices],
        )
    return taken


def announce_payment(
    link: PortalLink,
    invoices: list[Invoice],
    amount_minor: int,
    paid_on: date,
    method: str,
    reference: str,
    today: date,
    ip: str = "",
) -> None:
    """The debtor says they paid: shown to the collector (the bank statement will confirm)."""
    if amount_minor <= 0:
        raise BadInput(_("amount: an amount greater than zero."))
    if paid_on > today:
        raise BadInput(_("date: the payment date cannot be in the future."))
    if paid_on < today - timedelta(days=ANNOUNCE_MAX_DAYS_BACK):
        raise BadInput(_("date: at most %(n)s days ago.") % {"n": ANNOUNCE_MAX_DAYS_BACK})
    if method not in ANNOUNCE_METHODS:
        raise BadInput(_("method: choose one of the ways of paying listed."))
    events.record(
        link,
        EventKind.PAYMENT_ANNOUNCED,
        ip,
        amount_minor=amount_minor,
        currency=invoices[0].currency,
        paid_on=paid_on.isoformat(),
        method=method,
        reference=reference.strip()[:140],
        invoices=[i.number for i in invoices],
    )


CONTACT_FIELDS = ("first_name", "last_name", "job_title", "email", "phone", "mobile", "note")


def _issue(exc: IdentifierError) -> BadInput:
    return BadInput(f"{exc.issue.field}: {exc.issue.message(_lang())}")


def propose_contact(
    link: PortalLink, contact_id: int | None, fields: dict[str, str], ip: str = ""
) -> ContactProposal:
    """Store the details proposed for one of the customer's contacts (or a new one)."""
    contact: Contact | None = None
    if contact_id is not None:
        contact = link.customer.contacts.filter(pk=contact_id).first()
        if contact is None:
            raise BadInput(_("contact: not one of your contacts."))
    values = {k: str(fields.get(k, "")).strip() for k in CONTACT_FIELDS}
    limits = {"first_name": 100, "last_name": 100, "job_title": 100, "note": 2000}
    for key, most in limits.items():
        if len(values[key]) > most:
            raise BadInput(f"{key}: " + _("%(n)s characters at most.") % {"n": most})
    try:
        if values["email"]:
            values["email"] = clean_email(values["email"])
        for key in ("phone", "mobile"):
            if values[key]:
                values[key] = clean_phone(values[key], field=key)
    except IdentifierError as exc:
        raise _issue(exc) from None
    if not any(values[k] for k in ("first_name", "last_name", "email", "phone", "mobile")):
        raise BadInput(_("email: give at least a name, an email address or a phone number."))
    with transaction.atomic():
        proposal = ContactProposal.objects.create(
            creditor_id=link.creditor_id,
            customer_id=link.customer_id,
            link=link,
            contact=contact,
            **values,
        )
        events.record(
            link,
            EventKind.CONTACT_PROPOSAL,
            ip,
            proposal=proposal.pk,
            contact=contact.pk if contact is not None else None,
        )
    return proposal


def review_proposal(proposal: ContactProposal, accept: bool, user: Any) -> ContactProposal:
    """Accept (apply to the register: the contact changed, or a new one) or reject."""
    with transaction.atomic():
        locked = ContactProposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != ProposalStatus.PENDING:
            raise BadInput(_("This proposal was already reviewed."))
        now = timezone.now()
        if accept:
            target = locked.contact
            if target is None:
                target = Contact(customer_id=locked.customer_id)
            for key in ("first_name", "last_name", "job_title", "email", "phone", "mobile"):
                value = getattr(locked, key)
                if value:
                    setattr(target, key, value)
            if locked.email and target.email_undeliverable_since is not None:
                target.email_undeliverable_since = None
                target.email_undeliverable_reason = ""
            target.last_verified_on = timezone.localdate()
            target.save()
            locked.applied_to = target
            locked.status = ProposalStatus.ACCEPTED
        else:
            locked.status = ProposalStatus.REJECTED
        locked.reviewed_at = now
        locked.reviewed_by = user if getattr(user, "is_authenticated", False) else None
        locked.save()
    return locked


def mark_handled(request: PortalRequest, user: Any) -> PortalRequest:
    request.status = RequestStatus.HANDLED
    request.handled_at = timezone.now()
    request.handled_by = user if getattr(user, "is_authenticated", False) else None
    request.save(update_fields=["status", "handled_at", "handled_by"])
    return request
