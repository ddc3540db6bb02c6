"""Cases opened by a formal notice (route undecided) and the deadlines of every open case."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from relance.accounts.models import Role
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.dunning.models import Pause
from relance.legal.models import LegalCase
from relance.legal.notice import record_notice
from relance.legal.services import next_deadlines, open_case, open_for_notice, record_event
from relance.testing import Ledger
from relance.web.tests.conftest import login

pytestmark = pytest.mark.django_db

DAY = date(2025, 5, 15)


def debtor(ledger: Ledger, name: str, amount: str = "3000.00", **fields: Any) -> Customer:
    c = ledger.customer(name, postal_code="69002", city="Lyon", **fields)
    ledger.invoice(c, f"{name[:3]}-1", amount, issued="2025-01-01", due="2025-01-31")
    return c


# --------------------------------------------------------------------------- undecided cases


def test_a_notice_opens_an_undecided_case_without_pausing_dunning(ledger: Ledger) -> None:
    acme = debtor(ledger, "ACME SAS")
    case = open_for_notice(acme, DAY, "EUR")
    assert (case.route, case.claim_minor, case.court_kind, case.pause) == (
        "undecided",
        300000,
        "",
        None,
    )
    assert not Pause.objects.exists()
    assert open_for_notice(acme, DAY, "EUR") == case  # reused while open
    with pytest.raises(BadInput, match="is in EUR, not USD"):
        open_for_notice(acme, DAY, "USD")
    with pytest.raises(BadInput, match="nothing is overdue in EUR"):
        open_for_notice(ledger.customer("Clean"), DAY, "EUR")


def test_the_escalation_decision_gives_the_case_its_route_and_pauses(ledger: Ledger) -> None:
    acme = debtor(ledger, "ACME SAS")
    case = open_for_notice(acme, DAY, "EUR")
    record_notice(case, DAY, 15, "M. D")
    with pytest.raises(BadInput, match="choose one of payment_order"):
        open_case(acme, "undecided", date(2025, 6, 1))
    with pytest.raises(BadInput, match="before the case was opened by the formal notice"):
        open_case(acme, "lawyer", date(2025, 5, 1))
    decided = open_case(acme, "payment_order", date(2025, 6, 1), reference="RG 25/1")
    case.refresh_from_db()
    assert decided.pk == case.pk and LegalCase.objects.count() == 1
    assert (case.route, case.court_kind, case.reference) == (
        "payment_order",
        "tribunal_de_commerce",
        "RG 25/1",
    )
    assert case.opened_on == DAY and case.pause is not None
    assert Pause.objects.get(customer=acme).until is None
    assert list(case.events.values_list("stage", flat=True)) == ["notice_sent"]
    assert case.notices.count() == 1
    with pytest.raises(BadInput, match="already has an open legal case"):
        open_case(acme, "lawyer", date(2025, 6, 2))


def test_the_case_page_offers_the_decision(ledger: Ledger, client: Client) -> None:
    acme = debtor(ledger, "ACME SAS")
    case = open_for_notice(acme, DAY, "EUR")
    login(client, ledger.user("admin", Role.ADMIN))
    page = client.get(f"/legal/{case.pk}/").content.decode()
    assert 'id="legal-decide"' in page
    listing = client.get("/legal/").content.decode()
    assert 'value="undecided"' not in listing  # not a route a person opens a case with
    response = client.post(
        "/legal/open/", {"customer": acme.pk, "route": "agency", "opened_on": "2025-06-01"}
    )
    assert response["Location"] == f"/legal/{case.pk}/"
    case.refresh_from_db()
    assert case.route == "agency" and case.pause is not None
    assert 'id="legal-decide"' not in client.get(f"/legal/{case.pk}/").content.decode()


# --------------------------------------------------------------------------- next deadlines


@pytest.fixture
def cases(ledger: Ledger) -> dict[str, LegalCase]:
    noticed = open_for_notice(debtor(ledger, "Alpha SAS"), date(2025, 5, 2), "EUR")
    record_notice(noticed, date(2025, 5, 2), 8, "M. D")  # pay by 10/05
    granted = open_case(debtor(ledger, "Bravo SARL", "4500.00"), "payment_order", DAY)
    record_event(granted, "request_filed", date(2025, 5, 20))
    record_event(granted, "order_granted", date(2025, 6, 2))  # serve by 02/12
    filed = open_case(debtor(ledger, "Charlie SA", "1200.00"), "payment_order", DAY)
    record_event(filed, "request_filed", date(2025, 6, 1))  # ask the registry on 01/07
    handed = open_case(debtor(ledger, "Delta SAS"), "agency", DAY)
    record_event(handed, "handed_over", date(2025, 5, 16))  # nothing pending
    closed = open_case(debtor(ledger, "Echo SAS"), "payment_order", DAY)
    record_event(closed, "request_filed", date(2025, 5, 20))
    record_event(closed, "closed", date(2025, 5, 30))
    other = Ledger.create("Autre SAS", siren="443061841")
    foreign = open_case(
        other.customer("Foxtrot"), "payment_order", DAY, claim_minor=100000
    )  # another creditor's
    record_event(foreign, "request_filed", date(2025, 5, 20))
    return {"noticed": noticed, "granted": granted, "filed": filed, "handed": handed}


def test_next_deadlines_of_every_open_case_soonest_first(
    ledger: Ledger, cases: dict[str, LegalCase], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(3):
        found = next_deadlines(ledger.creditor, date(2025, 6, 15))
    assert [(d.case_id, d.what, d.due) for d in found] == [
        (cases["noticed"].pk, "notice_deadline", date(2025, 5, 10)),
        (cases["filed"].pk, "follow_up_request", date(2025, 7, 1)),
        (cases["granted"].pk, "serve_order", date(2025, 12, 2)),
    ]
    first = found[0]
    assert first.customer_name == "Alpha SAS" and first.route == "undecided"
    assert first.customer_id == cases["noticed"].customer_id
    assert str(first.at_stake.amount) == "3000.00" and first.at_stake.currency == "EUR"
    assert first.overdue(date(2025, 6, 15)) and not found[1].overdue(date(2025, 6, 15))
    assert "déposer la requête" in first.message("fr")
    assert str(found[2].claim.amount) == "4500.00"


def test_what_is_at_stake_follows_payments_and_the_date(
    ledger: Ledger, cases: dict[str, LegalCase]
) -> None:
    bravo = cases["granted"].customer
    ledger.payment(bravo, "1500.00", on="2025-06-10", pays=[bravo.invoices.get()])
    by_case = {d.case_id: d for d in next_deadlines(ledger.creditor, date(2025, 6, 15))}
    granted = by_case[cases["granted"].pk]
    assert str(granted.at_stake.amount) == "3000.00"  # still open after the payment
    assert str(granted.claim.amount) == "4500.00"  # claimed when the case was opened
    # on an earlier date, stages recorded later are not known yet
    earlier = {d.case_id: d for d in next_deadlines(ledger.creditor, date(2025, 5, 25))}
    assert earlier[cases["granted"].pk].what == "follow_up_request"
    assert cases["filed"].pk not in earlier  # nothing recorded yet on 25/05
    # before a case was opened, it is not listed
    assert next_deadlines(ledger.creditor, date(2025, 5, 1)) == []


def test_only_the_customers_given(
    ledger: Ledger, cases: dict[str, LegalCase], django_assert_max_num_queries: Any
) -> None:
    alpha = cases["noticed"].customer_id
    assert [d.customer_id for d in next_deadlines(ledger.creditor, DAY, [alpha])] == [alpha]
    visible = Customer.objects.filter(pk=cases["filed"].customer_id).values("pk")
    assert [d.case_id for d in next_deadlines(ledger.creditor, date(2025, 6, 15), visible)] == [
        cases["filed"].pk
    ]
    with django_assert_max_num_queries(1):
        assert next_deadlines(ledger.creditor, DAY, []) == []
