"""The capture backend keeps every attachment of a message, in order, once per idempotency
key; the archived copy's page lists them with a download link, for people who may see the
customer; messages captured before keep their one attachment after the migration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from relance.accounts.models import Role
from relance.channels.base import Attachment, Outbound
from relance.channels.capture.backend import CaptureBackend
from relance.channels.models import CapturedAttachment, CapturedMessage
from relance.channels.tests.helpers import three_invoices_by_email
from relance.customers.models import Customer
from relance.testing import Ledger
from relance.web.tests.conftest import login

FILES = (
    Attachment("relance.pdf", b"%PDF-1.7 the letter", "application/pdf"),
    Attachment("F-1.pdf", b"%PDF-1.7 invoice F-1", "application/pdf"),
    Attachment("releve.csv", b"number;amount\nF-1;100.00\n", "text/csv"),
)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def message(key: str = "k-1", files: tuple[Attachment, ...] = FILES) -> Outbound:
    return Outbound(
        "email",
        key,
        "compta@acme.example",
        "Jeanne Martin",
        "Relance",
        "Bonjour",
        attachments=files,
    )


@pytest.mark.django_db
def test_every_attachment_is_stored_in_order() -> None:
    sent = CaptureBackend().send(message())
    row = CapturedMessage.objects.get(idempotency_key="k-1")
    assert sent.provider_id == f"capture-{row.pk}"
    stored = list(row.attachments.all())
    assert [(f.position, f.filename, f.content_type, f.size) for f in stored] == [
        (1, "relance.pdf", "application/pdf", 19),
        (2, "F-1.pdf", "application/pdf", 20),
        (3, "releve.csv", "text/csv", 25),
    ]
    assert [bytes(f.content) for f in stored] == [a.content for a in FILES]


@pytest.mark.django_db
def test_the_same_key_twice_stores_the_message_and_its_files_once() -> None:
    backend = CaptureBackend()
    first = backend.send(message())
    again = backend.send(message(files=FILES[:1]))  # a retry, even with other files
    assert first == again
    assert CapturedMessage.objects.count() == 1
    assert CapturedAttachment.objects.count() == 3


@pytest.mark.django_db
def test_a_message_without_attachment_stores_none() -> None:
    CaptureBackend().send(message(files=()))
    assert CapturedMessage.objects.get().attachments.count() == 0


@pytest.mark.django_db
def test_the_page_lists_and_serves_every_captured_file(ledger: Ledger, client: Client) -> None:
    copy = three_invoices_by_email(ledger)
    captured = CapturedMessage.objects.get(idempotency_key=copy.idempotency_key)
    files = list(captured.attachments.all())
    assert [f.filename for f in files] == ["F-1.pdf", "F-2.pdf", "F/3.pdf"]
    login(client, ledger.user("boss", Role.ADMIN))
    page = client.get(f"/correspondence/{copy.pk}/").content.decode()
    assert 'id="captured-attachments"' in page
    for f in files:
        link = f"/correspondence/{copy.pk}/captured/{f.position}/"
        assert link in page and f.filename in page
        served = client.get(link)
        assert served.status_code == 200 and served.content == bytes(f.content)
        assert served["Content-Type"] == "application/pdf"
        assert served["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/correspondence/{copy.pk}/captured/4/").status_code == 404


@pytest.mark.django_db
def test_captured_files_are_served_only_to_who_sees_the_customer(
    ledger: Ledger, client: Client
) -> None:
    copy = three_invoices_by_email(ledger)
    link = f"/correspondence/{copy.pk}/captured/1/"
    alice = ledger.user("alice", Role.COLLECTOR)
    bob = ledger.user("bob", Role.COLLECTOR)
    Customer.objects.filter(pk=copy.customer_id).update(assigned_collector=alice)
    login(client, alice)
    assert client.get(link).status_code == 200
    login(client, bob)  # a collector of other customers
    assert client.get(link).status_code == 404
    other = Ledger.create("Autre")
    login(client, other.user("autre", Role.ADMIN))  # another creditor
    assert client.get(link).status_code == 404
    client.logout()
    assert client.get(link).status_code in (302, 403)


@pytest.mark.django_db
def test_another_backend_shows_no_captured_copy(ledger: Ledger, client: Client) -> None:
    copy = three_invoices_by_email(ledger)
    copy.backend = "email"
    copy.save(update_fields=["backend"])
    login(client, ledger.user("boss", Role.ADMIN))
    page = client.get(f"/correspondence/{copy.pk}/").content.decode()
    assert 'id="captured"' not in page
    # the stored row of the same key is not reachable through a message of another backend
    assert client.get(f"/correspondence/{copy.pk}/captured/1/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_messages_captured_before_keep_their_attachment() -> None:
    executor = MigrationExecutor(connection)
    before = [("channels", "0006_sender_identity_reply_address")]
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps
        Old = old.get_model("channels", "CapturedMessage")
        common = {"channel": "letter", "recipient": "ACME", "body": "Madame, Monsieur"}
        Old.objects.create(
            idempotency_key="old-letter",
            attachment_name="old-letter.pdf",
            attachment=b"%PDF-1.7 a letter",
            **common,
        )
        Old.objects.create(
            idempotency_key="old-csv", attachment_name="list.csv", attachment=b"a;b\n", **common
        )
        Old.objects.create(idempotency_key="old-sms", **common)
    finally:
        MigrationExecutor(connection).migrate(latest)
    [letter] = CapturedMessage.objects.get(idempotency_key="old-letter").attachments.all()
    assert (letter.position, letter.filename, letter.content_type, letter.size) == (
        1,
        "old-letter.pdf",
        "application/pdf",
        17,
    )
    assert bytes(letter.content) == b"%PDF-1.7 a letter"
    [csv] = CapturedMessage.objects.get(idempotency_key="old-csv").attachments.all()
    assert csv.content_type == "text/csv" and bytes(csv.content) == b"a;b\n"
    assert not CapturedMessage.objects.get(idempotency_key="old-sms").attachments.exists()
