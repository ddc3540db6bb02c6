"""The replies API: scoped by role, errors in the documented shape, handling resumes dunning."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from relance.api.tests.conftest import Team
from relance.negotiation.models import Promise
from relance.replies.models import Reply, Status
from relance.replies.services import ingest
from relance.replies.tests.helpers import email

pytestmark = pytest.mark.django_db

ARRIVED = datetime(2025, 3, 31, 10, 0, tzinfo=UTC)


def setup(team: Team) -> tuple[Reply, Reply]:
    led = team.led
    acme = led.customer("ACME", assigned_collector=team.users["alice"])
    led.contact(acme, "compta@acme.example")
    led.invoice(acme, "F-1", "100.00", issued="2025-03-01", due="2025-03-31")
    mine = ingest(
        email(attachments=[("avis.pdf", "application/pdf", b"%PDF-1.4 avis")]),
        source="imap",
        received_at=ARRIVED,
    ).reply
    lost = ingest(
        email(sender="x@unknown.example", message_id="<lost@x>", subject="Hi", text="Bonjour"),
        source="imap",
        received_at=ARRIVED,
    ).reply
    return mine, lost


def test_list_and_get_by_role(team: Team) -> None:
    mine, lost = setup(team)
    admin = team.admin.get("/replies").json()
    assert admin["count"] == 2
    assert [r["id"] for r in team.alice.get("/replies").json()["items"]] == [mine.pk]
    assert team.bob.get("/replies").json()["count"] == 0
    assert team.bob.get(f"/replies/{mine.pk}").status_code == 404
    assert team.alice.get(f"/replies/{lost.pk}").status_code == 404
    unmatched = team.admin.get("/replies", status="unmatched").json()["items"]
    assert [r["id"] for r in unmatched] == [lost.pk]
    one = team.alice.get(f"/replies/{mine.pk}").json()
    assert one["status"] == "to_handle"
    assert one["suggested"] == "promise"
    assert one["suggested_fields"]["date"] == "2025-04-15"
    assert one["rules"][0]["rule"] == "promise_future_fr"
    assert one["text"] == "Bonjour, nous réglerons la facture le 15/04."
    assert one["attachments"][0]["name"] == "avis.pdf"


def test_download_an_attachment(team: Team) -> None:
    mine, _lost = setup(team)
    attachment = mine.attachments.get()
    answer = team.alice.get(f"/replies/{mine.pk}/attachments/{attachment.pk}")
    assert answer.status_code == 200
    assert answer["Content-Disposition"] == 'attachment; filename="avis.pdf"'
    assert answer.content == b"%PDF-1.4 avis"
    missing = team.alice.get(f"/replies/{mine.pk}/attachments/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_handle_through_the_api(team: Team) -> None:
    mine, _lost = setup(team)
    answer = team.alice.post(
        f"/replies/{mine.pk}/handle",
        {
            "classification": "promise",
            "note": "ok",
            "fields": {"date": "2025-04-20", "amount": "50.00"},
            "on": "2025-04-02",
        },
    )
    assert answer.status_code == 200, answer.content
    promise = Promise.objects.get()  # the promise is recorded, taken by alice on that day
    assert (promise.amount_minor, promise.taken_on, promise.taken_by) == (
        5_000,
        date(2025, 4, 2),
        team.users["alice"],
    )
    body = answer.json()
    assert body["status"] == "handled"
    assert body["classification"] == "promise"
    assert body["fields"] == {
        "date": "2025-04-20",
        "amount": "50.00",
        "currency": "EUR",
        "invoices": [],
        "promise": promise.pk,
    }
    mine.refresh_from_db()
    assert mine.pause is not None and mine.pause.until is not None
    again = team.alice.post(f"/replies/{mine.pk}/handle", {"classification": "other"})
    assert again.status_code == 422
    assert again.json()["message"] == "this reply is already handled"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"classification": "maybe"}, "classification"),
        ({"classification": "promise", "fields": {"date": "15/04"}}, "fields.date"),
        ({"classification": "promise", "fields": {"currency": "EURO"}}, "fields.currency"),
        ({}, "classification"),
    ],
)
def test_bad_handle_bodies(team: Team, body: dict[str, object], field: str) -> None:
    mine, _lost = setup(team)
    answer = team.alice.post(f"/replies/{mine.pk}/handle", body)
    assert answer.status_code == 422
    assert field in [e["field"] for e in answer.json()["errors"]]
    mine.refresh_from_db()
    assert mine.status == Status.TO_HANDLE


def test_a_bad_amount_is_refused(team: Team) -> None:
    mine, _lost = setup(team)
    answer = team.alice.post(
        f"/replies/{mine.pk}/handle", {"classification": "promise", "fields": {"amount": "lots"}}
    )
    assert answer.status_code == 422
    assert answer.json()["message"] == "amount: “lots” is not an amount"


def test_assign_and_ignore(team: Team) -> None:
    mine, lost = setup(team)
    customer = mine.customer
    assert customer is not None
    assert (
        team.alice.post(f"/replies/{lost.pk}/assign", {"customer": customer.pk}).status_code == 403
    )
    assert (
        team.reader.post(f"/replies/{lost.pk}/assign", {"customer": customer.pk}).status_code == 403
    )
    assert team.admin.post(f"/replies/{lost.pk}/assign", {"customer": 999999}).status_code == 404
    answer = team.admin.post(f"/replies/{lost.pk}/assign", {"customer": customer.pk})
    assert answer.status_code == 200
    assert (answer.json()["customer"], answer.json()["status"]) == (customer.pk, "to_handle")
    assert team.reader.post(f"/replies/{lost.pk}/ignore", {"note": "x"}).status_code == 403
    ignored = team.admin.post(f"/replies/{lost.pk}/ignore", {"note": "spam"})
    assert ignored.json()["status"] == "ignored"


def test_a_refused_promise_is_said_and_nothing_is_written(team: Team) -> None:
    mine, _lost = setup(team)
    answer = team.alice.post(
        f"/replies/{mine.pk}/handle",
        {"classification": "promise", "fields": {"date": "2025-04-01"}, "on": "2025-04-02"},
    )
    assert answer.status_code == 422
    assert answer.json()["message"].startswith("date: 2025-04-01 is before today (2025-04-02)")
    mine.refresh_from_db()
    assert mine.status == Status.TO_HANDLE and not Promise.objects.exists()
