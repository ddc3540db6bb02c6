"""The pages: send a reminder now (preview, confirm), statements, evidence, an action's
preview and edit, the template preview."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from relance.channels.models import CapturedMessage
from relance.customers.models import Customer
from relance.dunning.models import Action, ActionStatus, Origin
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run
from relance.web.tests.conftest import World, login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postal_address(world: World) -> None:
    """Letters need the head office's address."""
    Customer.objects.filter(pk=world.acme.pk).update(
        address_line1="3 rue Neuve", postal_code="69001", city="Lyon"
    )


def test_send_now_preview_then_confirm(client: Client, world: World) -> None:
    login(client, world.alice)
    acme = world.acme
    page = client.get(f"/customers/{acme.pk}/")
    assert f"/customers/{acme.pk}/send/" in page.content.decode()
    shown = client.get(
        f"/customers/{acme.pk}/send/",
        {"channel": "email", "tone": "firm", "note": "Suite à notre échange.", "currency": "EUR"},
    )
    html = shown.content.decode()
    assert shown.status_code == 200 and "Suite à notre échange." in html and "F-2025-001" in html
    assert not Action.objects.exists()
    done = client.post(
        f"/customers/{acme.pk}/send/",
        {"confirm": "1", "channel": "email", "tone": "firm", "note": "Suite à notre échange."},
    )
    assert done.status_code == 302
    action = Action.objects.get()
    assert (action.origin, action.created_by) == (Origin.MANUAL, world.alice)
    assert dispatch() == {"sent": 1}
    assert "Suite à notre échange." in CapturedMessage.objects.get().body
    history = client.get(f"/customers/{acme.pk}/").content.decode()
    assert f"/reminders/actions/{action.pk}/" in history
    # another collector's customer is not found; a reader may not send
    assert client.get(f"/customers/{world.bolt.pk}/send/").status_code == 404
    login(client, world.reader)
    assert client.get(f"/customers/{acme.pk}/send/").status_code == 403


def test_send_now_shows_refusals(client: Client, world: World) -> None:
    login(client, world.admin)
    page = client.get(f"/customers/{world.acme.pk}/send/", {"channel": "sms", "tone": "firm"})
    assert "no mobile number usable" in page.content.decode()
    refused = client.post(
        f"/customers/{world.acme.pk}/send/", {"confirm": "1", "channel": "fax", "tone": "firm"}
    )
    assert refused.status_code == 200 and "is not one of" in refused.content.decode()
    no_mobile = client.post(
        f"/customers/{world.acme.pk}/send/", {"confirm": "1", "channel": "sms", "tone": "firm"}
    )
    assert "no mobile number usable" in no_mobile.content.decode()
    assert not Action.objects.exists()


def test_statement_button_pdf_and_evidence(client: Client, world: World) -> None:
    login(client, world.alice)
    acme = world.acme
    pdf = client.get(f"/customers/{acme.pk}/statement.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "F-2025-001" in text and "F-2025-003" in text and "F-2025-002" not in text
    assert not Action.objects.exists()
    client.post(f"/customers/{acme.pk}/statement/", {"channel": "letter"})
    assert Action.objects.get().kind == "statement"
    dispatch()
    evidence = client.get(f"/customers/{acme.pk}/evidence.zip")
    assert evidence.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(evidence.content)).namelist()
    assert "index.pdf" in names and any(n.endswith("-letter.txt") for n in names)
    assert client.get(f"/customers/{world.bolt.pk}/evidence.zip").status_code == 404


def test_action_preview_and_edit(client: Client, world: World) -> None:
    today = timezone.localdate()
    plan_run(world.led.creditor, today - timedelta(days=1))
    action = Action.objects.get(customer=world.acme)
    Action.objects.filter(pk=action.pk).update(status=ActionStatus.NEEDS_APPROVAL)
    login(client, world.alice)
    page = client.get(f"/reminders/actions/{action.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "ap@acme.example" in html and "F-2025-001" in html
    assert "Edit before approval" not in html  # collectors do not decide
    assert client.post(f"/reminders/actions/{action.pk}/edit/", {"reason": "x"}).status_code == 403
    login(client, world.admin)
    listing = client.get("/reminders/", {"date": (today - timedelta(days=1)).isoformat()})
    assert f"/reminders/actions/{action.pk}/" in listing.content.decode()
    client.post(
        f"/reminders/actions/{action.pk}/edit/",
        {"reason": "client fidèle", "tone": "courteous", "note": "Merci d'avance."},
    )
    action.refresh_from_db()
    assert action.tone == "courteous" and action.note == "Merci d'avance."
    assert action.edits[0]["by"] == "admin"
    edited = client.get(f"/reminders/actions/{action.pk}/").content.decode()
    assert "client fidèle" in edited and "Merci d&#x27;avance." in edited
    refused = client.post(f"/reminders/actions/{action.pk}/edit/", {"reason": "", "tone": "firm"})
    assert refused.status_code == 302
    action.refresh_from_db()
    assert action.tone == "courteous"


def test_template_preview_per_step_tone_language(client: Client, world: World) -> None:
    login(client, world.admin)
    acme = world.acme
    page = client.get("/reminders/templates/", {"customer": str(acme.pk)})
    assert "j+30" in page.content.decode()
    en = client.get(
        "/reminders/templates/",
        {"customer": str(acme.pk), "step": "j+8", "tone": "firm", "lang": "en", "channel": "email"},
    ).content.decode()
    assert "Reminder: unpaid invoices" in en and "F-2025-001" in en
    letter = client.get(
        "/reminders/templates/pdf/", {"customer": str(acme.pk), "step": "j+30", "lang": "fr"}
    )
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    acme.refresh_from_db()
    assert acme.language == "fr" and not Action.objects.exists()
    bad = client.get("/reminders/templates/", {"customer": str(acme.pk), "step": "j+99"})
    assert "is not a step" in bad.content.decode()
