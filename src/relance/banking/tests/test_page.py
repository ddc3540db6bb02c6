"""The /bank/ page: statements and lines with their status, in English and French."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

from relance.accounts.models import Role
from relance.banking.services import import_statements
from relance.banking.tests import fixtures
from relance.testing import Ledger
from relance.web.tests.conftest import login


def test_bank_page_lists_statements_and_lines(client: Client, ledger: Ledger) -> None:
    import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    login(client, ledger.user("admin", Role.ADMIN))
    html = client.get(reverse("bank")).content.decode()
    assert "STMT-2025-03-01" in html and "feb.xml" in html
    assert "FR7630006000011234567890189" in html
    assert "Client Deux" in html and "RF18539007547034 · Facture F-1 · E2E-F-1" in html
    assert "return (AM04)" in html and "to review" in html
    only_review = client.get(reverse("bank"), {"status": "to_review"}).content.decode()
    assert "Client Deux" not in only_review and "AM04" in only_review
    searched = client.get(reverse("bank"), {"q": "deux"}).content.decode()
    assert "Client Deux" in searched and "Client Un" not in searched


def test_bank_page_in_french(client: Client, ledger: Ledger) -> None:
    import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    login(client, ledger.user("admin", Role.ADMIN))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(reverse("bank")).content.decode()
    assert "Relevés" in html and "Contrepartie" in html
    assert "retour (AM04)" in html and "à examiner" in html and "nouvelle" in html


def test_bank_page_needs_a_role_that_sees_every_customer(client: Client, ledger: Ledger) -> None:
    login(client, ledger.user("alice", Role.COLLECTOR))
    assert client.get(reverse("bank")).status_code == 403
    client.logout()
    assert client.get(reverse("bank")).status_code == 302  # to the login page
    login(client, ledger.user("reader", Role.READ_ONLY))
    assert client.get(reverse("bank")).status_code == 200
