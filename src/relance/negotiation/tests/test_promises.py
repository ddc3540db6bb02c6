"""Taking a promise to pay: validation and the pauses it holds."""

from __future__ import annotations

from datetime import date

import pytest

from relance.core.errors import BadInput
from relance.dunning.models import Pause
from relance.negotiation.models import PromiseStatus
from relance.negotiation.promises import PROMISE_GRACE_DAYS, end_pauses, take_promise
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def test_a_promise_pauses_its_invoices_until_its_date_plus_grace(ledger: Ledger) -> None:
    customer = ledger.customer("Dupont SARL")
    first = ledger.invoice(customer, "F-1", "1200.00", due="2026-02-01")
    ledger.invoice(customer, "F-2", "300.00", due="2026-02-10")
    promise = take_promise(
        customer,
        amount_minor=120000,
        promised_on=date(2026, 3, 10),
        taken_on=TODAY,
        invoices=[first.pk],
    )
    assert promise.status == PromiseStatus.PENDING
    (pause,) = Pause.objects.filter(invoice=first)
    assert pause.until == date(2026, 3, 10 + PROMISE_GRACE_DAYS)
    assert not Pause.objects.exclude(invoice=first).exists()  # F-2 is still reminded
    end_pauses(promise, date(2026, 3, 5))
    pause.refresh_from_db()
    assert pause.until == date(2026, 3, 4)


def test_no_invoice_named_covers_every_open_invoice(ledger: Ledger) -> None:
    customer = ledger.customer("Martin")
    ledger.invoice(customer, "F-1", "100.00", due="2026-02-01")
    ledger.invoice(customer, "F-2", "100.00", due="2026-02-02")
    promise = take_promise(
        customer, amount_minor=20000, promised_on=date(2026, 3, 5), taken_on=TODAY
    )
    assert promise.invoices.count() == 2
    assert promise.pauses.count() == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount_minor": 0}, "amount"),
        ({"promised_on": date(2026, 3, 1)}, "promised_on"),
        ({"channel": "pigeon"}, "channel"),
        ({"invoices": [999999]}, "invoices"),
    ],
)
def test_bad_promises_are_refused_and_nothing_is_written(
    ledger: Ledger, kwargs: dict[str, object], message: str
) -> None:
    customer = ledger.customer("Durand")
    ledger.invoice(customer, "F-1", "100.00", due="2026-02-01")
    args: dict[str, object] = {
        "amount_minor": 10000,
        "promised_on": date(2026, 3, 9),
        "taken_on": TODAY,
    }
    args.update(kwargs)
    with pytest.raises(BadInput, match=message):
        take_promise(customer, **args)  # type: ignore[arg-type]
    assert not Pause.objects.exists()
