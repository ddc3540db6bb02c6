from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.test import Client

from relance.customers.models import Customer
from relance.testing import Ledger

pytestmark = pytest.mark.django_db


def test_changes_leave_an_audit_event(ledger: Ledger) -> None:
    customer = ledger.customer("Avant SARL")
    customer.legal_name = "Après SARL"
    customer.save()
    entries = LogEntry.objects.get_for_object(customer)
    assert entries.count() == 2
    latest = entries.first()
    assert latest is not None
    assert latest.changes_dict["legal_name"] == ["Avant SARL", "Après SARL"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/creditors/creditor/",
        "/admin/customers/customer/",
        "/admin/customers/contact/",
        "/admin/ledger/invoice/",
        "/admin/ledger/payment/",
        "/admin/ledger/creditnote/",
        "/admin/ledger/allocation/",
        "/admin/accounts/membership/",
    ],
)
def test_admin_lists_render(ledger: Ledger, url: str) -> None:
    acme = ledger.customer("ACME")
    inv = ledger.invoice(acme, "F-1")
    ledger.payment(acme, "10.00", pays=[inv])
    admin = get_user_model().objects.create_superuser("root", password="pw-relance-2025")
    client = Client()
    client.force_login(admin)
    response = client.get(url)
    assert response.status_code == 200
    assert Customer.objects.count() == 1
