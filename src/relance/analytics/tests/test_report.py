"""The weekly management report, sent to a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from relance.channels.email.sink import Sink, free_port, smtp_settings
from relance.cli.base import app
from relance.testing import Ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(settings: Any) -> Iterator[Sink]:
    port = free_port()
    for name, value in smtp_settings(port).items():
        setattr(settings, name, value)
    sink = Sink()
    server = Controller(sink, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield sink
    finally:
        server.stop()


def test_the_report_is_sent_with_tables_charts_and_csv(ledger: Ledger, inbox: Sink) -> None:
    a = ledger.customer("Alpha SAS", segment="industrie")
    ledger.invoice(a, "A1", "1000.00", issued="2025-01-05", due="2025-02-04")
    result = CliRunner().invoke(
        app, ["report", "weekly", "--to", "dg@atelier.example", "--date", "2025-03-31"]
    )
    assert result.exit_code == 0, result.output
    (message,) = inbox.messages
    assert message["To"] == "dg@atelier.example"
    assert "rapport" in str(message["Subject"]) and "31/03/2025" in str(message["Subject"])
    parts = {p.get_filename() or p.get_content_type(): p for p in message.walk()}
    assert "overdue.svg" in parts and "dso.svg" in parts
    segments = _bytes(parts["segments-2025-03-31.csv"]).decode("utf-8-sig")
    assert "industrie;1000.00;100.0" in segments
    html = _bytes(parts["text/html"]).decode()
    assert "Alpha SAS" in html


def _bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--to", "not-an-address"], "--to not-an-address"),
        (["--to", "a@b.example", "--date", "31/02/2025"], "--date"),
        (["--to", "a@b.example", "--lang", "de"], "--lang"),
    ],
)
def test_bad_arguments(ledger: Ledger, inbox: Sink, args: list[str], expected: str) -> None:
    result = CliRunner().invoke(app, ["report", "weekly", *args])
    assert result.exit_code == 2
    assert expected in result.output
    assert not inbox.messages


def test_an_unreachable_mail_server(ledger: Ledger, settings: Any) -> None:
    for name, value in smtp_settings(free_port()).items():
        setattr(settings, name, value)
    result = CliRunner().invoke(app, ["report", "weekly", "--to", "a@b.example"])
    assert result.exit_code == 2
    assert "unreachable" in result.output
