"""The replies pages: who sees what, the menu count, handling, assigning, downloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from relance.dunning.models import Pause
from relance.negotiation.models import Promise
from relance.replies.models import Reply, Status
from relance.replies.services import ingest
from relance.replies.tests.helpers import email
from relance.web.tests.conftest import World, login

pytestmark = pytest.mark.django_db

ARRIVED = datetime(2025, 3, 31, 10, 0, tzinfo=UTC)


def replies(world: World) -> tuple[Reply, Reply, Reply]:
    """One reply of ACME (alice's), one of Bolt (bob's), one unmatched."""
    world.led.contact(world.bolt, "ap@bolt.example")
    mine = ingest(
        email(
            sender="ap@acme.example",
            text="<b>Nous réglerons</b> le 15/04.",
            attachments=[
                ("avis.pdf", "application/pdf", b"%PDF-1.4 avis"),
                ("x.exe", "application/octet-stream", b"MZ"),
            ],
        ),
        source="imap",
        received_at=ARRIVED,
    ).reply
    theirs = ingest(
        email(sender="ap@bolt.example", message_id="<bolt@x>", text="Nous contestons."),
        source="imap",
        received_at=ARRIVED,
    ).reply
    lost = ingest(
        email(sender="who@nowhere.example", message_id="<lost@x>", subject="Hello", text="?"),
        source="imap",
        received_at=ARRIVED,
    ).reply
    return mine, theirs, lost


def test_a_collector_sees_the_replies_of_their_customers_only(world: World) -> None:
    mine, theirs, lost = replies(world)
    client = login(Client(), world.alice)
    page = client.get("/replies/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/replies/{mine.pk}/" in text
    assert f"/replies/{theirs.pk}/" not in text
    assert "?status=unmatched" not in text
    assert 'id="nav-replies">Replies <span class="badge"' in text
    assert ">1</span>" in text  # one reply to handle in the menu
    assert client.get(f"/replies/{theirs.pk}/").status_code == 404
    assert client.get(f"/replies/{lost.pk}/").status_code == 404
    assert f"/replies/{lost.pk}/" not in client.get("/replies/?status=unmatched").content.decode()


def test_an_administrator_sees_every_reply_and_the_unmatched_queue(world: World) -> None:
    mine, _theirs, lost = replies(world)
    client = login(Client(), world.admin)
    text = client.get("/replies/?status=unmatched").content.decode()
    assert f"/replies/{lost.pk}/" in text and f"/replies/{mine.pk}/" not in text
    assert ">3</span>" in client.get("/replies/").content.decode()  # 2 to handle + 1 unmatched


def test_the_reply_page_shows_text_safely_and_its_attachments(world: World) -> None:
    mine, _theirs, _lost = replies(world)
    client = login(Client(), world.alice)
    text = client.get(f"/replies/{mine.pk}/").content.decode()
    assert "&lt;b&gt;Nous réglerons&lt;/b&gt; le 15/04." in text  # shown as text, never HTML
    assert "promise_future_fr" in text
    assert "x.exe" in text and "files of type .exe are not accepted" in text
    kept = mine.attachments.get(name="avis.pdf")
    download = client.get(f"/replies/{mine.pk}/attachments/{kept.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="avis.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download.content == b"%PDF-1.4 avis"
    refused = mine.attachments.get(name="x.exe")
    assert client.get(f"/replies/{mine.pk}/attachments/{refused.pk}/").status_code == 404
    raw = client.get(f"/replies/{mine.pk}/raw/")
    assert raw["Content-Disposition"] == f'attachment; filename="reply-{mine.pk}.eml"'
    with mine.raw.open("rb") as handle:
        assert raw.content == handle.read()


def test_handling_from_the_page_lifts_the_pause(world: World) -> None:
    mine, _theirs, _lost = replies(world)
    client = login(Client(), world.alice)
    answer = client.post(
        f"/replies/{mine.pk}/handle/", {"classification": "payment_made", "note": "ok"}
    )
    assert answer.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Status.HANDLED
    assert mine.handled_by == world.alice
    assert mine.pause is not None and mine.pause.until is not None
    assert ">1</span>" not in client.get("/replies/").content.decode()


def test_a_promise_confirmed_on_the_page_is_recorded(world: World) -> None:
    mine, _theirs, _lost = replies(world)
    today = timezone.localdate()  # the page handles replies today
    recent = world.led.invoice(world.acme, "F-RECENT", "100.00", due=today - timedelta(days=5))
    client = login(Client(), world.alice)
    page = client.get(f"/replies/{mine.pk}/").content.decode()
    assert 'id="reply-handle-help"' in page
    day = today + timedelta(days=10)
    answer = client.post(
        f"/replies/{mine.pk}/handle/",
        {"classification": "promise", "date": day.isoformat(), "invoices": "F-RECENT"},
        follow=True,
    )
    promise = Promise.objects.get()
    assert (promise.amount_minor, promise.promised_on, promise.taken_on) == (10_000, day, today)
    assert (promise.channel, promise.taken_by) == ("reply", world.alice)
    assert list(promise.invoices.all()) == [recent]
    assert not promise.approvals.exists()  # within the collector's margin
    text = answer.content.decode()
    assert "Reply handled" in text
    assert "Promise of €100.00 by" in text and "reminders on its invoices pause" in text
    mine.refresh_from_db()
    assert mine.status == Status.HANDLED
    assert mine.fields == {"date": day.isoformat(), "invoices": ["F-RECENT"], "promise": promise.pk}
    page = client.get(f"/replies/{mine.pk}/").content.decode()
    assert 'id="reply-promise"' in page
    assert f"/customers/{world.acme.pk}/#negotiation-promises" in page


def test_a_collector_beyond_the_margin_is_told_it_waits_for_approval(world: World) -> None:
    mine, _theirs, _lost = replies(world)
    client = login(Client(), world.alice)  # the invoice fell due long ago: beyond 30 days
    day = timezone.localdate() + timedelta(days=10)
    answer = client.post(
        f"/replies/{mine.pk}/handle/",
        {"classification": "promise", "date": day.isoformat()},
        follow=True,
    )
    assert "waits for a credit manager&#x27;s approval" in answer.content.decode()
    assert Promise.objects.get().approvals.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date": "2025-04-15"}, "date: 2025-04-15 is before today"),
        ({"date": "+10", "invoices": "F-404"}, "invoices: F-404: not open invoices"),
        ({"date": "+10", "amount": "99999"}, "promise not recorded: amount: 99999.00 is more"),
    ],
)
def test_a_refused_promise_is_said_on_the_page_and_nothing_is_written(
    world: World, fields: dict[str, str], message: str
) -> None:
    mine, _theirs, _lost = replies(world)
    if fields["date"] == "+10":
        fields = {**fields, "date": (timezone.localdate() + timedelta(days=10)).isoformat()}
    client = login(Client(), world.admin)
    answer = client.post(
        f"/replies/{mine.pk}/handle/", {"classification": "promise", **fields}, follow=True
    )
    assert message in answer.content.decode()
    assert answer.redirect_chain[-1][0] == f"/replies/{mine.pk}/"
    mine.refresh_from_db()
    assert mine.status == Status.TO_HANDLE and mine.classification == ""
    assert mine.pause is not None and mine.pause.until is None
    assert not Promise.objects.exists()


def test_a_promise_without_a_date_says_none_was_recorded(world: World) -> None:
    mine, _theirs, _lost = replies(world)
    client = login(Client(), world.admin)
    answer = client.post(
        f"/replies/{mine.pk}/handle/", {"classification": "promise", "date": ""}, follow=True
    )
    assert "No promise recorded: the reply gives no date." in answer.content.decode()
    assert not Promise.objects.exists()


def test_a_reply_confirmed_as_a_dispute_links_to_the_dispute_form(world: World) -> None:
    _mine, theirs, _lost = replies(world)
    client = login(Client(), world.bob)
    client.post(f"/replies/{theirs.pk}/handle/", {"classification": "dispute"})
    page = client.get(f"/replies/{theirs.pk}/").content.decode()
    assert 'id="reply-dispute"' in page and f"/customers/{world.bolt.pk}/disputes/new/" in page
    reader = login(Client(), world.reader)
    assert 'id="reply-dispute"' not in reader.get(f"/replies/{theirs.pk}/").content.decode()


def test_bad_input_on_the_page_is_said_and_changes_nothing(world: World) -> None:
    mine, _theirs, _lost = replies(world)
    client = login(Client(), world.alice)
    answer = client.post(
        f"/replies/{mine.pk}/handle/", {"classification": "promise", "date": "demain"}, follow=True
    )
    assert "date: “demain” is not a date" in answer.content.decode()
    mine.refresh_from_db()
    assert mine.status == Status.TO_HANDLE


def test_assigning_an_unmatched_reply(world: World) -> None:
    _mine, _theirs, lost = replies(world)
    alice = login(Client(), world.alice)
    assert alice.post(f"/replies/{lost.pk}/assign/", {"customer": world.acme.pk}).status_code == 404
    admin = login(Client(), world.admin)
    page = admin.get(f"/replies/{lost.pk}/").content.decode()
    assert 'id="reply-assign"' in page
    admin.post(f"/replies/{lost.pk}/assign/", {"customer": world.bolt.pk})
    lost.refresh_from_db()
    assert (lost.customer, lost.status) == (world.bolt, Status.TO_HANDLE)
    assert Pause.objects.filter(customer=world.bolt, until__isnull=True).count() == 2


def test_a_reader_changes_nothing(world: World) -> None:
    mine, _theirs, lost = replies(world)
    reader = login(Client(), world.reader)
    page = reader.get(f"/replies/{mine.pk}/").content.decode()
    assert 'id="reply-handle"' not in page
    assert (
        reader.post(f"/replies/{mine.pk}/handle/", {"classification": "other"}).status_code == 403
    )
    assert reader.post(f"/replies/{lost.pk}/ignore/").status_code == 403
    mine.refresh_from_db()
    assert mine.status == Status.TO_HANDLE


def test_ignoring_from_the_page(world: World) -> None:
    _mine, _theirs, lost = replies(world)
    admin = login(Client(), world.admin)
    assert admin.post(f"/replies/{lost.pk}/ignore/", {"note": "spam"}).status_code == 302
    lost.refresh_from_db()
    assert (lost.status, lost.note) == (Status.IGNORED, "spam")


def test_the_pages_in_french(world: World) -> None:
    mine, _theirs, _lost = replies(world)
    client = login(Client(), world.admin)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/replies/"})
    text = client.get("/replies/").content.decode()
    assert "Réponses" in text and "À traiter" in text
    detail = client.get(f"/replies/{mine.pk}/").content.decode()
    assert "Classement suggéré" in detail and "promesse de paiement" in detail.lower()


def test_a_refused_promise_in_french(world: World) -> None:
    mine, _theirs, _lost = replies(world)
    client = login(Client(), world.admin)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/replies/"})
    page = client.get(f"/replies/{mine.pk}/").content.decode()
    assert "Une promesse de paiement datée est enregistrée comme promesse" in page
    answer = client.post(
        f"/replies/{mine.pk}/handle/",
        {"classification": "promise", "date": "2025-04-15"},
        follow=True,
    )
    assert "date : le 2025-04-15 est avant aujourd&#x27;hui" in answer.content.decode()
    assert not Promise.objects.exists()
