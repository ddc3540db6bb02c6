"""A reply taken in: stored once, matched to its customer in order, paused until handled."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from relance.accounts.models import Role
from relance.channels.identity import reply_token_key
from relance.channels.models import Correspondence, SenderIdentity
from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.customers.models import Customer
from relance.domain.reply_token import make_address
from relance.dunning.models import Action, ActionStatus, Holdback, Pause
from relance.dunning.outbox import dispatch
from relance.dunning.services import ensure_default_policy, plan_run
from relance.negotiation.models import Promise
from relance.replies.matching import NoCreditor
from relance.replies.models import MatchMethod, Reply, ReplyAttachment, Status
from relance.replies.services import assign, handle, ignore, ingest, timeline_events
from relance.replies.tests.helpers import email
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DUE = date(2025, 3, 31)
ARRIVED = datetime(2025, 3, 31, 10, 0, tzinfo=UTC)


def acme(ledger: Ledger, address: str = "compta@acme.example") -> Customer:
    customer = ledger.customer("ACME", address_line1="3 rue Neuve", postal_code="69001")
    ledger.contact(customer, address, last_name="Martin", is_primary_billing=True)
    ledger.invoice(customer, "F-2025-0001", "1234.56", issued="2025-03-01", due=DUE)
    return customer


def take(raw: bytes, **kwargs: Any) -> Reply:
    kwargs.setdefault("source", "imap")
    kwargs.setdefault("received_at", ARRIVED)
    return ingest(raw, **kwargs).reply


def test_a_reply_from_a_contact_is_stored_matched_suggested_and_paused(ledger: Ledger) -> None:
    customer = acme(ledger)
    raw = email(attachments=[("avis.pdf", "application/pdf", b"%PDF-1.4 avis")])
    reply = take(raw)
    assert reply.customer == customer
    assert reply.match_method == MatchMethod.SENDER
    assert "compta@acme.example is a contact of this customer" in reply.match_reason
    assert reply.status == Status.TO_HANDLE
    assert reply.suggested == "promise"
    assert reply.suggested_fields == {"date": "2025-04-15"}
    assert {r["rule"] for r in reply.suggested_rules} == {"promise_future_fr"}
    # the raw message, as received, with its hash, outside the web root
    assert reply.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert reply.raw_intact()
    assert reply.raw.path.startswith(str(reply.raw.storage.location))  # type: ignore[attr-defined]
    [attachment] = reply.attachments.all()
    assert (attachment.name, attachment.size, attachment.refused) == ("avis.pdf", 13, "")
    with attachment.file.open("rb") as handle_:
        assert handle_.read() == b"%PDF-1.4 avis"
    assert attachment.sha256 == hashlib.sha256(b"%PDF-1.4 avis").hexdigest()
    pause = Pause.objects.get(customer=customer)
    assert reply.pause == pause
    assert pause.reason == f"reply to handle #{reply.pk}: Re: Relance facture F-1"
    assert pause.until is None


def test_the_same_message_delivered_twice_is_stored_once(ledger: Ledger) -> None:
    acme(ledger)
    first = ingest(email(), source="imap", received_at=ARRIVED)
    again = ingest(email(), source="brevo", received_at=ARRIVED + timedelta(hours=1))
    assert first.created and not again.created
    assert again.reply.pk == first.reply.pk
    assert Reply.objects.count() == 1
    assert Pause.objects.count() == 1


def test_an_unknown_sender_is_unmatched_with_the_reasons(ledger: Ledger) -> None:
    acme(ledger)
    reply = take(email(sender="someone@elsewhere.example", subject="Hello", text="Bonjour"))
    assert reply.customer is None
    assert reply.status == Status.UNMATCHED
    assert reply.match_reason == (
        "the sender someone@elsewhere.example is no contact of any customer; "
        "no invoice number of ours is quoted"
    )
    assert not Pause.objects.exists()


def test_a_sender_known_at_two_customers_is_ambiguous(ledger: Ledger) -> None:
    acme(ledger)
    other = ledger.customer("ACME Services")
    ledger.contact(other, "compta@acme.example")
    reply = take(email(subject="Re: relance", text="Merci"))
    assert reply.status == Status.UNMATCHED
    assert "is a contact of 2 customers (ACME, ACME Services)" in reply.match_reason


def test_invoice_numbers_quoted_decide_when_the_sender_is_unknown(ledger: Ledger) -> None:
    customer = acme(ledger)
    ledger.invoice(ledger.customer("Other"), "F-2025-0002", "10.00", issued="2025-03-01", due=DUE)
    reply = take(
        email(sender="new.person@acme.example", subject="Facture F 2025 1", text="Payée hier.")
    )
    assert reply.customer == customer
    assert reply.match_method == MatchMethod.INVOICE
    assert reply.match_reason.startswith("quotes invoices of this customer: F-2025-0001")
    both = take(
        email(
            sender="new.person@acme.example",
            message_id="<two@x>",
            text="F-2025-0001 et F-2025-0002",
        )
    )
    assert both.status == Status.UNMATCHED
    assert "quotes invoices of 2 customers" in both.match_reason


def test_a_reply_token_names_the_customer_whoever_writes(ledger: Ledger) -> None:
    customer = acme(ledger)
    address = make_address(
        "relances@durand.example", ledger.creditor.pk, customer.pk, reply_token_key()
    )
    reply = take(email(sender="assistant@gmail.example", to=address, text="Bonjour"))
    assert reply.customer == customer
    assert reply.match_method == MatchMethod.TOKEN
    assert address in reply.match_reason


def test_a_tampered_reply_token_is_not_trusted(ledger: Ledger) -> None:
    customer = acme(ledger)
    victim = ledger.customer("Victim SA")
    genuine = make_address(
        "relances@durand.example", ledger.creditor.pk, customer.pk, reply_token_key()
    )
    local, domain = genuine.split("@")
    parts = local.split("-")
    parts[2] = format(victim.pk, "x") if victim.pk < 10 else str(victim.pk)  # another customer
    forged = "-".join(parts) + "@" + domain
    reply = take(email(sender="intruder@elsewhere.example", to=forged, text="Stop"))
    assert reply.customer is None
    assert reply.status == Status.UNMATCHED
    assert "reply token refused" in reply.match_reason
    assert "does not verify" in reply.match_reason


def test_a_reply_to_a_message_sent_is_matched_by_its_thread(ledger: Ledger) -> None:
    customer = acme(ledger)
    sent = Correspondence.objects.create(
        creditor=ledger.creditor,
        customer=customer,
        channel="email",
        backend="email",
        provider_id="<d-1.acme.j.1@relance.invalid>",
        idempotency_key="d-1",
        recipient="compta@acme.example",
        subject="Relance",
        body="…",
        sha256="0" * 64,
        sent_at=ARRIVED - timedelta(days=1),
    )
    reply = take(
        email(
            sender="boss@other.example",
            in_reply_to="<d-1.acme.j.1@relance.invalid>",
            text="Nous contestons.",
        )
    )
    assert reply.customer == customer
    assert reply.correspondence == sent
    assert reply.match_method == MatchMethod.THREAD
    assert reply.suggested == "dispute"


def test_an_out_of_office_reply_pauses_nothing(ledger: Ledger) -> None:
    customer = acme(ledger)
    reply = take(
        email(
            subject="Réponse automatique : Relance",
            text="Je suis absente jusqu'au 14/04.",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    assert reply.customer == customer
    assert reply.suggested == "out_of_office"
    assert reply.status == Status.IGNORED
    assert reply.pause is None
    assert not Pause.objects.exists()
    assert [e.kind for e in timeline_events(customer)] == ["reply"]


def test_oversized_and_forbidden_attachments_keep_the_message(
    ledger: Ledger, settings: Any
) -> None:
    acme(ledger)
    settings.RELANCE_REPLY_MAX_ATTACHMENT = 100
    reply = take(
        email(
            attachments=[
                ("scan.pdf", "application/pdf", b"%PDF" + b"x" * 200),
                ("virus.exe", "application/octet-stream", b"MZ"),
                ("ok.txt", "text/plain", b"ok"),
            ]
        )
    )
    rows = [(a.name, bool(a.file), a.refused[:29]) for a in reply.attachments.all()]
    assert rows == [
        ("scan.pdf", False, "larger than the limit of 0 MB"),
        ("virus.exe", False, "files of type .exe are not ac"),
        ("ok.txt", True, ""),
    ]
    assert reply.status == Status.TO_HANDLE


def test_several_creditors_need_to_be_told_apart(ledger: Ledger, settings: Any) -> None:
    acme(ledger)
    other = Creditor.objects.create(legal_name="Autre SARL", email="compta@autre.example")
    raw = email(sender="x@unknown.example", to="nobody@nowhere.example", text="?")
    with pytest.raises(NoCreditor, match="RELANCE_REPLIES_CREDITOR"):
        ingest(raw, source="imap")
    assert not Reply.objects.exists()
    # sent to a creditor's own address: that creditor
    to_other = take(
        email(sender="x@unknown.example", to="compta@autre.example", message_id="<o@x>")
    )
    assert to_other.creditor == other
    # or the creditor of the mailbox, from the settings
    settings.RELANCE_REPLIES_CREDITOR = ledger.creditor.pk
    assert take(raw).creditor == ledger.creditor
    settings.RELANCE_REPLIES_CREDITOR = 999999
    with pytest.raises(NoCreditor, match="no such creditor"):
        ingest(
            email(sender="x@unknown.example", message_id="<p@x>", to="n@n.example"), source="imap"
        )


def test_a_failed_write_leaves_no_file_behind(ledger: Ledger, monkeypatch: Any) -> None:
    acme(ledger)
    stored: list[str] = []
    original = ReplyAttachment.save

    def boom(self: ReplyAttachment, *args: Any, **kwargs: Any) -> None:
        stored.append(str(self.file.name))
        raise RuntimeError("disk full")

    monkeypatch.setattr(ReplyAttachment, "save", boom)
    with pytest.raises(RuntimeError):
        take(email(attachments=[("a.txt", "text/plain", b"abc")]))
    monkeypatch.setattr(ReplyAttachment, "save", original)
    assert not Reply.objects.exists()
    assert stored and not any(ReplyAttachment().file.storage.exists(n) for n in stored)


# --- handling ---------------------------------------------------------------------------


def test_handle_confirms_and_lifts_the_pause(ledger: Ledger) -> None:
    customer = acme(ledger)
    user = ledger.user("alice", Role.CREDIT_MANAGER)
    reply = take(email())
    done = handle(reply, "promise", user, "called back", on=date(2025, 4, 2))
    assert done.status == Status.HANDLED
    assert done.classification == "promise"
    # a promise with a date: recorded as a promise (relance.replies.promises, tested there)
    assert done.fields == {"date": "2025-04-15", "promise": Promise.objects.get().pk}
    assert done.note == "called back"
    assert done.handled_by == user and done.handled_at is not None
    assert Pause.objects.get(customer=customer, invoice__isnull=True).until == date(2025, 4, 1)
    with pytest.raises(BadInput, match="already handled"):
        handle(done, "other", user)


def test_handle_with_another_classification_and_fields(ledger: Ledger) -> None:
    acme(ledger)
    user = ledger.user("alice", Role.CREDIT_MANAGER)
    reply = take(email())
    done = handle(reply, "payment_made", user, fields={"date": "2025-03-30", "amount": "1234,56"})
    assert done.fields == {"date": "2025-03-30", "amount": "1234.56", "currency": "EUR"}


@pytest.mark.parametrize(
    ("classification", "fields", "message"),
    [
        ("paid", None, "classification: “paid” is not one of"),
        ("promise", {"date": "15/04"}, "date: “15/04” is not a date"),
        ("promise", {"amount": "lots"}, "amount: “lots” is not an amount"),
        ("promise", {"amount": "-5"}, "amount: must be a positive amount"),
        ("promise", {"currency": "EURO"}, "currency: “EURO” is not a currency code"),
        ("promise", {"colour": "red"}, "colour: not a field of a reply"),
    ],
)
def test_handle_refuses_bad_input_and_changes_nothing(
    ledger: Ledger, classification: str, fields: dict[str, str] | None, message: str
) -> None:
    acme(ledger)
    reply = take(email())
    with pytest.raises(BadInput, match=message):
        handle(reply, classification, None, fields=fields)
    reply.refresh_from_db()
    assert reply.status == Status.TO_HANDLE
    assert reply.pause is not None and reply.pause.until is None


def test_an_unmatched_reply_is_assigned_then_handled(ledger: Ledger) -> None:
    customer = acme(ledger)
    user = ledger.user("boss", Role.ADMIN)
    reply = take(email(sender="x@unknown.example", text="Bonjour"))
    with pytest.raises(BadInput, match="assign it first"):
        handle(reply, "other", user)
    assigned = assign(reply, customer, user)
    assert assigned.status == Status.TO_HANDLE
    assert assigned.match_method == MatchMethod.MANUAL
    assert assigned.match_reason == "assigned by boss"
    assert assigned.pause is not None and assigned.pause.customer == customer
    # moved to another customer: the pause moves with it
    other = ledger.customer("Other")
    moved = assign(assigned, other, user)
    assert Pause.objects.get().customer == other
    assert moved.customer == other
    foreign = Customer.objects.create(
        creditor=Creditor.objects.create(legal_name="Autre"), legal_name="Foreign"
    )
    with pytest.raises(BadInput, match="not a customer of this reply's creditor"):
        assign(moved, foreign, user)


def test_ignore_sets_aside_and_lifts_the_pause(ledger: Ledger) -> None:
    acme(ledger)
    reply = take(email())
    done = ignore(reply, None, "spam", on=date(2025, 4, 1))
    assert done.status == Status.IGNORED
    assert done.pause is not None and done.pause.until == date(2025, 3, 31)


def test_timeline_events(ledger: Ledger) -> None:
    customer = acme(ledger)
    reply = take(email())
    [event] = timeline_events(customer)
    assert event.kind == "reply"
    assert event.at == reply.sent_at
    assert event.link == f"/replies/{reply.pk}/"
    assert event.summary == "Jeanne Martin: Re: Relance facture F-1 — promise to pay (to handle)"


# --- the pause and the dunning run --------------------------------------------------------


def test_a_reply_stops_tomorrows_reminder_and_handling_it_lets_the_next_run_plan(
    ledger: Ledger,
) -> None:
    customer = acme(ledger)
    ensure_default_policy(ledger.creditor)
    reply = take(email())  # arrives on the due date
    plan_run(ledger.creditor, date(2025, 4, 1))
    assert not Action.objects.filter(customer=customer).exists()
    held = Holdback.objects.get(customer=customer)
    assert held.reason == f"paused: reply to handle #{reply.pk}: Re: Relance facture F-1"
    handle(reply, "other", None, on=date(2025, 4, 2))
    plan_run(ledger.creditor, date(2025, 4, 2))
    assert Action.objects.filter(customer=customer).count() == 1


def test_a_reply_after_planning_cancels_the_send(ledger: Ledger) -> None:
    customer = acme(ledger)
    ensure_default_policy(ledger.creditor)
    plan_run(ledger.creditor, date(2025, 4, 1))
    [action] = Action.objects.filter(customer=customer)
    take(email())
    assert dispatch(now=datetime(2025, 4, 1, 8, 0, tzinfo=UTC)) == {"cancelled": 1}
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED
    assert action.reason == "customer paused since it was planned"


def test_sender_identity_reply_address_is_checked(ledger: Ledger) -> None:
    from django.core.exceptions import ValidationError

    identity = SenderIdentity(creditor=ledger.creditor, reply_address="relances+x@durand.example")
    with pytest.raises(ValidationError, match="must not already contain"):
        identity.clean()
    identity.reply_address = "relances@durand.example"
    identity.clean()
