"""Fixtures of the web tests: a small ledger with an admin, two collectors and a reader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.test import Client

from relance.accounts.models import Role
from relance.customers.models import Customer
from relance.ledger.models import Invoice
from relance.testing import Ledger

AS_OF = "2025-03-31"


@dataclass
class World:
    led: Ledger
    admin: AbstractUser
    alice: AbstractUser
    bob: AbstractUser
    reader: AbstractUser
    acme: Customer
    bolt: Customer
    inv_late: Invoice
    inv_paid: Invoice
    inv_bolt: Invoice


@pytest.fixture
def world(ledger: Ledger) -> World:
    admin = ledger.user("admin", Role.ADMIN)
    alice = ledger.user("alice", Role.COLLECTOR)
    bob = ledger.user("bob", Role.COLLECTOR)
    reader = ledger.user("reader", Role.READ_ONLY)
    acme = ledger.customer(
        "ACME Industries SAS",
        siren="552100554",
        segment="industry",
        assigned_collector=alice,
        websites="https://acme.example\nhttps://shop.acme.example",
        notes="Pays after reminder.",
    )
    ledger.contact(
        acme,
        "ap@acme.example",
        first_name="Jeanne",
        last_name="Martin",
        role="accounts_payable",
        is_primary_billing=True,
        opt_out_sms=True,
    )
    bolt = ledger.customer("Boulonnerie Bolt SARL", segment="retail", assigned_collector=bob)
    inv_late = ledger.invoice(acme, "F-2025-001", "12345.67", issued="2025-01-10", due="2025-02-09")
    inv_paid = ledger.invoice(acme, "F-2025-002", "500.00", issued="2025-01-15", due="2025-02-14")
    ledger.payment(acme, "500.00", on="2025-02-20", pays=[inv_paid], reference="VIR ACME 1")
    ledger.invoice(acme, "F-2025-003", "1000.00", issued="2025-03-20", due="2025-04-19")
    ledger.credit_note(acme, "100.00", on="2025-03-25", number="AV-2025-001")
    inv_bolt = ledger.invoice(bolt, "F-2025-010", "2400.00", issued="2024-11-01", due="2024-12-01")
    ledger.payment(bolt, "300.00", on="2025-03-01", reference="VIR BOLT")
    return World(ledger, admin, alice, bob, reader, acme, bolt, inv_late, inv_paid, inv_bolt)


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client
