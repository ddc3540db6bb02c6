"""Sender identity per creditor and invoice PDFs, read back from a real SMTP server."""

from __future__ import annotations

from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.files.base import ContentFile
from django.test import override_settings

from relance.channels.email.sink import Sink, free_port, smtp_settings
from relance.channels.models import SenderIdentity
from relance.channels.tests.helpers import customer, send_step
from relance.ledger.models import Invoice
from relance.testing import Ledger

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def received(ledger: Ledger) -> Message:
    inbox = Sink()
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        with override_settings(**smtp_settings(port)):
            send_step(ledger, "email")
    finally:
        server.stop()
    [message] = inbox.messages
    return message


def pdf_parts(message: Message) -> dict[str, bytes]:
    return {
        str(part.get_filename()): bytes(part.get_payload(decode=True) or b"")
        for part in message.walk()
        if part.get_content_type() == "application/pdf"
    }


def test_without_identity_the_creditor_signs_and_receives_the_replies(ledger: Ledger) -> None:
    ledger.creditor.email = "compta@durand.example"
    ledger.creditor.save()
    customer(ledger)
    message = received(ledger)
    assert message["From"] == "Atelier Durand SARL <compta@durand.example>"
    assert message["Reply-To"] == "compta@durand.example"
    assert pdf_parts(message) == {}  # the invoice has no stored PDF


def test_the_identity_sets_from_and_reply_to_and_invoice_pdfs_are_attached(
    ledger: Ledger,
) -> None:
    ledger.creditor.email = "contact@durand.example"
    ledger.creditor.save()
    SenderIdentity.objects.create(
        creditor=ledger.creditor,
        from_name="Durand – comptabilité",
        from_email="relances@mail.durand.example",
        reply_to="recouvrement@durand.example",
    )
    acme = customer(ledger)
    invoice = Invoice.objects.get(customer=acme)
    invoice.pdf.save("F-1.pdf", ContentFile(b"%PDF-1.7 invoice F-1"))
    message = received(ledger)
    assert "relances@mail.durand.example" in message["From"]
    assert message["Reply-To"] == "recouvrement@durand.example"
    assert pdf_parts(message) == {"F-1.pdf": b"%PDF-1.7 invoice F-1"}


def test_invoice_pdfs_can_be_left_out(ledger: Ledger) -> None:
    SenderIdentity.objects.create(creditor=ledger.creditor, attach_invoices=False)
    acme = customer(ledger)
    Invoice.objects.get(customer=acme).pdf.save("F-1.pdf", ContentFile(b"%PDF-1.7"))
    assert pdf_parts(received(ledger)) == {}


def test_a_missing_pdf_file_does_not_stop_the_reminder(ledger: Ledger, tmp_path: Path) -> None:
    acme = customer(ledger)
    invoice = Invoice.objects.get(customer=acme)
    invoice.pdf.save("F-1.pdf", ContentFile(b"%PDF-1.7"))
    Path(invoice.pdf.path).unlink()
    message = received(ledger)
    text = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    assert text and "F-1" in bytes(text[0].get_payload(decode=True) or b"").decode()
    assert pdf_parts(message) == {}
