"""The evidence zip: every archived message with a checked hash, the ledger, decisions, in order."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from relance.channels.models import Correspondence
from relance.cli import app
from relance.customers.models import Customer
from relance.dunning.evidence import export_evidence
from relance.dunning.manual import send_now
from relance.dunning.models import Action, ActionStatus, Pause
from relance.dunning.outbox import dispatch
from relance.dunning.sending import plan_statement
from relance.dunning.services import Decision, decide, plan_run
from relance.testing import Ledger

DUE = date(2025, 3, 31)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def history(ledger: Ledger) -> Customer:
    """Three archived messages (a run's email, a manual letter, a statement), a pause, a skip."""
    c = ledger.customer("ACME", address_line1="3 rue Neuve", postal_code="69001", city="Lyon")
    ledger.contact(c, "compta@acme.example", first_name="Jeanne", is_primary_billing=True)
    inv = ledger.invoice(c, "F-1", "1200.00", issued="2025-03-01", due=DUE)
    ledger.invoice(c, "F-2", "300.00", issued="2025-03-05", due=DUE)
    ledger.payment(c, "200.00", on="2025-04-03", pays=[inv], reference="VIR ACME")
    boss = ledger.user("boss")
    plan_run(ledger.creditor, DUE + timedelta(days=1))
    dispatch(now=at(DUE + timedelta(days=1)))
    send_now(c, "EUR", DUE + timedelta(days=9), channel="letter", tone="firm", user=boss)
    dispatch(now=at(DUE + timedelta(days=9)))
    plan_statement(c, "EUR", DUE + timedelta(days=10))
    dispatch(now=at(DUE + timedelta(days=10)))
    Pause.objects.create(creditor=ledger.creditor, customer=c, reason="litige en cours")
    waiting = Action.objects.create(  # as the run writes a step that needs approval
        creditor=ledger.creditor,
        customer=c,
        currency="EUR",
        as_of=DUE + timedelta(days=45),
        step_key="j+45",
        step_offset=45,
        channel="registered_letter",
        tone="formal",
        kind="formal_notice",
        status=ActionStatus.NEEDS_APPROVAL,
        total_minor=130000,
        overdue_total_minor=130000,
        idempotency_key="test:formal-notice",
    )
    decide(ledger.creditor.pk, [waiting.pk], Decision.SKIP, reason="déjà appelé", user=boss)
    assert Correspondence.objects.count() == 3
    return c


def read(content: bytes) -> tuple[zipfile.ZipFile, dict[str, object]]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return archive, json.loads(archive.read("index.json"))


@pytest.mark.django_db
def test_index_lists_every_message_with_its_hash(ledger: Ledger) -> None:
    c = history(ledger)
    result = export_evidence(c, today=date(2025, 4, 15))
    assert result.tampered == []
    archive, index = read(result.content)
    entries = index["entries"]
    assert isinstance(entries, list)
    messages = [e for e in entries if e["kind"] == "message"]
    archived = list(Correspondence.objects.order_by("sent_at", "id"))
    assert [e["sha256"] for e in messages] == [row.sha256 for row in archived]
    assert all(e["intact"] and e["computed_sha256"] == e["sha256"] for e in messages)
    for entry, row in zip(messages, archived, strict=True):
        text = archive.read(entry["files"][0]).decode()
        assert row.body in text and f"SHA-256 archived: {row.sha256}" in text
        files = list(row.attachments.all())
        assert len(entry["files"]) == 1 + len(files)
        assert [a["sha256"] for a in entry["attachments"]] == [f.sha256 for f in files]
        for name, file in zip(entry["files"][1:], files, strict=True):
            assert archive.read(name) == bytes(file.content)
    # chronological, with the ledger and the decisions
    assert [e["at"][:10] for e in entries] == sorted(e["at"][:10] for e in entries)
    kinds = {e["kind"] for e in entries}
    assert {"invoice", "payment", "allocation", "pause", "decision", "manual", "message"} <= kinds
    assert any("écartée par boss : déjà appelé" in e["text"] for e in entries)
    assert "VIR ACME" in archive.read("ledger.csv").decode()
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read("index.pdf"))).pages)
    for row in archived:
        assert row.sha256 in pdf.replace("\n", "")
    assert "3 messages archivés ; 0 altéré(s)." in pdf


@pytest.mark.django_db
def test_a_tampered_row_is_reported(ledger: Ledger) -> None:
    c = history(ledger)
    row = Correspondence.objects.order_by("sent_at").first()
    assert row is not None
    Correspondence.objects.filter(pk=row.pk).update(body=row.body + "\nPS: ajouté après coup")
    result = export_evidence(c, today=date(2025, 4, 15))
    assert result.tampered == [row.pk]
    archive, index = read(result.content)
    assert index["tampered"] == [row.pk]
    entries = index["entries"]
    assert isinstance(entries, list)
    flagged = [e for e in entries if e["kind"] == "message" and not e["intact"]]
    assert len(flagged) == 1 and flagged[0]["sha256"] == row.sha256
    assert flagged[0]["computed_sha256"] != row.sha256
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read("index.pdf"))).pages)
    assert "ALTÉRÉ" in pdf and "1 altéré(s)" in pdf


@pytest.mark.django_db(transaction=True)
def test_cli_export_and_bad_input(ledger: Ledger, tmp_path: Path) -> None:
    c = history(ledger)
    runner = CliRunner()
    target = tmp_path / "acme.zip"
    ok = runner.invoke(app, ["evidence", "export", "--customer", str(c.pk), "--out", str(target)])
    assert ok.exit_code == 0, ok.output
    assert "3 archived messages checked" in ok.stdout
    assert zipfile.ZipFile(target).read("index.json")
    Correspondence.objects.filter(pk=Correspondence.objects.first().pk).update(subject="changed")  # type: ignore[union-attr]
    bad = runner.invoke(app, ["evidence", "export", "--customer", str(c.pk), "--out", str(target)])
    assert bad.exit_code == 1 and "no longer match" in bad.stderr
    for args, message in (
        (["--customer", "999999", "--out", str(target)], "no customer 999999"),
        (["--customer", str(c.pk), "--out", str(tmp_path / "x.txt")], "must end in .zip"),
        (["--customer", str(c.pk), "--out", str(tmp_path / "no" / "x.zip")], "does not exist"),
    ):
        result = runner.invoke(app, ["evidence", "export", *args])
        assert result.exit_code == 2 and message in result.stderr, result.output
