"""Payment plans: the schedule's checks, the agreement PDF, pauses, reminders, payments filling
instalments, breach and completion, approval beyond the margin, the SEPA direct-debit file."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
import xmlschema
from lxml import etree
from pypdf import PdfReader

from relance.accounts.models import Role
from relance.channels.models import CapturedMessage
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.dunning.models import INSTALMENT_REMINDER_KIND, Action, Pause
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run
from relance.ledger.models import Invoice
from relance.legal.penalty_invoices import draft_lines
from relance.negotiation.approvals import decide
from relance.negotiation.daily import evaluate
from relance.negotiation.models import (
    ApprovalRequest,
    InstalmentStatus,
    PaymentPlan,
    PenaltyWaiver,
    PlanStatus,
    PromiseStatus,
)
from relance.negotiation.plans import cancel_plan, equal_instalments, propose_plan
from relance.negotiation.promises import take_promise
from relance.negotiation.reminders import plan_agreement_message
from relance.negotiation.sepa import XSD, debit_file
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

AGREED = date(2026, 3, 2)
IBAN = "FR7630006000011234567890189"


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def pdf_text(content: bytes) -> str:
    """The PDF's text, its white space (line breaks, no-break spaces) as single spaces."""
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def books(ledger: Ledger) -> tuple[Customer, Invoice, Invoice]:
    c = ledger.customer(
        "Dupont SARL",
        address_line1="3 rue Neuve",
        postal_code="69001",
        city="Lyon",
        siren="552100554",
    )
    ledger.contact(c, "compta@dupont.example", first_name="Jeanne", is_primary_billing=True)
    f1 = ledger.invoice(c, "F-1", "1000.00", issued="2025-12-01", due="2026-01-01")
    f2 = ledger.invoice(c, "F-2", "500.00", issued="2025-12-15", due="2026-01-15")
    return c, f1, f2


SCHEDULE = [(date(2026, 3, 15), 50000), (date(2026, 4, 15), 50000), (date(2026, 5, 15), 50000)]


def plan_of(ledger: Ledger, **kwargs: object) -> PaymentPlan:
    c, f1, f2 = books(ledger)
    args: dict[str, object] = {
        "invoices": [f1.pk, f2.pk],
        "instalments": SCHEDULE,
        "agreed_on": AGREED,
    }
    args.update(kwargs)
    return propose_plan(c, **args)  # type: ignore[arg-type]


def test_equal_instalments_put_the_cents_left_on_the_last() -> None:
    assert equal_instalments(100000, 3, date(2026, 1, 31)) == [
        (date(2026, 1, 31), 33333),
        (date(2026, 2, 28), 33333),
        (date(2026, 3, 31), 33334),
    ]
    with pytest.raises(BadInput, match="count"):
        equal_instalments(100000, 0, date(2026, 1, 31))


def test_an_active_plan_pauses_its_invoices_and_states_its_terms(ledger: Ledger) -> None:
    plan = plan_of(ledger, penalties_waived=True, grace_days=5)
    assert plan.status == PlanStatus.ACTIVE and plan.total_minor == 150000
    assert {p.until for p in Pause.objects.all()} == {date(2026, 5, 20)}
    assert PenaltyWaiver.objects.filter(plan=plan, lapsed_on__isnull=True).count() == 2
    agreement = plan.agreements.get()
    text = pdf_text(bytes(agreement.pdf))
    for mention in (
        f"Échéancier de paiement n° {plan.pk}",
        "Atelier Durand SARL, SARL, 12 rue de la République, 69002 Lyon, SIREN 732829320",
        "Dupont SARL, 3 rue Neuve, 69001 Lyon, SIREN 552100554",
        "1 500,00 €",
        "F-1",
        "F-2",
        "15/03/2026",
        "15/05/2026",
        "le créancier renonce aux pénalités de retard",
        "5 jours après sa date",
        "la renonciation aux pénalités devenant caduque",
        "Pour le créancier",
        "Bon pour accord",
    ):
        assert mention in text, mention
    # Penalties waived by the plan are not billed.
    assert [d.invoice.number for d in draft_lines(plan.customer, date(2026, 3, 20))] == []


def test_penalties_kept_are_stated_and_still_billed(ledger: Ledger) -> None:
    plan = plan_of(ledger)
    text = pdf_text(bytes(plan.agreements.get().pdf))
    assert "restent dues" in text
    assert {d.invoice.number for d in draft_lines(plan.customer, date(2026, 3, 20))} == {
        "F-1",
        "F-2",
    }


@pytest.mark.parametrize(
    ("instalments", "message"),
    [
        (
            [(date(2026, 3, 15), 50000), (date(2026, 4, 15), 50000)],
            r"add up to 1000.00 EUR",
        ),
        (
            [(date(2026, 4, 15), 50000), (date(2026, 3, 15), 50000), (date(2026, 5, 15), 50000)],
            r"instalments\[2\]\.due_on: 2026-03-15 is not after instalment 1",
        ),
        (
            [(date(2026, 3, 15), 50000), (date(2026, 3, 15), 50000), (date(2026, 5, 15), 50000)],
            r"instalments\[2\]\.due_on",
        ),
        (
            [(date(2026, 3, 1), 50000), (date(2026, 4, 15), 50000), (date(2026, 5, 15), 50000)],
            r"instalments\[1\]\.due_on: 2026-03-01 is before the agreement date",
        ),
        ([], "at least one instalment"),
        ([(date(2026, 3, 15), 150001), (date(2026, 4, 15), -1)], r"instalments\[2\]\.amount"),
    ],
)
def test_bad_schedules_are_refused_and_nothing_is_written(
    ledger: Ledger, instalments: list[tuple[date, int]], message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        plan_of(ledger, instalments=instalments)
    assert not PaymentPlan.objects.exists() and not Pause.objects.exists()


def test_the_sum_error_names_both_amounts(ledger: Ledger) -> None:
    with pytest.raises(BadInput) as info:
        plan_of(ledger, instalments=[(date(2026, 3, 15), 100000)])
    assert "add up to 1000.00 EUR" in str(info.value)
    assert "is 1500.00 EUR" in str(info.value) and "difference 500.00 EUR" in str(info.value)


def test_an_invoice_in_an_active_plan_cannot_join_another(ledger: Ledger) -> None:
    plan = plan_of(ledger)
    f1 = plan.invoices.get(number="F-1")
    with pytest.raises(BadInput, match=f"F-1 is already in payment plan #{plan.pk}"):
        propose_plan(
            plan.customer,
            invoices=[f1.pk],
            instalments=[(date(2026, 4, 1), 100000)],
            agreed_on=AGREED,
        )


def test_a_plan_replaces_pending_promises(ledger: Ledger) -> None:
    c, f1, f2 = books(ledger)
    promise = take_promise(
        c, amount_minor=10000, promised_on=date(2026, 3, 5), taken_on=date(2026, 3, 1)
    )
    propose_plan(c, invoices=[f1.pk, f2.pk], instalments=SCHEDULE, agreed_on=AGREED)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.CANCELLED


def test_payments_fill_instalments_in_order_then_complete(ledger: Ledger) -> None:
    plan = plan_of(ledger)
    f1, f2 = plan.invoices.order_by("number")
    c = plan.customer
    ledger.payment(c, "700.00", on="2026-03-14", pays=[f1])
    evaluate(ledger.creditor, date(2026, 3, 16))
    first, second, _third = plan.instalments.order_by("number")
    assert (first.status, first.paid_minor, first.paid_on) == ("paid", 50000, date(2026, 3, 14))
    assert (second.status, second.paid_minor) == ("due", 20000)
    ledger.payment(c, "300.00", on="2026-04-10", pays=[f1])
    ledger.payment(c, "500.00", on="2026-05-12", pays=[f2])
    counts = evaluate(ledger.creditor, date(2026, 5, 12))
    assert counts["plans_completed"] == 1
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED and plan.ended_on == date(2026, 5, 12)
    assert evaluate(ledger.creditor, date(2026, 5, 12))["plans_completed"] == 0


def test_an_unpaid_instalment_after_grace_breaches_the_plan_and_dunning_resumes(
    ledger: Ledger,
) -> None:
    plan = plan_of(ledger, grace_days=5, penalties_waived=True)
    f1 = plan.invoices.get(number="F-1")
    ledger.payment(plan.customer, "200.00", on="2026-03-14", pays=[f1])  # instalment 1 short
    assert evaluate(ledger.creditor, date(2026, 3, 20))["plans_breached"] == 0  # grace
    assert evaluate(ledger.creditor, date(2026, 3, 21))["plans_breached"] == 1
    assert evaluate(ledger.creditor, date(2026, 3, 21))["plans_breached"] == 0
    plan.refresh_from_db()
    assert plan.status == PlanStatus.BREACHED and plan.ended_on == date(2026, 3, 21)
    assert "instalment 1 of 2026-03-15 unpaid 5 days after its date" in plan.end_reason
    assert plan.instalments.get(number=1).status == InstalmentStatus.MISSED
    assert {p.until for p in Pause.objects.all()} == {date(2026, 3, 20)}
    assert not PenaltyWaiver.objects.filter(lapsed_on__isnull=True).exists()
    # The real run plans the invoices again, at the firmer step (never reminded: j+8, firm).
    plan_run(ledger.creditor, date(2026, 3, 21))
    actions = Action.objects.filter(run__isnull=False)
    assert {(a.step_key, a.tone) for a in actions} == {("j+8", "firm")}


def test_a_reminder_before_each_instalment_through_the_outbox(ledger: Ledger) -> None:
    plan = plan_of(ledger, remind_days_before=3)
    assert evaluate(ledger.creditor, date(2026, 3, 11))["instalment_reminders"] == 0
    assert evaluate(ledger.creditor, date(2026, 3, 12))["instalment_reminders"] == 1
    assert evaluate(ledger.creditor, date(2026, 3, 13))["instalment_reminders"] == 0
    action = Action.objects.get(kind=INSTALMENT_REMINDER_KIND)
    first = plan.instalments.get(number=1)
    assert action.idempotency_key == f"instalment:{first.pk}:reminder"
    assert dispatch(now=at(date(2026, 3, 12))) == {"sent": 1}
    mail = CapturedMessage.objects.get()
    assert "Échéance du 15/03/2026" in mail.subject
    assert "l'échéance n° 1 de 500,00" in mail.body.replace("\xa0", " ")


def test_the_agreement_is_sent_by_email_with_its_pdf(ledger: Ledger) -> None:
    plan = plan_of(ledger)
    agreement = plan.agreements.get()
    action = plan_agreement_message(agreement, AGREED)
    assert plan_agreement_message(agreement, AGREED) == action  # once per agreement
    assert dispatch(now=at(AGREED)) == {"sent": 1}
    mail = CapturedMessage.objects.get()
    assert mail.subject == "Votre échéancier de paiement – Atelier Durand SARL"
    [file] = mail.attachments.all()
    assert file.filename == f"echeancier-{plan.pk}.pdf"
    assert bytes(file.content) == bytes(agreement.pdf) and file.size == len(agreement.pdf)


def test_cancelling_needs_a_reason_and_ends_the_pauses(ledger: Ledger) -> None:
    plan = plan_of(ledger)
    with pytest.raises(BadInput, match="reason"):
        cancel_plan(plan, date(2026, 3, 5))
    cancel_plan(plan, date(2026, 3, 5), reason="customer paid another way")
    assert {p.until for p in Pause.objects.all()} == {date(2026, 3, 4)}


def test_a_collector_plan_beyond_the_margin_needs_approval(ledger: Ledger) -> None:
    collector = ledger.user("col", Role.COLLECTOR)
    manager = ledger.user("boss", Role.CREDIT_MANAGER)
    schedule = equal_instalments(150000, 6, date(2026, 3, 31))
    plan = plan_of(ledger, instalments=schedule, user=collector, penalties_waived=True)
    assert plan.status == PlanStatus.NEEDS_APPROVAL
    request = ApprovalRequest.objects.get(plan=plan)
    assert "6 instalments, the margin is 3" in request.why
    assert "days long, the margin is 90" in request.why
    assert {p.until for p in Pause.objects.all()} == {date(2026, 3, 9)}
    assert not PenaltyWaiver.objects.exists()
    decide(request, approve=True, user=manager, on=date(2026, 3, 3))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and plan.approved_by == manager
    assert {p.until for p in Pause.objects.all()} == {date(2026, 9, 5)}
    assert PenaltyWaiver.objects.count() == 2


# --------------------------------------------------------------------------- SEPA


def sepa_plan(ledger: Ledger) -> PaymentPlan:
    ledger.creditor.iban = "FR7630001007941234567890185"
    ledger.creditor.sepa_creditor_id = "FR72ZZZ123456"
    ledger.creditor.save()
    return plan_of(
        ledger,
        sepa_iban="DE89 3704 0044 0532 0130 00",
        sepa_mandate_ref="MANDAT-2026-001",
        sepa_mandate_date=date(2026, 3, 1),
    )


def test_sepa_file_of_the_instalments_due_validates_against_pain_008(ledger: Ledger) -> None:
    plan = sepa_plan(ledger)
    made = debit_file(ledger.creditor, date(2026, 3, 1), date(2026, 4, 30))
    assert made.count == 2 and made.total_minor == 100000
    xmlschema.XMLSchema(XSD).validate(made.xml.decode())
    root = etree.fromstring(made.xml)
    ns = {"p": root.nsmap[None]}
    assert root.nsmap[None].endswith("pain.008.001.08")
    assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "1000.00"
    txs = root.findall(".//p:DrctDbtTxInf", ns)
    assert [t.findtext(".//p:MndtId", namespaces=ns) for t in txs] == ["MANDAT-2026-001"] * 2
    assert [t.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) for t in txs] == [
        "DE89370400440532013000"
    ] * 2
    assert [t.findtext(".//p:EndToEndId", namespaces=ns) for t in txs] == [
        f"PLAN{plan.pk}-1",
        f"PLAN{plan.pk}-2",
    ]
    sequences = [p.findtext(".//p:SeqTp", namespaces=ns) for p in root.findall(".//p:PmtInf", ns)]
    assert sequences == ["FRST", "RCUR"]
    assert "FR72ZZZ123456" in made.xml.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"sepa_iban": "FR76 3000 6000 0112 3456 7890 188"}, "sepa_iban: .* is not a valid IBAN"),
        ({"sepa_mandate_ref": ""}, "sepa_mandate_ref: the mandate reference is required"),
        ({"sepa_mandate_ref": "MANDAT#1"}, "sepa_mandate_ref: at most 35"),
        ({"sepa_mandate_date": None}, "sepa_mandate_date: the date the mandate was signed"),
        ({"sepa_mandate_date": date(2026, 3, 3)}, "sepa_mandate_date: 2026-03-03 is after"),
        ({"sepa_iban": ""}, "sepa_iban: the debtor's IBAN is required"),
    ],
)
def test_bad_mandates_are_refused(ledger: Ledger, fields: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "sepa_iban": IBAN,
        "sepa_mandate_ref": "M-1",
        "sepa_mandate_date": date(2026, 3, 1),
    }
    args.update(fields)
    with pytest.raises(BadInput, match=message):
        plan_of(ledger, **args)
    assert not PaymentPlan.objects.exists()


def test_sepa_file_needs_the_creditor_identifier(ledger: Ledger) -> None:
    sepa_plan(ledger)
    ledger.creditor.sepa_creditor_id = ""
    ledger.creditor.save()
    with pytest.raises(BadInput, match="SEPA creditor identifier"):
        debit_file(ledger.creditor, date(2026, 3, 1), date(2026, 4, 30))
    ledger.creditor.sepa_creditor_id = "FR00ZZZ123456"
    ledger.creditor.save()
    with pytest.raises(BadInput, match="not a valid SEPA creditor identifier"):
        debit_file(ledger.creditor, date(2026, 3, 1), date(2026, 4, 30))


def test_sepa_file_with_nothing_due_is_refused(ledger: Ledger) -> None:
    sepa_plan(ledger)
    with pytest.raises(BadInput, match="no instalment with a direct-debit mandate is due"):
        debit_file(ledger.creditor, date(2026, 6, 1), date(2026, 6, 30))
    with pytest.raises(BadInput, match="to: 2026-05-01 is before from"):
        debit_file(ledger.creditor, date(2026, 6, 1), date(2026, 5, 1))
