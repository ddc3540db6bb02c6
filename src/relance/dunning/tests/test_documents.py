"""Account statements and invoices sent through the outbox; the settings that schedule them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from relance.channels.models import CapturedMessage, Correspondence
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.dunning.documents import build_statement
from relance.dunning.models import Action, ActionStatus, Origin, SendingSettings
from relance.dunning.outbox import dispatch
from relance.dunning.sending import plan_documents, plan_invoice, plan_statement
from relance.dunning.services import plan_run
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DAY = date(2025, 4, 5)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def customer(ledger: Ledger, name: str = "ACME", **fields: object) -> Customer:
    c = ledger.customer(
        name, address_line1="3 rue Neuve", postal_code="69001", city="Lyon", **fields
    )
    ledger.contact(
        c, f"compta@{name.lower()}.example", first_name="Jeanne", is_primary_billing=True
    )
    return c


def books(ledger: Ledger) -> Customer:
    c = customer(ledger)
    ledger.invoice(c, "F-10", "1000.00", issued="2025-01-10", due="2025-02-09")
    part = ledger.invoice(c, "F-11", "600.00", issued="2025-03-01", due="2025-03-31")
    ledger.invoice(c, "F-12", "250.00", issued="2025-04-01", due="2025-05-01")
    paid = ledger.invoice(c, "F-09", "80.00", issued="2025-01-01", due="2025-01-31")
    ledger.payment(c, "80.00", on="2025-02-01", pays=[paid], reference="OLD")  # before the period
    ledger.payment(c, "200.00", on="2025-03-20", pays=[part], reference="VIR 1")
    ledger.payment(c, "50.00", on="2025-04-02", reference="VIR 2")  # on account, unmatched
    ledger.invoice(c, "F-13", "999.00", issued="2025-04-20", due="2025-05-20")  # after the date
    return c


def test_statement_lists_open_items_payments_and_balance(ledger: Ledger) -> None:
    c = books(ledger)
    s = build_statement(c, "EUR", DAY)
    assert [(i.number, i.open_minor, i.days_overdue) for i in s.items] == [
        ("F-10", 100000, 55),
        ("F-11", 40000, 5),
        ("F-12", 25000, 0),
    ]
    assert s.since == date(2025, 3, 5)
    assert [(p.reference, p.amount_minor) for p in s.payments] == [
        ("VIR 1", 20000),
        ("VIR 2", 5000),
    ]
    assert (s.open_total_minor, s.on_account_minor, s.balance_minor) == (165000, 5000, 160000)


def test_statement_sent_by_email_with_its_pdf(ledger: Ledger) -> None:
    c = books(ledger)
    planned = plan_statement(c, "EUR", DAY, user=ledger.user("boss"))
    assert planned.created and planned.action.origin == Origin.MANUAL
    assert not plan_statement(c, "EUR", DAY).created  # once a day on demand
    assert dispatch(now=at(DAY)) == {"sent": 1}
    mail = CapturedMessage.objects.get()
    assert mail.subject.startswith("Relevé de compte au 05/04/2025")
    assert "Solde de votre compte : 1\u202f600,00\xa0€" in mail.body
    archived = Correspondence.objects.get()
    [statement] = archived.attachments.all()
    assert archived.content_intact() and statement.filename.endswith(".pdf")
    text = pdf_text(bytes(statement.content))
    for number, amount, open_, late in (
        ("F-10", "1 000,00 €", "1 000,00 €", "55"),
        ("F-11", "600,00 €", "400,00 €", "5"),
        ("F-12", "250,00 €", "250,00 €", "0"),
    ):
        row = next(line for line in text.splitlines() if line.startswith(number))
        squashed = row.replace("\u202f", " ").replace("\xa0", " ")
        assert amount in squashed and open_ in squashed and squashed.rstrip().endswith(late), row
    flat = text.replace("\u202f", " ").replace("\xa0", " ")
    assert "F-13" not in flat and "F-09" not in flat
    assert "VIR 1" in flat and "VIR 2" in flat and "OLD" not in flat
    assert "Solde du compte 1 600,00 €" in flat
    assert "ACME" in flat and "3 rue Neuve" in flat and "Atelier Durand SARL" in flat


def test_statement_by_letter_and_refusals(ledger: Ledger) -> None:
    c = books(ledger)
    planned = plan_statement(c, "EUR", DAY, channel="letter")
    dispatch(now=at(DAY))
    archived = Correspondence.objects.get(action=planned.action)
    [letter] = archived.attachments.all()
    text = pdf_text(bytes(letter.content)).replace("\u202f", " ").replace("\xa0", " ")
    assert "Veuillez trouver ci-dessous votre relevé" in text and "Solde du compte" in text
    with pytest.raises(BadInput, match="email or letter"):
        plan_statement(c, "EUR", DAY, channel="sms")
    with pytest.raises(BadInput, match="no open invoice in USD"):
        plan_statement(c, "USD", DAY)


def test_statement_cancelled_when_everything_was_paid_meanwhile(ledger: Ledger) -> None:
    c = customer(ledger)
    inv = ledger.invoice(c, "F-1", "100.00", issued="2025-03-01", due="2025-03-31")
    planned = plan_statement(c, "EUR", DAY)
    ledger.payment(c, "100.00", on=DAY, pays=[inv])
    assert dispatch(now=at(DAY)) == {"cancelled": 1}
    planned.action.refresh_from_db()
    assert planned.action.status == ActionStatus.CANCELLED


def test_scheduled_statements_on_the_day_of_month(ledger: Ledger) -> None:
    books(ledger)
    quiet = customer(ledger, "Quiet")  # nothing open: no statement
    ledger.invoice(quiet, "Q-1", "10.00", issued="2025-01-01", due="2025-01-31")
    ledger.payment(quiet, "10.00", on="2025-02-01", pays=[quiet.invoices.get()])
    assert plan_documents(ledger.creditor, DAY) == {"statements": 0, "invoices": 0}  # off
    SendingSettings.objects.create(creditor=ledger.creditor, statement_day=5)
    assert plan_documents(ledger.creditor, date(2025, 4, 4)) == {"statements": 0, "invoices": 0}
    assert plan_documents(ledger.creditor, DAY) == {"statements": 1, "invoices": 0}
    assert plan_documents(ledger.creditor, DAY) == {"statements": 0, "invoices": 0}  # once
    action = Action.objects.get()
    assert (action.kind, action.origin, action.customer.legal_name) == (
        "statement",
        Origin.SCHEDULE,
        "ACME",
    )
    # The next day's run does not supersede a document, and documents are not contacts.
    plan_run(ledger.creditor, date(2025, 4, 6))
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


def test_invoice_sent_on_its_issue_date_with_terms_and_penalties(ledger: Ledger) -> None:
    c = customer(ledger)
    ledger.creditor.email = "compta@durand.example"
    ledger.creditor.save()
    inv = ledger.invoice(c, "F-2025-077", "1440.00", issued=DAY, due="2025-05-05")
    inv.pdf.save("F-2025-077.pdf", ContentFile(b"%PDF-1.7 invoice"), save=True)
    ledger.invoice(c, "F-OLD", "10.00", issued="2025-03-01", due="2025-03-31")
    SendingSettings.objects.create(creditor=ledger.creditor, send_invoices=True)
    assert plan_documents(ledger.creditor, DAY) == {"statements": 0, "invoices": 1}
    assert plan_documents(ledger.creditor, DAY)["invoices"] == 0
    assert dispatch(now=at(DAY)) == {"sent": 1}
    mail = CapturedMessage.objects.get()
    assert mail.subject == "Facture F-2025-077 – Atelier Durand SARL"
    assert "Veuillez trouver ci-joint notre facture F-2025-077 du 05/04/2025" in mail.body
    assert "payable au plus tard le 05/05/2025" in mail.body
    assert "règlement à 30 jours" in mail.body
    assert "L441-10" in mail.body and "40,00\xa0€" in mail.body
    archived = Correspondence.objects.get()
    [invoice] = archived.attachments.all()
    assert bytes(invoice.content) == b"%PDF-1.7 invoice"
    assert (invoice.filename, invoice.mimetype) == ("F-2025-077.pdf", "application/pdf")


def test_invoice_to_a_consumer_states_no_indemnity(ledger: Ledger) -> None:
    c = customer(ledger, "Martin", kind="b2c")
    inv = ledger.invoice(c, "F-5", "90.00", issued=DAY, due="2025-04-20")
    plan_invoice(inv, DAY)
    dispatch(now=at(DAY))
    mail = CapturedMessage.objects.get()
    assert "ci-dessous les références de notre facture F-5" in mail.body
    assert "indemnité" not in mail.body and "L441-10" not in mail.body


def test_settings_in_the_admin_with_an_audit_event(ledger: Ledger) -> None:
    from auditlog.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.test import Client

    root = get_user_model().objects.create_superuser("root", password="pw-relance-2025")
    client = Client()
    client.force_login(root)
    response = client.post(
        "/admin/dunning/sendingsettings/add/",
        {
            "creditor": ledger.creditor.pk,
            "statement_day": "5",
            "statement_channel": "email",
            "send_invoices": "on",
        },
    )
    assert response.status_code == 302, response.content
    assert client.get("/admin/dunning/sendingsettings/").status_code == 200
    saved = SendingSettings.objects.get()
    assert (saved.statement_day, saved.send_invoices) == (5, True)
    assert LogEntry.objects.get_for_object(saved).exists()
    refused = client.post(
        "/admin/dunning/sendingsettings/add/",
        {"creditor": Ledger.create("Autre").creditor.pk, "statement_day": "31"},
    )
    assert refused.status_code == 200 and SendingSettings.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_worker_tick_plans_documents_even_when_the_day_was_planned(ledger: Ledger) -> None:
    from django.utils import timezone
    from typer.testing import CliRunner

    from relance.cli import app

    today = timezone.localdate()
    c = customer(ledger)
    ledger.invoice(c, "F-TODAY", "120.00", issued=today, due=today)
    SendingSettings.objects.create(creditor=ledger.creditor, send_invoices=True)
    plan_run(ledger.creditor, today)  # "Plan today's reminders" before the worker's tick
    result = CliRunner().invoke(app, ["worker", "--once", "--tick", "--json"])
    assert result.exit_code == 0, result.output
    sent = CapturedMessage.objects.filter(subject__startswith="Facture F-TODAY")
    assert sent.count() == 1


def test_invoice_paid_before_the_worker_sends_it_is_not_sent(ledger: Ledger) -> None:
    c = customer(ledger)
    inv = ledger.invoice(c, "F-6", "90.00", issued=DAY, due="2025-04-20")
    planned = plan_invoice(inv, DAY)
    assert not plan_invoice(inv, DAY).created  # one action per invoice, ever
    ledger.payment(c, "90.00", on=DAY, pays=[inv])
    assert dispatch(now=at(DAY)) == {"cancelled": 1}
    planned.action.refresh_from_db()
    assert planned.action.reason == "paid or credited since it was planned"
    assert not CapturedMessage.objects.exists()


def test_a_statement_is_not_a_contact_for_the_contact_rules(ledger: Ledger) -> None:
    c = customer(ledger)
    ledger.invoice(c, "F-7", "300.00", issued="2025-03-01", due="2025-04-04")
    plan_statement(c, "EUR", DAY)
    assert dispatch(now=at(DAY)) == {"sent": 1}
    # The day after, the courtesy reminder j+1 is not held back by the 3-day cooldown.
    result = plan_run(ledger.creditor, date(2025, 4, 6))
    assert [a.step.key for a in result.actions] == ["j+1"]
