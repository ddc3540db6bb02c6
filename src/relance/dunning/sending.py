"""Planning the documents of relance.dunning.documents: account statements and invoices.

    plan_statement(customer, "EUR", day, user=…)   # on demand (the customer page, the API)
    plan_documents(creditor, day)                  # the daily tick: what the settings schedule

Each document is one `Action` (run-less, origin `manual` or `schedule`) that the worker sends
like any reminder: committed first, re-checked when claimed (paid, paused), the contact rules,
the same backends and archive. Idempotency keys make planning twice harmless:

- a statement on demand: `statement:<customer>:<currency>:<date>:demand` (one a day; asking
  again the same day returns the one already planned or sent);
- a scheduled statement: `statement:<customer>:<currency>:<date>:schedule`;
- an invoice: `invoice:<invoice id>` (an invoice is sent once, ever).

Settings (`SendingSettings`, off by default): `statement_day` plans statements on that day of
each month for every customer with open items; `send_invoices` sends each invoice by email on
its issue date (invoices issued in the last INVOICE_CATCH_UP_DAYS days and not sent yet, so that
a missed tick does not lose them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction

from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.customers.models import Contact, Customer
from relance.domain import dunning as dd
from relance.dunning.documents import build_statement
from relance.dunning.models import (
    COPY_KEY,
    INVOICE_KIND,
    STATEMENT_KIND,
    Action,
    ActionStatus,
    Origin,
    SendingSettings,
)
from relance.ledger.models import Invoice, InvoiceStatus

INVOICE_CATCH_UP_DAYS = 7
STATEMENT_CHANNELS = (dd.Channel.EMAIL, dd.Channel.LETTER)


@dataclass(frozen=True, slots=True)
class Planned:
    action: Action
    created: bool  # False: the same document was already planned (or sent) under its key


def settings_of(creditor: Creditor) -> SendingSettings:
    """The creditor's sending settings (defaults, unsaved, when it has none)."""
    found = SendingSettings.objects.filter(creditor=creditor).first()
    return found if found is not None else SendingSettings(creditor=creditor)


def _document_action(
    *,
    customer: Customer,
    currency: str,
    as_of: date,
    kind: str,
    channel: str,
    key: str,
    origin: str,
    listed: list[list[object]],
    total_minor: int,
    overdue_minor: int,
    user: object | None,
) -> Planned:
    found = Action.objects.filter(idempotency_key=key).first()
    if found is not None:
        return Planned(found, False)
    try:
        with transaction.atomic():
            action = Action.objects.create(
                creditor_id=customer.creditor_id,
                customer=customer,
                currency=currency,
                as_of=as_of,
                step_key=kind,
                step_offset=0,
                channel=channel,
                tone=dd.Tone.COURTEOUS,
                kind=kind,
                status=ActionStatus.PLANNED,
                origin=origin,
                total_minor=total_minor,
                overdue_total_minor=overdue_minor,
                idempotency_key=key,
                listed=listed,
                created_by=user if getattr(user, "is_authenticated", False) else None,  # type: ignore[misc]
            )
    except IntegrityError:
        # Planned at the same moment by someone else: that one stands.
        return Planned(Action.objects.get(idempotency_key=key), False)
    return Planned(action, True)


def plan_statement(
    customer: Customer,
    currency: str,
    as_of: date,
    *,
    channel: str = dd.Channel.EMAIL,
    origin: str = Origin.MANUAL,
    user: object | None = None,
) -> Planned:
    """Plan the account statement of `customer` in `currency` (BadInput if nothing is open)."""
    if channel not in STATEMENT_CHANNELS:
        raise BadInput(
            f"channel: a statement goes by email or letter, not '{channel}'",
        )
    statement = build_statement(customer, currency, as_of)
    if not statement.items:
        raise BadInput(f"customer {customer.pk} has no open invoice in {currency}")
    suffix = "schedule" if origin == Origin.SCHEDULE else "demand"
    return _document_action(
        customer=customer,
        currency=currency,
        as_of=as_of,
        kind=STATEMENT_KIND,
        channel=channel,
        key=f"statement:{customer.pk}:{currency}:{as_of.isoformat()}:{suffix}",
        origin=origin,
        listed=[[i.invoice_id, "", i.open_minor] for i in statement.items],
        total_minor=statement.open_total_minor,
        overdue_minor=statement.overdue_total_minor,
        user=user,
    )


def plan_invoice(invoice: Invoice, as_of: date, *, origin: str = Origin.SCHEDULE) -> Planned:
    """Plan the email that sends `invoice` with its payment terms (once per invoice)."""
    open_minor = invoice.total_incl_tax_minor - invoice.allocated_minor
    return _document_action(
        customer=invoice.customer,
        currency=invoice.currency,
        as_of=as_of,
        kind=INVOICE_KIND,
        channel=dd.Channel.EMAIL,
        key=f"invoice:{invoice.pk}",
        origin=origin,
        listed=[[invoice.pk, "", open_minor]],
        total_minor=open_minor,
        overdue_minor=0,
        user=None,
    )


def plan_invoice_copy(
    invoice: Invoice,
    as_of: date,
    *,
    reference: str,
    contact: Contact | None = None,
    user: object | None = None,
) -> Planned:
    """Plan an email sending a copy of `invoice` that the customer asked for (a call, a
    reply); `reference` makes it unique (`invoice-copy:<invoice id>:<reference>`), so asking
    twice under the same reference plans one copy. Sent by the worker like any document and
    archived; unlike a reminder it goes out even while the invoice is paused (a dispute).
    `contact`: the person who asked, when they have an email address."""
    if invoice.status != InvoiceStatus.ISSUED or invoice.open_minor <= 0:
        raise BadInput(f"invoices: {invoice.number} is not open: no copy is sent")
    open_minor = invoice.total_incl_tax_minor - invoice.allocated_minor
    planned = _document_action(
        customer=invoice.customer,
        currency=invoice.currency,
        as_of=as_of,
        kind=INVOICE_KIND,
        channel=dd.Channel.EMAIL,
        key=f"{COPY_KEY}{invoice.pk}:{reference}"[:120],
        origin=Origin.MANUAL,
        listed=[[invoice.pk, "", open_minor]],
        total_minor=open_minor,
        overdue_minor=open_minor if invoice.due_date < as_of else 0,
        user=user,
    )
    if planned.created and contact is not None and contact.email:
        Action.objects.filter(pk=planned.action.pk).update(contact=contact)
        planned.action.contact = contact
    return planned


def plan_documents(creditor: Creditor, as_of: date) -> dict[str, int]:
    """What the creditor's settings schedule for `as_of`; counts of actions created."""
    settings = settings_of(creditor)
    counts = {"statements": 0, "invoices": 0}
    if settings.statement_day is not None and as_of.day == settings.statement_day:
        pairs = (
            Invoice.objects.filter(
                creditor=creditor,
                status=InvoiceStatus.ISSUED,
                open_minor__gt=0,
                issue_date__lte=as_of,
            )
            .order_by("customer_id", "currency")
            .values_list("customer_id", "currency")
            .distinct()
        )
        planned = set(
            Action.objects.filter(
                creditor=creditor, kind=STATEMENT_KIND, as_of=as_of, origin=Origin.SCHEDULE
            ).values_list("customer_id", "currency")
        )
        todo = [pair for pair in pairs if pair not in planned]
        customers = Customer.objects.in_bulk({c for c, _cur in todo})
        for customer_id, currency in todo:
            made = plan_statement(
                customers[customer_id],
                currency,
                as_of,
                channel=settings.statement_channel,
                origin=Origin.SCHEDULE,
            )
            counts["statements"] += made.created
    if settings.send_invoices:
        recent = Invoice.objects.filter(
            creditor=creditor,
            status=InvoiceStatus.ISSUED,
            open_minor__gt=0,
            issue_date__gt=as_of - timedelta(days=INVOICE_CATCH_UP_DAYS),
            issue_date__lte=as_of,
        ).select_related("customer")
        sent = set(
            Action.objects.filter(
                creditor=creditor, kind=INVOICE_KIND, idempotency_key__startswith="invoice:"
            ).values_list("idempotency_key", flat=True)
        )
        for invoice in recent.order_by("issue_date", "id"):
            if f"invoice:{invoice.pk}" not in sent:
                counts["invoices"] += plan_invoice(invoice, as_of).created
    return counts
