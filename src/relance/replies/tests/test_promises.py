"""A reply confirmed as a promise with a date records the promise, in the handling's
transaction: what it covers by default, the margins of the person who confirms, and each
refusal leaving nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from relance.accounts.models import Role
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.dunning.models import Pause
from relance.ledger.models import Invoice
from relance.negotiation.models import ApprovalRequest, Dispute, Promise, PromiseStatus
from relance.negotiation.promises import PROMISE_GRACE_DAYS, take_promise
from relance.replies.models import Reply, Status
from relance.replies.services import handle, ingest
from relance.replies.tests.helpers import SENT, email
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

ON = date(2025, 4, 2)  # the day the reply is handled
PROMISED = "2025-04-15"


def debts(ledger: Ledger, currency: str = "EUR") -> tuple[Customer, list[Invoice]]:
    """ACME owes F-1 and F-2 (overdue on ON) and F-3 (not due yet)."""
    customer = ledger.customer("ACME", currency=currency)
    ledger.contact(customer, "compta@acme.example", last_name="Martin", is_primary_billing=True)
    invoices = [
        ledger.invoice(customer, "F-1", "1000.00", due="2025-03-01", currency=currency),
        ledger.invoice(customer, "F-2", "234.56", due="2025-03-31", currency=currency),
        ledger.invoice(customer, "F-3", "500.00", due="2025-04-30", currency=currency),
    ]
    return customer, invoices


def reply(
    text: str = "Bonjour, nous réglerons le 15/04.", subject: str = "Re: Votre relance"
) -> Reply:
    return ingest(email(text=text, subject=subject), source="imap", received_at=SENT).reply


def test_a_promise_by_date_covers_what_is_overdue(ledger: Ledger) -> None:
    customer, (f1, f2, _f3) = debts(ledger)
    user = ledger.user("sophie", Role.CREDIT_MANAGER)
    done = handle(reply(), "promise", user, "said on the phone too", on=ON)
    promise = Promise.objects.get()
    assert done.status == Status.HANDLED
    assert done.fields == {"date": PROMISED, "promise": promise.pk}
    assert (promise.customer, promise.currency, promise.amount_minor) == (customer, "EUR", 123_456)
    assert set(promise.invoices.all()) == {f1, f2}  # not F-3, not due yet
    assert (promise.promised_on, promise.taken_on) == (date(2025, 4, 15), ON)
    assert (promise.channel, promise.taken_by, promise.status) == ("reply", user, "pending")
    assert promise.contact is not None and promise.contact.email == "compta@acme.example"
    assert promise.note == f"reply #{done.pk}: Re: Votre relance"
    until = date(2025, 4, 15) + timedelta(days=PROMISE_GRACE_DAYS)
    assert {(p.invoice_id, p.until) for p in Pause.objects.filter(invoice__isnull=False)} == {
        (f1.pk, until),
        (f2.pk, until),
    }
    assert not ApprovalRequest.objects.exists()  # within a credit manager's 120 days
    # the reply's own pause on the customer ends: reminders resume on what is not promised
    assert done.pause is not None and done.pause.until == ON - timedelta(days=1)


def test_the_invoices_the_reply_names_are_those_promised(ledger: Ledger) -> None:
    _customer, (f1, _f2, _f3) = debts(ledger)
    found = reply(subject="Re: Relance facture F-1")
    assert found.suggested_fields == {"date": PROMISED, "invoices": ["F-1"]}
    handle(found, "promise", None, on=ON)  # the fields suggested, confirmed as they are
    promise = Promise.objects.get()
    assert list(promise.invoices.all()) == [f1] and promise.amount_minor == 100_000


def test_the_invoices_named_are_those_promised(ledger: Ledger) -> None:
    _customer, (_f1, _f2, f3) = debts(ledger)
    handle(reply(), "promise", None, fields={"date": PROMISED, "invoices": "F-3"}, on=ON)
    promise = Promise.objects.get()
    assert list(promise.invoices.all()) == [f3] and promise.amount_minor == 50_000


@pytest.mark.parametrize(
    ("amount", "covered", "minor"),
    [
        ("1000", {"F-1", "F-2"}, 100_000),  # within what is overdue: the overdue invoices
        ("1500,00", {"F-1", "F-2", "F-3"}, 150_000),  # more: every open invoice
    ],
)
def test_an_amount_given(ledger: Ledger, amount: str, covered: set[str], minor: int) -> None:
    debts(ledger)
    handle(reply(), "promise", None, fields={"date": PROMISED, "amount": amount}, on=ON)
    promise = Promise.objects.get()
    assert {i.number for i in promise.invoices.all()} == covered
    assert promise.amount_minor == minor


def test_the_customer_currency_when_none_is_given(ledger: Ledger) -> None:
    debts(ledger, "CHF")
    done = handle(reply(), "promise", None, fields={"date": PROMISED, "amount": "100"}, on=ON)
    assert done.fields["currency"] == "CHF"
    assert Promise.objects.get().currency == "CHF"


def test_beyond_the_margin_it_waits_for_approval(ledger: Ledger) -> None:
    debts(ledger)
    collector = ledger.user("alice", Role.COLLECTOR)  # 30 days from F-1's due date (01/03)
    handle(reply(), "promise", collector, fields={"date": "2025-06-30"}, on=ON)
    promise = Promise.objects.get()
    assert promise.status == PromiseStatus.PENDING
    request = ApprovalRequest.objects.get()
    assert (request.promise, request.requested_by) == (promise, collector)
    # its pauses last only as far as the collector's margin allows until approved
    assert {p.until for p in promise.pauses.all()} == {ON}


def test_a_promise_without_a_date_is_only_a_classification(ledger: Ledger) -> None:
    debts(ledger)
    done = handle(reply("Nous allons payer bientôt."), "promise", None, fields={}, on=ON)
    assert done.status == Status.HANDLED and done.fields == {}
    assert not Promise.objects.exists()


def test_other_classifications_record_nothing(ledger: Ledger) -> None:
    debts(ledger)
    handle(reply(), "payment_made", None, fields={"date": "2025-03-30"}, on=ON)
    assert not Promise.objects.exists()
    other = ingest(email(message_id="<2@x>", text="Nous contestons."), source="imap").reply
    handle(other, "dispute", None, fields={"invoices": "F-1"}, on=ON)
    assert not Dispute.objects.exists()  # its reason is for a person to choose


def _pending(customer: Customer, invoice: Invoice) -> None:
    take_promise(
        customer,
        amount_minor=10_000,
        promised_on=ON + timedelta(days=3),
        taken_on=ON,
        invoices=[invoice.pk],
    )


@pytest.mark.parametrize(
    ("fields", "before", "message"),
    [
        ({"date": "2025-04-01"}, None, r"date: 2025-04-01 is before today \(2025-04-02\)"),
        ({"date": PROMISED, "invoices": "F-1 F-9"}, None, "invoices: F-9: not open invoices"),
        (
            {"date": PROMISED, "invoices": "F-1", "currency": "USD"},
            None,
            "invoices: F-1: not open invoices of this customer in USD",
        ),
        ({"date": PROMISED, "amount": "5000"}, None, "promise not recorded: amount: 5000.00 is"),
        (
            {"date": PROMISED, "amount": "12.345"},
            None,
            "amount: 12.345 has more decimals than EUR allows",
        ),
        (
            {"date": PROMISED, "amount": "12", "currency": "XYZ"},
            None,
            "currency: 'XYZ' is not an ISO 4217 currency",
        ),
        ({"date": PROMISED}, "paid", "amount: nothing of this customer is overdue in EUR"),
        ({"date": PROMISED}, "promised", "promise not recorded: invoices: F-2 already under"),
    ],
)
def test_a_refused_promise_refuses_the_handling(
    ledger: Ledger, fields: dict[str, Any], before: str | None, message: str
) -> None:
    customer, (f1, f2, _f3) = debts(ledger)
    if before == "paid":
        ledger.payment(customer, "1234.56", on="2025-04-01", pays=[f1, f2])
    found = reply()
    if before == "promised":
        _pending(customer, f2)
    promises, pauses = Promise.objects.count(), Pause.objects.count()
    with pytest.raises(BadInput, match=message):
        handle(found, "promise", ledger.user("boss", Role.ADMIN), fields=fields, on=ON)
    found.refresh_from_db()
    assert found.status == Status.TO_HANDLE and found.classification == ""
    assert found.pause is not None and found.pause.until is None
    assert (Promise.objects.count(), Pause.objects.count()) == (promises, pauses)
