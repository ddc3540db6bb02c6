"""The call screen, the dispute form, the list and a dispute's page: what each role sees and
may do, each form and its refusals, in English and French (real database, test client)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relance.dunning.models import Action, Pause
from relance.negotiation.calls import log_call
from relance.negotiation.disputes import open_dispute
from relance.negotiation.models import CallLog, Dispute, Note, Promise
from relance.web.tests import conftest as web
from relance.web.tests.conftest import World, login

pytestmark = pytest.mark.django_db

#: the web tests' fixture: a small ledger with an admin, two collectors and a reader
world = web.world


def no_inline_code(html: str) -> None:
    assert " style=" not in html and "<style" not in html and "<script>" not in html


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def phone(world: World) -> Any:
    contact = world.acme.contacts.get()
    contact.phone = "0472000000"
    contact.save()
    return contact


# ---------------------------------------------------------------- the call screen


def test_call_screen_shows_contacts_script_items_and_history(
    client: Client, world: World, phone: Any
) -> None:
    world.acme.language = "en"  # the script is in the customer's language
    world.acme.save()
    open_dispute(world.acme, items=[(world.inv_late.pk, 100000)], reason="price", opened_on=today())
    log_call(
        world.acme, user=world.alice, at=timezone.now() - timedelta(days=2), outcome="no_answer"
    )
    login(client, world.alice)
    response = client.get(reverse("call_screen", args=[world.acme.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    no_inline_code(html)
    assert 'href="tel:0472000000"' in html and "Jeanne Martin" in html
    script = html[html.index('id="call-script"') : html.index("</pre>")]
    assert "Call to make – ACME Industries SAS" in script
    assert "Tone of the current dunning step" in html
    # the disputed part is left out of what the script claims, and named
    assert "F-2025-001" in script and "€1,000.00 of invoice F-2025-001" in script
    items = html[html.index('id="call-items"') :]
    assert "€1,000.00" in items
    history = html[html.index('id="call-history"') :]
    assert "no answer" in history and "price" in history
    assert 'hx-get="/customers/' in html and 'id="outcome-fields"' in html


def test_call_screen_in_french(client: Client, world: World, phone: Any) -> None:
    login(client, world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(reverse("call_screen", args=[world.acme.pk])).content.decode()
    assert "Écran d'appel" in html and "Enregistrer l'appel" in html
    assert "Appel à passer – ACME Industries SAS" in html and "Ton : courtois" in html
    assert "promesse de paiement" in html  # an outcome label


def test_call_screen_access(client: Client, world: World) -> None:
    login(client, world.bob)
    assert client.get(reverse("call_screen", args=[world.acme.pk])).status_code == 404
    assert client.post(reverse("call_screen", args=[world.acme.pk]), {}).status_code == 404
    login(client, world.reader)
    html = client.get(reverse("call_screen", args=[world.acme.pk])).content.decode()
    assert 'id="call-form"' not in html
    response = client.post(reverse("call_screen", args=[world.acme.pk]), {"outcome": "reached"})
    assert response.status_code == 403
    assert not CallLog.objects.exists()


def test_outcome_fields_follow_the_outcome(client: Client, world: World) -> None:
    login(client, world.alice)
    url = reverse("call_fields", args=[world.acme.pk])
    html = client.get(url, {"outcome": "promise"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="fields-promise"' in html and 'id="fields-dispute"' not in html
    html = client.get(url, {"outcome": "dispute"}).content.decode()
    assert 'id="fields-dispute"' in html and 'id="fields-promise"' not in html
    html = client.get(url).content.decode()  # nothing chosen: every field
    assert 'id="fields-promise"' in html and 'id="fields-copy"' in html


def test_log_a_call_with_no_answer_then_a_second_is_refused(
    client: Client, world: World, phone: Any
) -> None:
    login(client, world.alice)
    url = reverse("call_screen", args=[world.acme.pk])
    response = client.post(url, {"contact": phone.pk, "outcome": "no_answer", "note": "Messagerie"})
    assert response.status_code == 302
    log = CallLog.objects.get()
    assert (log.outcome, log.number, log.user, log.note) == (
        "no_answer",
        "0472000000",
        world.alice,
        "Messagerie",
    )
    response = client.post(url, {"contact": phone.pk, "outcome": "reached"})
    assert response.status_code == 422
    assert "at most one call a day" in response.content.decode()
    assert CallLog.objects.count() == 1
    # the customer calling back is recorded
    response = client.post(url, {"outcome": "reached", "direction": "inbound"})
    assert response.status_code == 302 and CallLog.objects.count() == 2


def test_log_a_promise_from_the_call_screen(client: Client, world: World, phone: Any) -> None:
    login(client, world.alice)
    url = reverse("call_screen", args=[world.acme.pk])
    promised = (today() + timedelta(days=10)).isoformat()
    response = client.post(
        url,
        {
            "contact": phone.pk,
            "outcome": "promise",
            "promise_amount": "5 000,00",
            "promise_on": promised,
            "promise_invoice": [world.inv_late.pk],
        },
    )
    assert response.status_code == 302
    promise = Promise.objects.get()
    assert promise.amount_minor == 500000 and promise.promised_on.isoformat() == promised
    assert CallLog.objects.get().promise == promise


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"outcome": "promise", "promise_on": "2099-01-01"}, "amount promised: required"),
        ({"outcome": "promise", "promise_amount": "abc", "promise_on": "2099-01-01"}, "amount"),
        (
            {"outcome": "promise", "promise_amount": "9" * 40, "promise_on": "2099-01-01"},
            "too large an amount",
        ),
        ({"outcome": "promise", "promise_amount": "10"}, "promised payment date"),
        ({"outcome": "dispute", "dispute_reason": "price"}, "at least one invoice"),
        ({"outcome": "call_back"}, "call_back_on"),
        ({"outcome": "call_back", "call_back_on": "demain"}, "is not a date"),
        ({"outcome": "copy_requested"}, "needs the invoices"),
        ({"outcome": "wrong_number"}, "wrong number needs the contact"),
        ({"outcome": "shouted"}, "outcome"),
        ({"outcome": "reached", "contact": "999999"}, "not a contact of this customer"),
        ({"outcome": "reached", "action": "999999"}, "not a task of this customer"),
    ],
)
def test_bad_call_forms_are_refused_and_nothing_is_written(
    client: Client, world: World, post: dict[str, str], message: str
) -> None:
    login(client, world.alice)
    response = client.post(reverse("call_screen", args=[world.acme.pk]), post)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html and 'id="call-error"' in html
    assert not CallLog.objects.exists() and not Promise.objects.exists()
    assert not Dispute.objects.exists() and not Action.objects.exists()


def test_dispute_and_copy_outcomes(client: Client, world: World, phone: Any) -> None:
    login(client, world.alice)
    url = reverse("call_screen", args=[world.acme.pk])
    pk = world.inv_late.pk
    response = client.post(
        url,
        {
            "contact": phone.pk,
            "outcome": "dispute",
            "dispute_reason": "quantity",
            "dispute_description": "2 palettes manquantes",
            "dispute_invoice": [pk],
            f"dispute_amount_{pk}": "345,67",
        },
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert dispute.items.get().amount_minor == 34567 and dispute.source == "call"
    response = client.post(
        url, {"outcome": "copy_requested", "direction": "inbound", "copy_invoice": [pk]}
    )
    assert response.status_code == 302
    assert Action.objects.get(kind="invoice").idempotency_key.startswith(f"invoice-copy:{pk}:")


def test_wrong_number_flag_shown_and_cleared(client: Client, world: World, phone: Any) -> None:
    login(client, world.alice)
    client.post(
        reverse("call_screen", args=[world.acme.pk]),
        {"contact": phone.pk, "outcome": "wrong_number", "note": "Numéro attribué à un autre"},
    )
    phone.refresh_from_db()
    assert phone.phone_wrong_since is not None
    html = client.get(reverse("customer", args=[world.acme.pk])).content.decode()
    assert "to update: wrong number" in html
    html = client.get(reverse("call_screen", args=[world.acme.pk])).content.decode()
    assert "Numéro attribué à un autre" in html
    login(client, world.reader)
    assert client.post(reverse("phone_checked", args=[phone.pk])).status_code == 403
    login(client, world.bob)
    assert client.post(reverse("phone_checked", args=[phone.pk])).status_code == 404
    login(client, world.alice)
    assert client.post(reverse("phone_checked", args=[phone.pk])).status_code == 302
    phone.refresh_from_db()
    assert phone.phone_wrong_since is None and phone.phone_wrong_reason == ""


# ---------------------------------------------------------------- disputes


def test_customer_page_links_to_calls_and_disputes(client: Client, world: World) -> None:
    open_dispute(world.acme, items=[(world.inv_late.pk, None)], reason="price", opened_on=today())
    login(client, world.alice)
    html = client.get(reverse("customer", args=[world.acme.pk])).content.decode()
    panel = html[html.index('id="negotiation-panel"') :]
    assert reverse("call_screen", args=[world.acme.pk]) in panel
    assert reverse("dispute_new", args=[world.acme.pk]) in panel
    assert "F-2025-001" in panel
    login(client, world.reader)
    html = client.get(reverse("customer", args=[world.acme.pk])).content.decode()
    assert reverse("dispute_new", args=[world.acme.pk]) not in html


def test_open_a_dispute_from_the_form(client: Client, world: World) -> None:
    login(client, world.alice)
    url = reverse("dispute_new", args=[world.acme.pk])
    html = client.get(url).content.decode()
    no_inline_code(html)
    assert "F-2025-001" in html and "F-2025-002" not in html  # paid: not open
    pk = world.inv_late.pk
    response = client.post(
        url,
        {
            "invoice": [pk],
            f"amount_{pk}": "1 000,00",
            "reason": "quality",
            "description": "Pièces non conformes",
            "owner": str(world.alice.pk),
            "note": "Photos reçues par email.",
        },
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "dispute", args=[dispute.pk]
    )
    assert dispute.owner == world.alice and dispute.items.get().amount_minor == 100000
    assert Pause.objects.get(invoice=world.inv_late).amount_minor == 100000
    assert Note.objects.get(dispute=dispute).text == "Photos reçues par email."


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"reason": "price"}, "at least one invoice"),
        ({"reason": "price", "invoice": ["x"]}, "not an invoice"),
        ({"reason": "price", "invoice": ["LATE"], "amount_LATE": "abc"}, "amount"),
        ({"reason": "price", "invoice": ["LATE"], "amount_LATE": "99999"}, "more than its open"),
        ({"reason": "price", "invoice": ["LATE"], "amount_LATE": "0"}, "greater than zero"),
        ({"reason": "price", "invoice": ["PAID"]}, "is not open"),
        ({"reason": "price", "invoice": ["BOLT"]}, "not invoices of this customer"),
        ({"reason": "mood", "invoice": ["LATE"]}, "reason"),
        ({"reason": "price", "invoice": ["LATE"], "due_on": "2000-01-01"}, "due_on"),
        ({"reason": "price", "invoice": ["LATE"], "owner": "READER"}, "owner"),
    ],
)
def test_bad_dispute_forms_are_refused(
    client: Client, world: World, post: dict[str, Any], message: str
) -> None:
    names = {
        "LATE": str(world.inv_late.pk),
        "PAID": str(world.inv_paid.pk),
        "BOLT": str(world.inv_bolt.pk),
        "READER": str(world.reader.pk),
    }

    def swap(value: Any) -> Any:
        if isinstance(value, list):
            return [names.get(v, v) for v in value]
        return names.get(value, value)

    data = {k.replace("LATE", names["LATE"]): swap(v) for k, v in post.items()}
    login(client, world.alice)
    response = client.post(reverse("dispute_new", args=[world.acme.pk]), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Dispute.objects.exists() and not Pause.objects.exists()


def test_dispute_form_access(client: Client, world: World) -> None:
    login(client, world.reader)
    assert client.get(reverse("dispute_new", args=[world.acme.pk])).status_code == 403
    login(client, world.bob)
    assert client.get(reverse("dispute_new", args=[world.acme.pk])).status_code == 404


def test_dispute_list_views_and_filters(client: Client, world: World) -> None:
    late = open_dispute(
        world.acme,
        items=[(world.inv_late.pk, None)],
        reason="price",
        opened_on=today() - timedelta(days=40),
        due_on=today() - timedelta(days=5),
        owner=world.alice,
    )
    theirs = open_dispute(
        world.bolt, items=[(world.inv_bolt.pk, 10000)], reason="quality", opened_on=today()
    )
    login(client, world.admin)
    html = client.get(reverse("disputes")).content.decode()
    no_inline_code(html)
    rows = html[html.index('id="dispute-rows"') :]
    assert "ACME Industries SAS" in rows and "Boulonnerie Bolt SARL" in rows
    assert rows.index("ACME") < rows.index("Boulonnerie")  # by the date to resolve them by
    html = client.get(reverse("disputes"), {"view": "overdue"}).content.decode()
    assert "ACME Industries SAS" in html and "Boulonnerie" not in html
    html = client.get(reverse("disputes"), {"reason": "quality"}).content.decode()
    assert "Boulonnerie" in html and "ACME Industries" not in html
    html = client.get(reverse("disputes"), {"owner": str(world.alice.pk)}).content.decode()
    assert "ACME Industries SAS" in html and "Boulonnerie" not in html
    html = client.get(reverse("disputes"), {"q": "F-2025-010"}).content.decode()
    assert "Boulonnerie" in html and "ACME Industries" not in html
    assert "€100.00" in html  # the amount disputed
    html = client.get(reverse("disputes"), {"view": "resolved"}).content.decode()
    assert "No dispute." in html
    # a collector sees their customers' disputes only
    login(client, world.bob)
    html = client.get(reverse("disputes"), {"view": "all"}).content.decode()
    assert "Boulonnerie" in html and "ACME Industries" not in html
    assert client.get(reverse("dispute", args=[late.pk])).status_code == 404
    assert client.get(reverse("dispute", args=[theirs.pk])).status_code == 200


def test_dispute_page_change_note_and_resolve(client: Client, world: World) -> None:
    dispute = open_dispute(
        world.acme, items=[(world.inv_late.pk, 100000)], reason="price", opened_on=today()
    )
    login(client, world.alice)
    url = reverse("dispute", args=[dispute.pk])
    html = client.get(url).content.decode()
    no_inline_code(html)
    assert "F-2025-001" in html and "the disputed part is held back" in html
    due = (today() + timedelta(days=7)).isoformat()
    response = client.post(
        reverse("dispute_change", args=[dispute.pk]),
        {"status": "in_progress", "owner": str(world.admin.pk), "due_on": due},
    )
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.status, dispute.owner, dispute.due_on) == (
        "in_progress",
        world.admin,
        date.fromisoformat(due),
    )
    client.post(reverse("dispute_note", args=[dispute.pk]), {"text": "Relancé le commercial."})
    assert "Relancé le commercial." in client.get(url).content.decode()
    # refusals come back as messages on the page
    response = client.post(reverse("dispute_note", args=[dispute.pk]), {"text": " "}, follow=True)
    assert "a note cannot be empty" in response.content.decode()
    response = client.post(
        reverse("dispute_resolve", args=[dispute.pk]), {"resolution": "credit_note"}, follow=True
    )
    assert "needs the credit note issued" in response.content.decode()
    response = client.post(
        reverse("dispute_change", args=[dispute.pk]), {"status": "open"}, follow=True
    )
    assert "does not go back to open" in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == "in_progress"
    response = client.post(
        reverse("dispute_resolve", args=[dispute.pk]),
        {"resolution": "rejected", "on": today().isoformat(), "note": "Prix conforme"},
    )
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolution) == ("resolved", "rejected")
    html = client.get(url).content.decode()
    assert 'id="dispute-resolve"' not in html and "Prix conforme" in html


def test_resolve_with_a_credit_note_from_the_page(client: Client, world: World) -> None:
    dispute = open_dispute(
        world.acme, items=[(world.inv_late.pk, 10000)], reason="price", opened_on=today()
    )
    note = world.led.credit_note(world.acme, "100.00", on=today(), applies_to=world.inv_late)
    login(client, world.admin)
    html = client.get(reverse("dispute", args=[dispute.pk])).content.decode()
    assert f'<option value="{note.pk}">' in html
    client.post(
        reverse("dispute_resolve", args=[dispute.pk]),
        {"resolution": "credit_note", "credit_note": str(note.pk)},
    )
    dispute.refresh_from_db()
    assert (dispute.resolution, dispute.credit_note) == ("credit_note", note)


def test_dispute_page_read_only(client: Client, world: World) -> None:
    dispute = open_dispute(
        world.acme, items=[(world.inv_late.pk, None)], reason="price", opened_on=today()
    )
    login(client, world.reader)
    html = client.get(reverse("dispute", args=[dispute.pk])).content.decode()
    assert 'id="dispute-change"' not in html and 'id="dispute-note"' not in html
    for name, data in (
        ("dispute_change", {"status": "in_progress"}),
        ("dispute_note", {"text": "x"}),
        ("dispute_resolve", {"resolution": "rejected"}),
    ):
        assert client.post(reverse(name, args=[dispute.pk]), data).status_code == 403
    login(client, world.bob)
    assert (
        client.post(
            reverse("dispute_resolve", args=[dispute.pk]), {"resolution": "rejected"}
        ).status_code
        == 404
    )
    dispute.refresh_from_db()
    assert dispute.status == "open" and not Note.objects.exists()


def test_dispute_pages_in_french(client: Client, world: World) -> None:
    dispute = open_dispute(
        world.acme, items=[(world.inv_late.pk, None)], reason="quantity", opened_on=today()
    )
    login(client, world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(reverse("dispute", args=[dispute.pk])).content.decode()
    assert "Litige" in html and "quantité" in html and "Résoudre le litige" in html
    html = client.get(reverse("disputes")).content.decode()
    assert "À résoudre avant le" in html
    html = client.get(reverse("dispute_new", args=[world.acme.pk])).content.decode()
    assert "Ouvrir un litige" in html


def test_call_screen_history_lists_the_messages_sent(client: Client, world: World) -> None:
    from relance.dunning.outbox import dispatch
    from relance.dunning.sending import plan_statement

    plan_statement(world.acme, "EUR", today())
    assert dispatch() == {"sent": 1}
    login(client, world.alice)
    html = client.get(reverse("call_screen", args=[world.acme.pk])).content.decode()
    history = html[html.index('id="call-history"') :]
    assert "email: Relevé de compte" in history  # the subject, in the customer's language
