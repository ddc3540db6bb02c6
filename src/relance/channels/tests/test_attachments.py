"""Every attachment of a message is archived with its name, type and SHA-256, shown on the
archived copy's page and hash-checked in the evidence export; rows archived before keep
their hash (version 1) and stay readable after the migration."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from relance.accounts.models import Role
from relance.channels.models import Correspondence, CorrespondenceAttachment, content_hash
from relance.channels.tests.helpers import three_invoices_by_email
from relance.dunning.evidence import export_evidence
from relance.testing import Ledger
from relance.web.tests.conftest import login


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
def test_every_attachment_is_archived_with_name_type_and_hash(ledger: Ledger) -> None:
    copy = three_invoices_by_email(ledger)
    files = list(copy.attachments.all())
    assert [(f.position, f.filename, f.mimetype) for f in files] == [
        (1, "F-1.pdf", "application/pdf"),
        (2, "F-2.pdf", "application/pdf"),
        (3, "F/3.pdf", "application/pdf"),
    ]
    for f in files:
        assert f.sha256 == hashlib.sha256(bytes(f.content)).hexdigest()
    assert bytes(files[2].content) == b"%PDF-1.7 invoice F/3"
    assert copy.hash_version == 2 and copy.content_intact()
    expected = content_hash(
        copy.subject,
        copy.body,
        copy.recipient,
        [(f.filename, f.mimetype, bytes(f.content)) for f in files],
    )
    assert copy.sha256 == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"content": b"%PDF-1.7 forged"},  # the file itself
        {"filename": "F-2-bis.pdf"},  # its name: covered by the message's hash
        {"mimetype": "text/plain"},  # its type: covered too
    ],
)
def test_a_changed_attachment_is_detected(ledger: Ledger, change: dict[str, Any]) -> None:
    copy = three_invoices_by_email(ledger)
    CorrespondenceAttachment.objects.filter(correspondence=copy, position=2).update(**change)
    checked = copy.verify()
    assert not checked.intact
    assert [a.intact for a in checked.attachments] == [True, "content" not in change, True]
    assert not checked.message_intact  # the message's hash covers each file's name, type, hash
    result = export_evidence(copy.customer, today=date(2025, 4, 15))
    assert result.tampered == [copy.pk]


@pytest.mark.django_db
def test_the_page_lists_and_serves_each_attachment(ledger: Ledger, client: Client) -> None:
    copy = three_invoices_by_email(ledger)
    login(client, ledger.user("boss", Role.ADMIN))
    page = client.get(f"/correspondence/{copy.pk}/").content.decode()
    for f in copy.attachments.all():
        assert f.filename in page and f.sha256 in page
        assert f"/correspondence/{copy.pk}/attachment/{f.position}/" in page
    assert page.count("(content intact)") == 4  # the message and its three files
    third = client.get(f"/correspondence/{copy.pk}/attachment/3/")
    assert third.status_code == 200 and third.content == b"%PDF-1.7 invoice F/3"
    assert third["Content-Type"] == "application/pdf"
    assert "F_3.pdf" in third["Content-Disposition"] or "F/3" in third["Content-Disposition"]
    assert client.get(f"/correspondence/{copy.pk}/attachment/4/").status_code == 404
    other = Ledger.create("Autre")
    login(client, other.user("autre", Role.ADMIN))  # another creditor sees nothing
    assert client.get(f"/correspondence/{copy.pk}/attachment/1/").status_code == 404


@pytest.mark.django_db
def test_the_evidence_export_carries_and_checks_every_file(ledger: Ledger) -> None:
    copy = three_invoices_by_email(ledger)
    result = export_evidence(copy.customer, today=date(2025, 4, 15))
    assert result.tampered == []
    archive = zipfile.ZipFile(io.BytesIO(result.content))
    index = json.loads(archive.read("index.json"))
    [entry] = [e for e in index["entries"] if e["kind"] == "message"]
    assert [a["filename"] for a in entry["attachments"]] == ["F-1.pdf", "F-2.pdf", "F/3.pdf"]
    assert all(a["intact"] and a["computed_sha256"] == a["sha256"] for a in entry["attachments"])
    names = [a["file"] for a in entry["attachments"]]
    assert names[2].endswith("-3-F_3.pdf") and entry["files"] == [entry["files"][0], *names]
    assert [archive.read(n) for n in names] == [
        bytes(f.content) for f in copy.attachments.order_by("position")
    ]
    text = archive.read(entry["files"][0]).decode()
    assert "Attachment 3: F/3.pdf (application/pdf, 20 bytes)" in text
    assert text.count("SHA-256 computed:") == 4


def _legacy_hash(subject: str, body: str, recipient: str, attachment: bytes) -> str:
    """The archive's hash as computed before messages kept several attachments."""
    digest = hashlib.sha256()
    for part in (recipient, subject, body):
        digest.update(part.encode("utf-8") + b"\x00")
    digest.update(attachment)
    return digest.hexdigest()


@pytest.mark.django_db(transaction=True)
def test_rows_archived_before_are_migrated_and_still_check(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    executor = MigrationExecutor(connection)
    before = [("channels", "0003_tracking_feedback_settings")]
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps
        Old = old.get_model("channels", "Correspondence")
        letter = b"%PDF-1.7 a letter as archived in 2025"
        common = {
            "creditor_id": ledger.creditor.pk,
            "customer_id": acme.pk,
            "channel": "letter",
            "backend": "capture",
            "recipient": "ACME\n3 rue Neuve",
            "subject": "Relance",
            "body": "Madame, Monsieur…",
            "sent_at": datetime(2025, 4, 1, 9, tzinfo=UTC),
        }
        Old.objects.create(
            idempotency_key="old-letter",
            attachment_name="old-letter.pdf",
            attachment=letter,
            sha256=_legacy_hash("Relance", "Madame, Monsieur…", "ACME\n3 rue Neuve", letter),
            **common,
        )
        Old.objects.create(
            idempotency_key="old-altered",
            attachment_name="old-altered.pdf",
            attachment=letter + b" and changed later",
            sha256=_legacy_hash("Relance", "Madame, Monsieur…", "ACME\n3 rue Neuve", letter),
            **common,
        )
        Old.objects.create(
            idempotency_key="old-email",
            sha256=_legacy_hash("Relance", "Madame, Monsieur…", "ACME\n3 rue Neuve", b""),
            **common,
        )
    finally:
        MigrationExecutor(connection).migrate(latest)
    kept = Correspondence.objects.get(idempotency_key="old-letter")
    [file] = kept.attachments.all()
    assert (file.filename, file.mimetype, bytes(file.content)) == (
        "old-letter.pdf",
        "application/pdf",
        letter,
    )
    assert kept.hash_version == 1 and kept.content_intact()
    assert not Correspondence.objects.get(idempotency_key="old-altered").content_intact()
    plain = Correspondence.objects.get(idempotency_key="old-email")
    assert plain.content_intact() and not plain.attachments.exists()
    result = export_evidence(acme, today=date(2025, 4, 15))
    assert result.tampered == [Correspondence.objects.get(idempotency_key="old-altered").pk]
