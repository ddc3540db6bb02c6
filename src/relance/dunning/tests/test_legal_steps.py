"""Legal steps sent by the worker: the penalty invoice and the formal notice.

Real parts: the run plans the steps, the worker claims and sends them through the capture
backend, the PDFs are typst's and are read back with pypdf, the Factur-X XML is checked
against its XSD, the evidence export is opened as a zip.
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import facturx
import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from relance.channels.base import Outbound, Sent, TransientError
from relance.channels.capture.backend import CaptureBackend
from relance.channels.models import CapturedMessage, Correspondence, RegisteredMail
from relance.channels.registered import Tracking, update_tracking
from relance.customers.models import Customer
from relance.domain import dunning as dd
from relance.dunning.evidence import export_evidence
from relance.dunning.legal_steps import document_for, message_key
from relance.dunning.messages import render
from relance.dunning.models import Action, ActionStatus, Attempt, Pause, PolicyAssignment
from relance.dunning.outbox import dispatch, dispatch_one, lease
from relance.dunning.services import Decision, decide, plan_run, save_policy
from relance.legal.accrual import notice_date_for
from relance.legal.court_file import court_file
from relance.legal.models import (
    FormalNotice,
    LegalCase,
    PenaltyInvoice,
    PenaltySequence,
    PenaltyStatus,
)
from relance.legal.notice import record_notice
from relance.legal.penalty_invoices import NO_VAT, issue_penalty_invoice, waive
from relance.legal.services import open_case, open_for_notice
from relance.testing import Ledger
from relance.web.tests.conftest import login

pytestmark = pytest.mark.django_db

DUE = date(2025, 3, 31)


def _first(message: Correspondence) -> tuple[str, bytes]:
    """The name and content of the first file an archived message carried."""
    first = message.attachments.order_by("position").first()
    assert first is not None, "the message carried no file"
    return first.filename, bytes(first.content)


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def text_of(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    raw = " ".join(p.extract_text() for p in pages)
    return " ".join(raw.replace("\u202f", " ").replace("\xa0", " ").split())


def flat(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def customer(ledger: Ledger, name: str = "ACME SAS", **fields: Any) -> Customer:
    c = ledger.customer(
        name,
        legal_form="SAS",
        siren="552100554",
        address_line1="3 rue Neuve",
        postal_code="69001",
        city="Lyon",
        **fields,
    )
    ledger.contact(
        c, "compta@acme.example", first_name="Jeanne", last_name="Martin", is_primary_billing=True
    )
    return c


def follow(ledger: Ledger, who: Customer, *steps: dd.Step) -> None:
    """`who` follows a policy made of `steps`."""
    key = f"legal-{who.pk}-{secrets.token_hex(4)}"
    row = save_policy(ledger.creditor, dd.Policy(key, "Légal", tuple(steps)))
    PolicyAssignment.objects.create(creditor=ledger.creditor, policy=row, customer=who)


PENALTY_STEP = dd.Step(
    "pen",
    40,
    (dd.Channel.EMAIL, dd.Channel.LETTER),
    dd.Tone.FIRM,
    kind=dd.StepKind.PENALTY_INVOICE,
)
NOTICE_STEP = dd.Step(
    "j+45",
    45,
    (dd.Channel.REGISTERED_LETTER, dd.Channel.EMAIL),
    dd.Tone.FORMAL,
    kind=dd.StepKind.FORMAL_NOTICE,
    needs_approval=True,
    states_penalties=True,
)
ESCALATION_STEP = dd.Step(
    "j+60", 60, (dd.Channel.TASK,), dd.Tone.FORMAL, kind=dd.StepKind.ESCALATION
)


# --------------------------------------------------------------------------- penalty invoice


def test_a_penalty_invoice_step_issues_it_and_sends_it_on_each_channel(ledger: Ledger) -> None:
    acme = customer(ledger)
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due=DUE)
    follow(ledger, acme, PENALTY_STEP)
    day = DUE + timedelta(days=45)  # 15/05/2025: 45 days late (LEGAL.md §2: 162.12 + 40.00)
    plan_run(ledger.creditor, day)
    email, letter = Action.objects.order_by("channel")
    assert (email.channel, letter.channel) == ("email", "letter")
    assert {email.kind, letter.kind} == {dd.StepKind.PENALTY_INVOICE}
    assert dispatch(now=at(day)) == {"sent": 2}

    pi = PenaltyInvoice.objects.get()  # one penalty invoice for the message, two channels
    assert pi.number == "PEN-2025-0001" and pi.issued_on == day
    assert (pi.interest_minor, pi.indemnity_minor, pi.total_minor) == (16212, 4000, 20212)
    assert pi.dunning_key == message_key(email) == message_key(letter)

    by_email = Correspondence.objects.get(channel="email")
    assert by_email.subject == "Facture de pénalités de retard PEN-2025-0001 – Atelier Durand SARL"
    body = flat(by_email.body)
    for mention in (
        "ci-joint notre facture de pénalités de retard n° PEN-2025-0001 du 15/05/2025",
        "d'un montant de 202,12 €",
        "pénalités de retard de 162,12 € (article L441-10 du Code de commerce)",
        "indemnité forfaitaire pour frais de recouvrement de 40,00 € au total",
        "au titre des factures F-1",
        "en rappelant sa référence PEN-2025-0001",
        "- Facture F-1 du 01/03/2025, échéance 31/03/2025 (45 jours de retard) : 10 000,00 €",
    ):
        assert mention in body, mention
    # the archived attachment is the penalty invoice itself, Factur-X included
    assert _first(by_email)[0] == "PEN-2025-0001.pdf"
    archived = _first(by_email)[1]
    assert archived == bytes(pi.pdf or b"") and by_email.content_intact()
    text = text_of(archived)
    for mention in ("PEN-2025-0001", NO_VAT, "F-1", "45 jours", "13,15 %", "162,12", "202,12"):
        assert mention in text, mention
    name, xml = facturx.get_facturx_xml_from_pdf(archived, check_xsd=False)
    assert name == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="basic")
    assert b"<ram:ID>PEN-2025-0001</ram:ID>" in xml
    assert b"<ram:GrandTotalAmount>202.12</ram:GrandTotalAmount>" in xml
    # the email carries it first, as the captured message shows, with every other file
    captured = list(CapturedMessage.objects.get(channel="email").attachments.all())
    assert captured[0].filename == "PEN-2025-0001.pdf"
    assert [(f.filename, bytes(f.content)) for f in captured] == [
        (f.filename, bytes(f.content)) for f in by_email.attachments.all()
    ]

    # by letter: the covering letter, then the penalty invoice's pages
    by_letter = Correspondence.objects.get(channel="letter")
    pdf = _first(by_letter)[1]
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 1 + len(PdfReader(io.BytesIO(bytes(pi.pdf or b""))).pages)
    cover = flat(pages[0].extract_text())
    assert "ci-après notre facture de pénalités de retard n° PEN-2025-0001" in cover
    assert "3 rue Neuve" in cover and "F-1" in cover
    rest = text_of(pdf)
    assert NO_VAT in rest and "Facture de pénalités n° PEN-2025-0001 du 15/05/2025" in rest
    assert by_letter.content_intact()

    # the items moved to the step: the next run does not bill again
    for action in (email, letter):
        action.refresh_from_db()
        assert action.status == ActionStatus.SENT
    assert plan_run(ledger.creditor, day + timedelta(days=1)).actions == []


class Flaky:
    """A backend that fails once for good measure, then delivers through the capture."""

    name = "flaky"

    def __init__(self) -> None:
        self.calls = 0

    def send(self, message: Outbound) -> Sent:
        self.calls += 1
        if self.calls == 1:
            raise TransientError("server busy")
        return CaptureBackend().send(message)

    def close(self) -> None:
        """Nothing kept open."""


def test_a_retried_or_taken_over_action_does_not_issue_a_second_penalty_invoice(
    ledger: Ledger,
) -> None:
    acme = customer(ledger)
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due=DUE)
    follow(ledger, acme, PENALTY_STEP)
    day = DUE + timedelta(days=45)
    plan_run(ledger.creditor, day)
    email, letter = Action.objects.order_by("pk")
    flaky = Flaky()

    # 1. the email meets a temporary failure: back to `planned`, the invoice stays issued
    outcome = dispatch_one(at(day), backends={"email": flaky})
    assert outcome is not None and (outcome.action_id, outcome.status) == (email.pk, "retry")
    first = PenaltyInvoice.objects.get()

    # 2. the letter: its worker dies after posting it, before recording it
    class Killed(BaseException):
        pass

    def die(action: Action) -> None:
        # what the first attempt posted (the document found under the message's key)
        CaptureBackend().send(render(action, day, document=document_for(action, day)))
        raise Killed

    with pytest.raises(Killed):
        dispatch_one(at(day) + timedelta(seconds=1), before_send=die)
    assert Action.objects.get(pk=letter.pk).status == ActionStatus.SENDING

    # 3. later: the email is retried, the letter taken over; both carry the same invoice
    later = at(day) + lease() + timedelta(seconds=2)
    assert dispatch(now=later) == {"sent": 2}
    assert PenaltyInvoice.objects.count() == 1
    assert PenaltySequence.objects.get().last == 1  # no number used for nothing
    assert PenaltyInvoice.objects.get() == first
    archived = Correspondence.objects.get(channel="letter")
    posted = CapturedMessage.objects.get(channel="letter")  # one per idempotency key
    # the letter taken over carries the same penalty invoice as the first attempt posted
    assert "PEN-2025-0001" in text_of(_first(archived)[1])
    assert text_of(_first(archived)[1]) == text_of(bytes(posted.attachments.all()[0].content))
    assert _first(Correspondence.objects.get(channel="email"))[0] == "PEN-2025-0001.pdf"
    assert Attempt.objects.filter(action=email).count() == 2
    assert Attempt.objects.filter(action=letter).count() == 2


def test_nothing_to_bill_cancels_the_action_with_the_reason(ledger: Ledger) -> None:
    # a consumer owes no L441-10 penalties and no indemnity without a formal notice
    person = customer(ledger, "Jean Martin", kind="b2c")
    ledger.invoice(person, "F-9", "1000.00", issued="2025-03-01", due=DUE)
    follow(ledger, person, PENALTY_STEP)
    day = DUE + timedelta(days=45)
    plan_run(ledger.creditor, day)
    assert dispatch(now=at(day)) == {"cancelled": 2}
    for action in Action.objects.all():
        assert action.status == ActionStatus.CANCELLED
        assert action.reason.startswith("no penalty invoice: customer Jean Martin: no late-payment")
    assert not PenaltyInvoice.objects.exists() and not CapturedMessage.objects.exists()
    assert not PenaltySequence.objects.filter(last__gt=0).exists()


def test_days_already_billed_are_not_billed_again(ledger: Ledger) -> None:
    acme = customer(ledger)
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due=DUE)
    follow(ledger, acme, PENALTY_STEP)
    day = DUE + timedelta(days=45)
    issue_penalty_invoice(acme, day)  # by hand, from the case page, the same morning
    plan_run(ledger.creditor, day)
    assert dispatch(now=at(day)) == {"cancelled": 2}
    assert "no late-payment penalty left to bill" in Action.objects.first().reason  # type: ignore[union-attr]
    assert PenaltyInvoice.objects.count() == 1


def test_a_waived_penalty_invoice_is_not_sent_any_more(ledger: Ledger) -> None:
    acme = customer(ledger)
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due=DUE)
    follow(ledger, acme, PENALTY_STEP)
    day = DUE + timedelta(days=45)
    plan_run(ledger.creditor, day)
    assert dispatch_one(at(day)) is not None  # the email: issues and sends it
    waive(PenaltyInvoice.objects.get(), "geste commercial")
    outcome = dispatch_one(at(day))
    assert outcome is not None and outcome.status == "cancelled"
    assert outcome.detail == "penalty invoice PEN-2025-0001 was waived"
    assert PenaltyInvoice.objects.get().status == PenaltyStatus.WAIVED


def test_a_consumer_after_a_formal_notice_is_billed_legal_interest_only(ledger: Ledger) -> None:
    person = customer(ledger, "Jean Martin", kind="b2c")
    ledger.invoice(person, "F-9", "1000.00", issued="2025-03-01", due=DUE)
    record_notice(open_for_notice(person, date(2025, 5, 1), "EUR"), date(2025, 5, 1), 8, "M. D")
    pen = dd.Step("pen", 80, (dd.Channel.EMAIL,), dd.Tone.FIRM, kind=dd.StepKind.PENALTY_INVOICE)
    follow(ledger, person, pen)
    day = date(2025, 6, 30)
    plan_run(ledger.creditor, day)
    assert dispatch(now=at(day)) == {"sent": 1}
    pi = PenaltyInvoice.objects.get()
    # legal rate "other cases" 2025 S1 3.71 % from 02/05 to 30/06 (60 days) on 1 000 → 6.10
    assert (pi.interest_minor, pi.indemnity_minor) == (610, 0)
    sent = Correspondence.objects.get()
    body = flat(sent.body)
    assert "intérêts au taux légal courus depuis notre mise en demeure" in body
    assert "indemnit" not in body and "L441-10" not in body
    text = text_of(_first(sent)[1])
    assert "taux légal" in text and "1231-6" in text
    assert "D441-5" not in text and "indemnité forfaitaire" not in text


# --------------------------------------------------------------------------- formal notice


@pytest.fixture
def noticed(ledger: Ledger) -> tuple[Customer, date]:
    """A B2B customer whose J+45 formal notice (registered letter and email) is approved
    and sent; returns the customer and the day it was sent."""
    acme = customer(ledger)
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due=DUE)
    follow(ledger, acme, NOTICE_STEP, ESCALATION_STEP)
    day = DUE + timedelta(days=45)
    plan_run(ledger.creditor, day)
    waiting = list(Action.objects.filter(status=ActionStatus.NEEDS_APPROVAL))
    assert len(waiting) == 2
    marie = ledger.user("marie")
    marie.first_name, marie.last_name = "Marie", "Durand"
    marie.save()
    assert decide(ledger.creditor.pk, [a.pk for a in waiting], Decision.APPROVE, user=marie) == 2
    assert dispatch(now=at(day)) == {"sent": 2}
    return acme, day


def test_a_formal_notice_step_records_the_notice_and_sends_it(
    ledger: Ledger, noticed: tuple[Customer, date]
) -> None:
    acme, day = noticed
    case = LegalCase.objects.get()
    assert (case.customer, case.route, case.opened_on) == (acme, "undecided", day)
    assert case.pause is None  # the escalation decision is still to come
    assert case.notice_deadline == day + timedelta(days=15)
    assert list(case.events.values_list("stage", "on")) == [("notice_sent", day)]
    notice = FormalNotice.objects.get()
    assert (notice.case, notice.sent_on, notice.period_days) == (case, day, 15)
    assert notice.signatory == "Marie Durand"

    registered = Correspondence.objects.get(channel="registered_letter")
    assert _first(registered)[1] == bytes(notice.pdf or b"")
    assert registered.body == notice.text + "\n" and registered.content_intact()
    assert registered.subject == "Mise en demeure – Atelier Durand SARL"
    tracking = RegisteredMail.objects.get(correspondence=registered)
    assert tracking.tracking_number.startswith("RR")
    text = text_of(bytes(notice.pdf or b""))
    for mention in (
        "Lettre recommandée avec accusé de réception",
        "MISE EN DEMEURE",
        "Atelier Durand SARL",
        "SIREN 732829320",
        "ACME SAS",
        "SIREN 552100554",
        "À l'attention de Jeanne Martin",
        "Facture n° F-1 du 01/03/2025",
        "échéance 31/03/2025",
        "principal restant dû : 10 000,00",
        "au taux de 13,15 %",
        "indemnité forfaitaire pour frais de recouvrement : 40,00",
        "dans un délai de 15 jours",
        "au plus tard le 30/05/2025",
        "injonction de payer",
        "Fait à Lyon, le 15/05/2025",
        "Marie Durand, pour Atelier Durand SARL",
    ):
        assert mention in text, mention

    by_email = Correspondence.objects.get(channel="email")
    assert _first(by_email)[1] == bytes(notice.pdf or b"")
    assert _first(by_email)[0] == "mise-en-demeure-2025-05-15.pdf"
    body = flat(by_email.body)
    for mention in (
        "Bonjour Jeanne Martin",
        "ci-joint notre mise en demeure du 15/05/2025, qui vous est également adressée ce "
        "jour par lettre recommandée avec accusé de réception",
        # what the notice demands: principal 10 000, interest 162.12, indemnity 40
        "la somme de 10 202,12 €",
        "dans un délai de 15 jours, soit au plus tard le 30/05/2025",
    ):
        assert mention in body, mention


def test_after_the_notice_reminders_go_on_until_the_escalation_decision(
    ledger: Ledger, noticed: tuple[Customer, date]
) -> None:
    acme, day = noticed
    escalation = plan_run(ledger.creditor, DUE + timedelta(days=60)).actions
    assert [(a.step.key, a.channel) for a in escalation] == [("j+60", "task")]
    # the decision: the same case gets its route, and from now on dunning pauses
    decided = open_case(acme, "payment_order", DUE + timedelta(days=61))
    case = LegalCase.objects.get()
    assert decided == case and case.route == "payment_order" and case.opened_on == day
    assert case.court_kind == "tribunal_de_commerce" and case.pause is not None
    assert Pause.objects.get(customer=acme).reason.startswith(f"legal case #{case.pk}")
    assert list(case.events.values_list("stage", flat=True)) == ["notice_sent"]
    # the injonction-de-payer file lists the notice once (not again as a reminder)
    exhibits = [e.title for e in court_file(case, DUE + timedelta(days=61)).exhibits]
    assert exhibits.count("Mise en demeure du 15/05/2025") == 1
    assert not any("Mise en demeure –" in title for title in exhibits)


def test_the_acknowledgment_of_the_registered_letter_goes_to_the_case(
    ledger: Ledger, noticed: tuple[Customer, date]
) -> None:
    _acme, day = noticed
    registered = Correspondence.objects.get(channel="registered_letter")
    posted = timezone.localdate(registered.sent_at)  # the clock's day the worker recorded
    signed = posted + timedelta(days=2)
    update_tracking(registered, Tracking(acknowledged_on=signed), today=signed)
    case = LegalCase.objects.get()
    assert list(case.events.values_list("stage", "on", "note")) == [
        ("notice_sent", day, "mise en demeure, 15 jours"),
        ("ack_received", signed, f"AR {registered.registered.tracking_number}"),
    ]
    # tracking recorded again (the presentation date): no second stage
    update_tracking(registered, Tracking(presented_on=posted + timedelta(days=1)), today=signed)
    assert case.events.filter(stage="ack_received").count() == 1
    # an email is not tracked; a reminder's registered letter leaves the case alone
    assert RegisteredMail.objects.count() == 1


def test_a_retried_notice_is_recorded_once(ledger: Ledger) -> None:
    acme = customer(ledger)
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due=DUE)
    follow(ledger, acme, NOTICE_STEP)
    day = DUE + timedelta(days=45)
    plan_run(ledger.creditor, day)
    decide(ledger.creditor.pk, Action.objects.values_list("pk", flat=True), Decision.APPROVE)
    flaky = Flaky()
    first = dispatch_one(at(day), backends={"registered_letter": flaky})
    assert first is not None and first.status == "retry"
    assert dispatch(now=at(day) + timedelta(minutes=2)) == {"sent": 2}
    assert FormalNotice.objects.count() == 1 and LegalCase.objects.count() == 1
    assert LegalCase.objects.get().events.count() == 1
    assert CapturedMessage.objects.filter(channel="registered_letter").count() == 1


def test_the_notice_gives_the_period_its_step_sets(ledger: Ledger) -> None:
    acme = customer(ledger)
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due=DUE)
    follow(ledger, acme, replace(NOTICE_STEP, notice_days=8))
    day = DUE + timedelta(days=45)
    plan_run(ledger.creditor, day)
    decide(ledger.creditor.pk, Action.objects.values_list("pk", flat=True), Decision.APPROVE)
    assert dispatch(now=at(day)) == {"sent": 2}
    notice = FormalNotice.objects.get()
    assert notice.period_days == 8
    assert notice.case.notice_deadline == day + timedelta(days=8)
    assert "dans un délai de 8 jours" in text_of(bytes(notice.pdf or b""))


def test_a_policy_refuses_a_notice_period_other_than_8_or_15_days() -> None:
    with pytest.raises(dd.PolicyError, match="gives 8 or 15 days to pay, not 10"):
        dd.Policy("p", "P", (replace(NOTICE_STEP, notice_days=10),))


def test_a_consumer_notice_starts_interest_and_claims_no_indemnity(ledger: Ledger) -> None:
    person = customer(ledger, "Jean Martin", kind="b2c")
    ledger.invoice(person, "F-9", "1000.00", issued="2025-03-01", due=DUE)
    follow(ledger, person, NOTICE_STEP)
    day = DUE + timedelta(days=45)
    plan_run(ledger.creditor, day)
    decide(ledger.creditor.pk, Action.objects.values_list("pk", flat=True), Decision.APPROVE)
    assert dispatch(now=at(day)) == {"sent": 2}
    assert notice_date_for(person, day) == day
    text = text_of(bytes(FormalNotice.objects.get().pdf or b""))
    assert "fait courir les intérêts au taux légal" in text
    assert "indemnité" not in text
    body = flat(Correspondence.objects.get(channel="email").body)
    assert "des intérêts au taux légal courent à compter de la présente mise en demeure" in body
    # interest now runs from the notice: a penalty invoice a month later bills it
    pi = issue_penalty_invoice(person, day + timedelta(days=30))
    assert pi.interest_minor > 0 and pi.indemnity_minor == 0


def test_a_customer_with_a_case_under_way_gets_no_notice(ledger: Ledger) -> None:
    acme = customer(ledger)
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due=DUE)
    follow(ledger, acme, NOTICE_STEP)
    day = DUE + timedelta(days=45)
    plan_run(ledger.creditor, day)
    decide(ledger.creditor.pk, Action.objects.values_list("pk", flat=True), Decision.APPROVE)
    open_case(acme, "agency", day)  # a person handed it over meanwhile: dunning pauses
    assert dispatch(now=at(day)) == {"cancelled": 2}
    assert not FormalNotice.objects.exists()


# --------------------------------------------------------------------------- timeline, evidence


def test_the_customer_timeline_and_the_evidence_file_show_both_documents(
    ledger: Ledger, noticed: tuple[Customer, date], client: Client
) -> None:
    acme, day = noticed
    PolicyAssignment.objects.filter(customer=acme).delete()
    follow(
        ledger,
        acme,
        dd.Step("pen", 65, PENALTY_STEP.channels, dd.Tone.FIRM, kind=PENALTY_STEP.kind),
    )
    later = day + timedelta(days=20)  # J+65
    plan_run(ledger.creditor, later)
    assert dispatch(now=at(later)) == {"sent": 2}
    pi = PenaltyInvoice.objects.get()
    notice = FormalNotice.objects.get()

    login(client, ledger.user("boss"))
    html = client.get(f"/customers/{acme.pk}/").content.decode()
    assert f'href="/legal/penalty-invoices/{pi.pk}/pdf/"' in html
    assert "penalty invoice PEN-2025-0001" in html or "facture de pénalités PEN-2025-0001" in html
    assert f'href="/legal/{notice.case_id}/"' in html

    evidence = export_evidence(acme, today=later)
    files = zipfile.ZipFile(io.BytesIO(evidence.content))
    names = files.namelist()
    assert files.read("penalty-invoices/PEN-2025-0001.pdf") == bytes(pi.pdf or b"")
    stem = f"notices/{day.isoformat()}-{notice.pk}-mise-en-demeure.pdf"
    assert files.read(stem) == bytes(notice.pdf or b"")
    index = json.loads(files.read("index.json"))
    kinds = [e["kind"] for e in index["entries"]]
    for kind in ("legal_case", "legal_stage", "formal_notice", "penalty_invoice", "message"):
        assert kind in kinds, kind
    sent = [n for n in names if n.startswith("messages/") and n.endswith(".pdf")]
    assert len(sent) == 4  # the notice (registered letter, email), the penalty invoice (both)
    assert evidence.tampered == []
    index_text = text_of(files.read("index.pdf"))
    assert "facture de pénalités PEN-2025-0001 émise" in index_text
    assert "mise en demeure du dossier" in index_text


def test_the_preview_of_a_notice_awaiting_approval_shows_it_and_keeps_nothing(
    ledger: Ledger, client: Client
) -> None:
    acme = customer(ledger)
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due=DUE)
    follow(ledger, acme, NOTICE_STEP)
    plan_run(ledger.creditor, DUE + timedelta(days=45))
    waiting = Action.objects.get(channel="registered_letter")
    login(client, ledger.user("boss"))
    page = client.get(f"/reminders/actions/{waiting.pk}/").content.decode()
    assert "MISE EN DEMEURE" in page and "dans un délai de 15 jours" in page
    pdf = client.get(f"/reminders/actions/{waiting.pk}/pdf/")
    assert pdf.status_code == 200 and "Lettre recommandée avec accusé de réception" in text_of(
        pdf.content
    )
    assert not FormalNotice.objects.exists() and not LegalCase.objects.exists()
    waiting.refresh_from_db()
    assert waiting.status == ActionStatus.NEEDS_APPROVAL
