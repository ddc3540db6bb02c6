"""Legal cases: court, stages in order, deadlines; dunning pauses while a case is open."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.accounts.models import Role
from relance.api.tests.conftest import api_for
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.domain import legal_case as lc
from relance.dunning.models import Pause
from relance.legal.models import LegalCase
from relance.legal.services import open_case, record_event
from relance.testing import Ledger
from relance.web.tests.conftest import login


def test_competent_court() -> None:
    pro = lc.competent_court(True, "69002", "Lyon")
    assert (pro.kind, pro.place) == ("tribunal_de_commerce", "69002 Lyon")
    assert "tribunal de commerce" in pro.label("fr")
    assert lc.competent_court(False, "75011", "Paris").kind == "tribunal_judiciaire"


def test_small_claims_limit() -> None:
    assert lc.small_claims_allowed(Decimal("5000.00"))
    assert not lc.small_claims_allowed(Decimal("5000.01"))
    assert not lc.small_claims_allowed(Decimal("0"))


def test_add_months_keeps_the_day_or_takes_the_month_end() -> None:
    assert lc.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert lc.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert lc.add_months(date(2025, 8, 15), 6) == date(2026, 2, 15)
    assert lc.add_months(date(2025, 12, 10), 1) == date(2026, 1, 10)


def E(stage: str, on: str) -> lc.Event:
    return lc.Event(lc.Stage(stage), date.fromisoformat(on))


def test_stages_are_checked_in_order() -> None:
    opened = date(2025, 3, 1)
    lc.check_event([], E("notice_sent", "2025-03-01"), opened)
    with pytest.raises(lc.StageError, match="needs order_granted first"):
        lc.check_event([E("request_filed", "2025-03-10")], E("served", "2025-03-20"), opened)
    with pytest.raises(lc.StageError, match="is before"):
        lc.check_event([E("request_filed", "2025-03-10")], E("order_granted", "2025-03-05"), opened)
    with pytest.raises(lc.StageError, match="before the case was opened"):
        lc.check_event([], E("notice_sent", "2025-02-01"), opened)
    with pytest.raises(lc.StageError, match="closed"):
        lc.check_event([E("closed", "2025-04-01")], E("notice_sent", "2025-04-02"), opened)


@pytest.mark.parametrize(
    ("events", "what", "due"),
    [
        ([E("notice_sent", "2025-03-01")], "notice_deadline", date(2025, 3, 16)),
        ([E("request_filed", "2025-03-20")], "follow_up_request", date(2025, 4, 19)),
        (
            [E("request_filed", "2025-03-20"), E("order_granted", "2025-04-10")],
            "serve_order",
            date(2025, 10, 10),
        ),
        (
            [
                E("request_filed", "2025-03-20"),
                E("order_granted", "2025-04-10"),
                E("served", "2025-04-30"),
            ],
            "opposition_deadline",
            date(2025, 5, 30),
        ),
        ([E("small_claims_proposed", "2025-01-31")], "small_claims_answer", date(2025, 2, 28)),
    ],
)
def test_next_deadline(events: list[lc.Event], what: str, due: date) -> None:
    deadline = lc.next_deadline(events, notice_deadline=date(2025, 3, 16))
    assert deadline is not None
    assert (deadline.what, deadline.due) == (what, due)


def test_no_deadline_once_closed_or_without_events() -> None:
    assert lc.next_deadline([]) is None
    assert lc.next_deadline([E("notice_sent", "2025-03-01"), E("closed", "2025-03-02")]) is None


@pytest.fixture
def debtor(ledger: Ledger) -> Customer:
    acme = ledger.customer("ACME SAS", postal_code="69002", city="Lyon")
    ledger.invoice(acme, "F-1", "3000.00", issued="2025-01-01", due="2025-01-31")
    ledger.invoice(acme, "F-2", "1000.00", issued="2025-03-01", due="2025-04-30")  # not due
    return acme


@pytest.mark.django_db
def test_opening_a_case_claims_the_overdue_and_pauses_dunning(
    ledger: Ledger, debtor: Customer
) -> None:
    case = open_case(debtor, "payment_order", date(2025, 3, 15))
    assert case.claim_minor == 300000  # F-1 only: F-2 is not due yet
    assert (case.court_kind, case.court_place) == ("tribunal_de_commerce", "69002 Lyon")
    pause = Pause.objects.get(customer=debtor)
    assert pause.until is None and f"legal case #{case.pk}" in pause.reason
    with pytest.raises(BadInput, match="already has an open legal case"):
        open_case(debtor, "lawyer", date(2025, 3, 16))
    record_event(case, "request_filed", date(2025, 3, 20), cost_minor=3312)
    with pytest.raises(BadInput, match="needs order_granted"):
        record_event(case, "served", date(2025, 3, 21))
    with pytest.raises(BadInput, match="cost"):
        record_event(case, "order_granted", date(2025, 4, 1), cost_minor=-1)
    with pytest.raises(BadInput, match="only PDF, PNG or JPEG"):
        record_event(
            case, "order_granted", date(2025, 4, 1), document=b"MZ\x90", document_name="x.exe"
        )
    record_event(
        case, "order_granted", date(2025, 4, 1), document=b"%PDF-1.7 ...", document_name="o.pdf"
    )
    record_event(case, "closed", date(2025, 5, 2))
    pause.refresh_from_db()
    case.refresh_from_db()
    assert case.closed_on == date(2025, 5, 2) and pause.until == date(2025, 5, 2)


@pytest.mark.django_db
def test_small_claims_only_up_to_5000(ledger: Ledger, debtor: Customer) -> None:
    with pytest.raises(BadInput, match=r"up to 5000\.00 EUR"):
        open_case(debtor, "small_claims", date(2025, 3, 15), claim_minor=600000)
    case = open_case(debtor, "small_claims", date(2025, 3, 15))
    assert case.court_kind == ""
    with pytest.raises(BadInput, match="route"):
        open_case(ledger.customer("Other"), "court", date(2025, 3, 15))
    with pytest.raises(BadInput, match="nothing is overdue"):
        open_case(ledger.customer("Clean"), "lawyer", date(2025, 3, 15))


@pytest.mark.django_db
def test_api(ledger: Ledger, debtor: Customer) -> None:
    admin = api_for(ledger.user("admin", Role.ADMIN), ledger)
    created = admin.post(
        "/legal-cases",
        {"customer": debtor.pk, "route": "payment_order", "opened_on": "2025-03-15"},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["claim"] == "3000.00" and "69002 Lyon" in body["court"]
    pk = body["id"]
    step = admin.post(
        f"/legal-cases/{pk}/events", {"stage": "request_filed", "on": "2025-03-20", "cost": "33,12"}
    )
    assert step.status_code == 201
    assert step.json()["costs"] == "33.12"
    assert step.json()["next_deadline"]["what"] == "follow_up_request"
    bad = admin.post(f"/legal-cases/{pk}/events", {"stage": "served", "on": "2025-03-21"})
    assert bad.status_code == 422 and "order_granted" in bad.json()["message"]
    assert (
        admin.post(f"/legal-cases/{pk}/events", {"stage": "nope", "on": "2025-03-21"}).status_code
        == 422
    )
    assert [c["id"] for c in admin.get("/legal-cases").json()] == [pk]
    collector = api_for(ledger.user("alice", Role.COLLECTOR), ledger)
    assert collector.get(f"/legal-cases/{pk}").status_code == 404  # not her customer
    reader = api_for(ledger.user("reader", Role.READ_ONLY), ledger)
    assert (
        reader.post(
            f"/legal-cases/{pk}/events", {"stage": "closed", "on": "2025-04-01"}
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_pages(ledger: Ledger, debtor: Customer, client: Client) -> None:
    login(client, ledger.user("admin", Role.ADMIN))
    assert client.get("/legal/").status_code == 200
    response = client.post(
        "/legal/open/",
        {"customer": debtor.pk, "route": "payment_order", "opened_on": "2025-03-15"},
    )
    case = LegalCase.objects.get()
    assert response["Location"] == f"/legal/{case.pk}/"
    client.post(f"/legal/{case.pk}/events/", {"stage": "request_filed", "on": "2025-03-20"})
    pdf = SimpleUploadedFile("ordonnance.pdf", b"%PDF-1.7 order", content_type="application/pdf")
    client.post(
        f"/legal/{case.pk}/events/", {"stage": "order_granted", "on": "2025-04-01", "document": pdf}
    )
    page = client.get(f"/legal/{case.pk}/").content.decode()
    assert 'id="legal-events"' in page and "ordonnance.pdf" in page
    assert "01/10/2025" in page  # serve within six months of 01/04/2025
    event = case.events.get(stage="order_granted")
    doc = client.get(f"/legal/{case.pk}/events/{event.pk}/document/")
    assert doc.content == b"%PDF-1.7 order"
    exe = SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/pdf")
    client.post(
        f"/legal/{case.pk}/events/", {"stage": "served", "on": "2025-04-05", "document": exe}
    )
    assert not case.events.filter(stage="served").exists()
    listing = client.get("/legal/").content.decode()
    assert 'id="legal-open"' in listing and "ACME SAS" in listing


@pytest.mark.django_db
def test_time_barred_invoices_are_not_claimed(ledger: Ledger) -> None:
    old = ledger.customer("Ancien Client SARL")
    # due 31/01/2019: the 5-year commercial limitation ended on 31/01/2024
    ledger.invoice(old, "F-2019-1", "800.00", issued="2019-01-01", due="2019-01-31")
    with pytest.raises(BadInput, match=r"invoice F-2019-1 refused: the claim is time-barred"):
        open_case(old, "payment_order", date(2025, 3, 15))
    ledger.invoice(old, "F-2025-1", "300.00", issued="2025-01-01", due="2025-01-31")
    case = open_case(old, "payment_order", date(2025, 3, 15))
    assert case.claim_minor == 30000  # only the invoice still in time
