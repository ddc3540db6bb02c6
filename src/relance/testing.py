"""A small DSL for tests: a ledger in a few lines.

    led = Ledger.create()
    acme = led.customer("ACME SAS")
    inv = led.invoice(acme, "F-1", "1200.00", issued="2025-01-10", due="2025-02-09")
    led.payment(acme, "1200.00", on="2025-02-20", pays=[inv])

Everything goes through the real models and services (no mocks).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from relance.accounts.models import Membership, Role
from relance.creditors.models import Creditor
from relance.customers.models import Contact, Customer
from relance.domain.money import Money
from relance.ledger.models import CreditNote, Invoice, Payment
from relance.ledger.services import allocate

_seq = itertools.count(1)


def d(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def make_user(
    username: str,
    creditor: Creditor,
    role: str,
    password: str = "pw-relance-2025",  # noqa: S107 - test users only
) -> AbstractUser:
    user = get_user_model().objects.create_user(username=username, password=password)
    Membership.objects.create(user=user, creditor=creditor, role=role)
    return user


@dataclass
class Ledger:
    creditor: Creditor

    @classmethod
    def create(cls, name: str = "Atelier Durand SARL", **fields: object) -> Ledger:
        defaults: dict[str, object] = {
            "legal_name": name,
            "legal_form": "SARL",
            "siren": "732829320",
            "city": "Lyon",
            "postal_code": "69002",
            "address_line1": "12 rue de la République",
        }
        defaults.update(fields)
        return cls(Creditor.objects.create(**defaults))

    def user(self, username: str, role: str = Role.ADMIN) -> AbstractUser:
        return make_user(username, self.creditor, role)

    def customer(self, name: str | None = None, **fields: object) -> Customer:
        n = next(_seq)
        fields.setdefault("external_ref", f"C{n:05d}")
        return Customer.objects.create(
            creditor=self.creditor, legal_name=name or f"Client {n}", **fields
        )

    def contact(self, customer: Customer, email: str = "", **fields: object) -> Contact:
        return Contact.objects.create(customer=customer, email=email, **fields)

    def invoice(
        self,
        customer: Customer,
        number: str | None = None,
        amount: str = "1000.00",
        *,
        issued: str | date = "2025-01-01",
        due: str | date | None = None,
        currency: str = "EUR",
        **fields: object,
    ) -> Invoice:
        total = Money.of(amount, currency)
        issue = d(issued)
        return Invoice.objects.create(
            creditor=self.creditor,
            customer=customer,
            number=number or f"F-{next(_seq):06d}",
            issue_date=issue,
            due_date=d(due) if due else issue,
            currency=currency,
            total_incl_tax_minor=total.minor,
            total_excl_tax_minor=Money.round(total.amount / 12 * 10, currency).minor,
            **fields,
        )

    def payment(
        self,
        customer: Customer | None,
        amount: str,
        *,
        on: str | date = "2025-01-01",
        pays: list[Invoice] | None = None,
        currency: str = "EUR",
        **fields: object,
    ) -> Payment:
        payment = Payment.objects.create(
            creditor=self.creditor,
            customer=customer,
            date=d(on),
            currency=currency,
            amount_minor=Money.of(amount, currency).minor,
            **fields,
        )
        for invoice in pays or []:
            allocate(invoice, payment=payment)
        return payment

    def credit_note(
        self,
        customer: Customer,
        amount: str,
        *,
        on: str | date = "2025-01-01",
        applies_to: Invoice | None = None,
        number: str | None = None,
        currency: str = "EUR",
    ) -> CreditNote:
        note = CreditNote.objects.create(
            creditor=self.creditor,
            customer=customer,
            number=number or f"AV-{next(_seq):06d}",
            issue_date=d(on),
            currency=currency,
            total_incl_tax_minor=Money.of(amount, currency).minor,
            invoice=applies_to,
        )
        if applies_to is not None:
            allocate(applies_to, credit_note=note)
        return note


#: Real public files written by others (../shared/data beside the repository; absent in a
#: plain clone; RELANCE_SHARED_DATA names another place, e.g. from a worktree). Tests that
#: read them call `shared_data()`, which skips cleanly without them.
SHARED_DATA = Path(
    os.environ.get("RELANCE_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)


def shared_data(relative: str = "") -> Path:
    """The path of a file or folder of ../shared/data, or skip the test when it is absent."""
    import pytest

    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared test data is not beside this clone)")
    return path
