"""Rendering: every template in both languages, recipients by channel, the penalties text."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from relance.customers.models import Customer
from relance.domain import dunning as dd
from relance.dunning.manual import preview
from relance.dunning.messages import NoRecipient, render
from relance.dunning.models import Action, ActionItem, ActionStatus
from relance.legal.models import FormalNotice, LegalCase
from relance.legal.notice import record_notice
from relance.legal.services import open_for_notice
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DAY = date(2025, 5, 15)


def make(
    ledger: Ledger,
    customer: Customer,
    channel: str,
    tone: str = "firm",
    kind: str = "reminder",
    offset: int = 8,
    penalties: bool = False,
) -> Action:
    invoice = ledger.invoice(customer, issued="2025-03-01", due="2025-03-31", amount="1500.00")
    action = Action.objects.create(
        creditor=ledger.creditor,
        customer=customer,
        currency="EUR",
        as_of=DAY,
        step_key="s",
        step_offset=offset,
        channel=channel,
        tone=tone,
        kind=kind,
        states_penalties=penalties,
        status=ActionStatus.PLANNED,
        total_minor=150000,
        overdue_total_minor=150000,
        idempotency_key=f"k-{invoice.pk}-{channel}",
    )
    ActionItem.objects.create(
        action=action,
        invoice=invoice,
        level_key="s",
        level_offset=offset,
        advances=True,
        open_minor=150000,
    )
    return action


@pytest.fixture
def acme(ledger: Ledger) -> Customer:
    c = ledger.customer(
        "ACME SAS", address_line1="3 rue Neuve", postal_code="69001", city="Lyon", language="fr"
    )
    ledger.contact(
        c,
        "ap@acme.example",
        first_name="Jeanne",
        last_name="Martin",
        mobile="+33612345678",
        phone="+33472000000",
        is_primary_billing=True,
    )
    return c


@pytest.mark.parametrize(
    ("lang", "tone", "expected"),
    [
        ("fr", "courteous", "simple oubli"),
        ("fr", "firm", "sous huit jours"),
        ("fr", "formal", "salutations distinguées"),
        ("en", "courteous", "simply be an oversight"),
        ("en", "firm", "within eight days"),
        ("en", "formal", "Yours faithfully"),
    ],
)
def test_each_tone_in_each_language(
    ledger: Ledger, acme: Customer, lang: str, tone: str, expected: str
) -> None:
    acme.language = lang
    acme.save()
    message = render(make(ledger, acme, "email", tone), DAY)
    assert expected in message.body
    assert "1500" in message.body.replace("\u202f", "").replace(",", "").replace(" ", "")
    assert "45" in message.body  # days late, counted from the due date to the as-of date


def test_before_the_due_date_the_courtesy_text_and_subject(ledger: Ledger, acme: Customer) -> None:
    action = make(ledger, acme, "email", "courteous", offset=-5)
    Action.objects.filter(pk=action.pk).update(overdue_total_minor=0)  # nothing overdue yet
    action.refresh_from_db()
    message = render(action, DAY)
    assert "arrivent prochainement à échéance" in message.body
    assert message.subject.startswith("Rappel : factures à échéance prochaine")


def test_penalties_statement_b2b_and_b2c(ledger: Ledger, acme: Customer) -> None:
    b2b = render(make(ledger, acme, "letter", penalties=True), DAY).body
    assert "L441-10" in b2b and "40,00\xa0€" in b2b and "BCE majoré de 10 points" in b2b
    acme.kind = "b2c"
    acme.save()
    b2c = render(make(ledger, acme, "letter", penalties=True), DAY).body
    assert "40" not in b2c.replace("1\u202f500", "") and "taux légal" in b2c


def test_contractual_rate_is_stated(ledger: Ledger, acme: Customer) -> None:
    ledger.creditor.penalty_clause = "contractual"
    ledger.creditor.contractual_rate = "12.5"
    ledger.creditor.save()
    body = render(make(ledger, acme, "email", penalties=True), DAY).body
    assert "12,5 % l'an" in body


def test_formal_notice(ledger: Ledger, acme: Customer) -> None:
    notice = make(ledger, acme, "registered_letter", "formal", kind=dd.StepKind.FORMAL_NOTICE)
    with pytest.raises(ValueError, match="legal document"):
        render(notice, DAY)  # the notice is issued by the worker (or a preview), never skipped
    message = preview(notice, DAY)
    # a letter: the notice itself (relance.legal.notice), heading and identities in its text
    assert message.body.startswith("MISE EN DEMEURE") and "SIREN 732829320" in message.body
    assert "dans un délai de 15 jours" in message.body and "30/05/2025" in message.body
    assert message.subject.startswith("Mise en demeure")
    by_email = preview(make(ledger, acme, "email", "formal", kind=dd.StepKind.FORMAL_NOTICE), DAY)
    assert by_email.body.startswith("Bonjour Jeanne Martin")
    assert "ci-joint notre mise en demeure du 15/05/2025" in by_email.body
    assert "au plus tard le 30/05/2025" in by_email.body
    assert by_email.attachments[0].filename == "mise-en-demeure-2025-05-15.pdf"
    assert message.recipient.splitlines() == [
        "ACME SAS",
        "À l'attention de Jeanne Martin",
        "3 rue Neuve",
        "69001 Lyon",
    ]
    # a preview keeps nothing
    assert not FormalNotice.objects.exists() and not LegalCase.objects.exists()


def test_sms_call_and_task(ledger: Ledger, acme: Customer) -> None:
    sms = render(make(ledger, acme, "sms"), DAY)
    assert sms.recipient == "+33612345678" and len(sms.body) < 320
    call = render(make(ledger, acme, "call"), DAY)
    assert call.recipient == "+33472000000" and "Ne jamais menacer" in call.body
    task = render(make(ledger, acme, "task", "formal", kind="escalation", offset=60), DAY)
    assert "injonction de payer" in task.body


def test_missing_routes_are_refused(ledger: Ledger) -> None:
    bare = ledger.customer("Sans Adresse")
    for channel in ("email", "sms", "call", "letter"):
        with pytest.raises(NoRecipient):
            render(make(ledger, bare, channel), DAY)


def test_no_empty_overdue_line_and_no_runs_of_blank_lines(ledger: Ledger, acme: Customer) -> None:
    action = make(ledger, acme, "email", "courteous", offset=-5)
    Action.objects.filter(pk=action.pk).update(overdue_total_minor=0)
    action.refresh_from_db()
    body = render(action, DAY).body
    assert "dont échu" not in body and "\n\n\n" not in body


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("kind", ["b2b", "b2c"])
def test_every_shipped_template_passes_the_wording_rules(
    ledger: Ledger, acme: Customer, lang: str, kind: str
) -> None:
    acme.language, acme.kind = lang, kind
    acme.save()
    variants = [
        ("email", "courteous", "reminder", -5),
        ("email", "courteous", "reminder", 1),
        ("email", "firm", "reminder", 8),
        ("letter", "formal", "reminder", 30),
        ("registered_letter", "formal", dd.StepKind.FORMAL_NOTICE, 45),
        ("email", "formal", dd.StepKind.FORMAL_NOTICE, 45),
        ("call", "firm", "reminder", 15),
        ("task", "formal", "escalation", 60),
        ("sms", "firm", "reminder", 8),
    ]
    for channel, tone, step_kind, offset in variants:
        action = make(ledger, acme, channel, tone, step_kind, offset, penalties=True)
        assert preview(action, DAY).body  # RefusedWording would be raised
    # a penalty invoice needs something to bill: for a consumer, a formal notice first
    if kind == "b2c":
        case = open_for_notice(acme, date(2025, 4, 15), "EUR")
        record_notice(case, date(2025, 4, 15), 8, "M. D")
    for channel in ("email", "letter"):
        action = make(ledger, acme, channel, "firm", dd.StepKind.PENALTY_INVOICE, 40)
        message = preview(action, DAY)
        assert message.subject.startswith(("Facture de pénalités", "Late-payment penalty"))
        assert ("indemnit" in message.body) is (kind == "b2b")


def test_a_refused_wording_cancels_the_action(
    ledger: Ledger, acme: Customer, settings: object
) -> None:
    from datetime import UTC, datetime

    from relance.dunning.outbox import dispatch

    ledger.creditor.trade_name = "Huissier Express"  # ends up in the signature and subject
    ledger.creditor.save()
    action = make(ledger, acme, "email")
    assert dispatch(now=datetime(2025, 5, 15, 9, tzinfo=UTC)) == {"cancelled": 1}
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED
    assert action.reason.startswith("wording refused (fake_enforcement)")


def _text_positions(pdf: bytes) -> list[tuple[str, float, float]]:
    """(text, x, y) of each text run of the first page, in PDF points from the bottom-left."""
    import io

    from pypdf import PdfReader

    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x, y))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return found


def test_letters_are_pdfs_with_the_address_in_the_envelope_window(
    ledger: Ledger, acme: Customer
) -> None:
    import io

    from pypdf import PdfReader

    notice = make(ledger, acme, "registered_letter", "formal", kind=dd.StepKind.FORMAL_NOTICE)
    message = preview(notice, DAY)
    [attachment] = message.attachments
    assert attachment.mimetype == "application/pdf" and attachment.content.startswith(b"%PDF")
    raw = PdfReader(io.BytesIO(attachment.content)).pages[0].extract_text()
    text = " ".join(raw.replace("\u202f", " ").replace("\xa0", " ").split())
    for expected in (
        "Lettre recommandée avec accusé de réception",
        "Mise en demeure",
        "3 rue Neuve",
        "69001 Lyon",
        "15 jours",
        "Jours de retard",
    ):
        assert expected in text, expected
    number = notice.items.get().invoice.number
    assert number in text and "1 500,00 €" in text
    mm = 72 / 25.4
    a4_height = 297 * mm
    positions = {t: (x, y) for t, x, y in _text_positions(attachment.content)}
    x, y = positions["ACME SAS"]
    # French window envelope (DL, right window): 110 mm from the left, 45–90 mm from the top
    assert 105 * mm < x < 120 * mm
    assert 45 * mm < a4_height - y < 90 * mm
    email = render(make(ledger, acme, "email"), DAY)
    assert email.attachments == ()


def test_sms_stays_in_gsm7_and_within_two_segments(ledger: Ledger, acme: Customer) -> None:
    from relance.domain.sms import measure

    action = make(ledger, acme, "sms")
    for n in range(40):  # many invoices: the list of numbers is shortened, never the amount
        invoice = ledger.invoice(
            acme, f"FACTURE-2025-{n:05d}", issued="2025-03-01", due="2025-03-31"
        )
        ActionItem.objects.create(
            action=action,
            invoice=invoice,
            level_key="s",
            level_offset=8,
            advances=True,
            open_minor=100,
        )
    body = render(action, DAY).body
    length = measure(body)
    assert length.encoding == "GSM-7" and length.segments <= 2, (length, body)
    assert "1 500,00 €" in body and "..." in body
