"""A reply confirmed as a promise to pay becomes a promise (relance.negotiation.promises).

    promise_from_reply(reply, fields, user, on) -> Promise | None

Called by `services.handle`, in its transaction: a promise refused makes the handling fail
and nothing is written. No promise without a date (the classification alone is stored).

What the promise covers, from the confirmed fields:

- **invoices**: the invoice numbers named (each must be an open invoice of the customer in
  the currency); else the customer's invoices overdue on `on` in the currency — or, when an
  amount is given that is more than they owe, every open invoice in the currency;
- **amount**: the amount given; else the open total of those invoices;
- **currency**: the one given; else the customer's.

It is taken on `on` by `user`, whose negotiation margins apply (beyond them, it waits for a
credit manager's approval, as `take_promise` decides), from the channel "reply to a
reminder", with the contact whose email sent the reply when there is one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from relance.core.errors import BadInput
from relance.customers.models import Contact, Customer
from relance.domain.money import CurrencyError, Money, MoneyError
from relance.ledger.models import Invoice, InvoiceStatus
from relance.negotiation.models import Promise, Source
from relance.negotiation.promises import take_promise
from relance.replies.models import Reply


def _open(customer: Customer, currency: str) -> Any:
    return Invoice.objects.filter(
        customer=customer, currency=currency, status=InvoiceStatus.ISSUED, open_minor__gt=0
    )


def _named(customer: Customer, currency: str, numbers: list[str]) -> list[Invoice]:
    found = {i.number: i for i in _open(customer, currency).filter(number__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise BadInput(
            _("invoices: %(numbers)s: not open invoices of this customer in %(currency)s")
            % {"numbers": ", ".join(missing), "currency": currency}
        )
    return list(found.values())


def _minor(amount: str, currency: str) -> int:
    try:
        return Money.of(Decimal(amount), currency).minor
    except CurrencyError as exc:
        raise BadInput(_("currency: %(why)s") % {"why": exc}) from exc
    except MoneyError as exc:
        raise BadInput(
            _("amount: %(amount)s has more decimals than %(currency)s allows")
            % {"amount": amount, "currency": currency}
        ) from exc


def _contact(reply: Reply, customer: Customer) -> Contact | None:
    if not reply.from_address:
        return None
    return customer.contacts.filter(email__iexact=reply.from_address).order_by("pk").first()


def promise_from_reply(reply: Reply, fields: dict[str, Any], user: Any, on: date) -> Promise | None:
    """The promise the confirmed fields describe, recorded; None without a date."""
    if "date" not in fields:
        return None
    customer = reply.customer
    assert customer is not None
    promised_on = date.fromisoformat(fields["date"])
    if promised_on < on:
        raise BadInput(
            _("date: %(date)s is before today (%(today)s): a promise is for a day to come")
            % {"date": promised_on.isoformat(), "today": on.isoformat()}
        )
    currency = str(fields.get("currency") or customer.currency)
    numbers = [str(n) for n in fields.get("invoices") or []]
    if numbers:
        covered: list[Invoice] | None = _named(customer, currency, numbers)
    else:
        covered = list(_open(customer, currency).filter(due_date__lt=on))
    owed = sum(i.open_minor for i in covered or [])
    if "amount" in fields:
        amount = _minor(str(fields["amount"]), currency)
        if not numbers and amount > owed:
            covered = None  # more than is overdue: every open invoice in the currency
    elif covered:
        amount = owed
    else:
        raise BadInput(
            _(
                "amount: nothing of this customer is overdue in %(currency)s: give the amount "
                "promised, or the invoices"
            )
            % {"currency": currency}
        )
    note = _("reply #%(id)s: %(subject)s") % {
        "id": reply.pk,
        "subject": reply.subject or _("(no subject)"),
    }
    try:
        return take_promise(
            customer,
            amount_minor=amount,
            promised_on=promised_on,
            taken_on=on,
            channel=Source.REPLY,
            user=user if getattr(user, "is_authenticated", False) else None,
            invoices=[i.pk for i in covered] if covered is not None else None,
            contact=_contact(reply, customer),
            currency=currency,
            note=note,
        )
    except BadInput as exc:
        raise BadInput(_("promise not recorded: %(why)s") % {"why": exc}) from exc
