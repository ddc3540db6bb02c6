"""Bad inbound emails are read as far as they can be, and what was wrong is said."""

from __future__ import annotations

import hashlib

import pytest

from relance.replies.parsing import Limits, parse
from relance.replies.tests.helpers import email

LIMITS = Limits(max_attachment=1000, max_attachments=3)


def test_a_plain_reply() -> None:
    parsed = parse(email(), LIMITS)
    assert parsed.message_id == "<reply-1@acme.example>"
    assert parsed.from_address == "compta@acme.example"
    assert parsed.from_name == "Jeanne Martin"
    assert parsed.to == ["relances@durand.example"]
    assert parsed.subject == "Re: Relance facture F-1"
    assert parsed.text == "Bonjour, nous réglerons la facture le 15/04."
    assert parsed.sent_at is not None and parsed.sent_at.isoformat() == "2025-03-31T09:30:00+00:00"
    assert parsed.problems == []


def test_no_headers_at_all() -> None:
    raw = b"\r\nJust some text, no header.\r\n"
    parsed = parse(raw, LIMITS)
    assert "the message has no headers" in parsed.problems
    assert "no sender address (From)" in parsed.problems
    digest = hashlib.sha256(raw).hexdigest()
    assert parsed.message_id == f"<{digest}@no-message-id.relance.invalid>"
    assert parsed.text == "Just some text, no header."
    assert parsed.sent_at is None


def test_broken_mime_is_read_as_far_as_it_goes() -> None:
    raw = (
        b"From: a@acme.example\r\nSubject: broken\r\nMessage-ID: <b@x>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="nope"\r\n\r\n'
        b"There is no boundary here at all.\r\n"
    )
    parsed = parse(raw, LIMITS)
    assert any(p.startswith("the message is malformed") for p in parsed.problems)
    assert "no boundary" in parsed.text or parsed.text == ""


def test_an_unknown_charset_and_a_lying_one() -> None:
    raw = (
        b"From: a@acme.example\r\nMessage-ID: <c@x>\r\nSubject: =?x-unknown?q?Caf=E9?=\r\n"
        b"Content-Type: text/plain; charset=x-klingon\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"Nous r\xe9glerons le 15/04.\r\n"
    )
    parsed = parse(raw, LIMITS)
    assert parsed.text == "Nous réglerons le 15/04."  # read as Windows-1252
    assert "text part: unknown charset 'x-klingon'" in parsed.problems
    assert any("encoded words cannot be read" in p for p in parsed.problems)


def test_utf8_declared_but_latin1_sent() -> None:
    raw = (
        b"From: a@acme.example\r\nMessage-ID: <d@x>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nPay\xe9 le 3 avril\r\n"
    )
    parsed = parse(raw, LIMITS)
    assert parsed.text == "Payé le 3 avril"
    assert "text part: not valid utf-8, read as cp1252" in parsed.problems


def test_undecodable_bytes_are_replaced() -> None:
    # 0x81 is undefined in Windows-1252 and invalid as UTF-8
    raw = (
        b"From: a@acme.example\r\nMessage-ID: <e@x>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nabc \x81\xff def\r\n"
    )
    parsed = parse(raw, LIMITS)
    assert parsed.text == "abc \ufffd\ufffd def"
    assert "text part: undecodable bytes replaced" in parsed.problems


def test_raw_8bit_headers_and_nul_bytes_are_made_safe() -> None:
    raw = (
        "From: Jérôme <j@acme.example>\r\nSubject: Réglé\r\nMessage-ID: <f@x>\r\n\r\nok\x00\r\n"
    ).encode()
    parsed = parse(raw, LIMITS)
    assert parsed.from_name == "Jérôme"
    assert parsed.subject == "Réglé"
    assert "\x00" not in parsed.text


def test_a_bad_date_header_is_reported() -> None:
    parsed = parse(email().replace(b"Date: ", b"Date: yesterday-ish ", 1), LIMITS)
    assert parsed.sent_at is None
    assert any(p.startswith("Date header") for p in parsed.problems)


def test_an_html_only_body_becomes_text() -> None:
    raw = (
        b"From: a@acme.example\r\nMessage-ID: <g@x>\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>Nous r&eacute;glerons</p><script>steal()</script><p>le 15/04</p>"
    )
    parsed = parse(raw, LIMITS)
    assert parsed.text == "Nous réglerons\n\nle 15/04"


def test_the_plain_part_is_preferred_to_the_html_one() -> None:
    parsed = parse(email(text="plain words", html="<p>html words</p>"), LIMITS)
    assert parsed.text == "plain words"


def test_attachments_kept_and_refused() -> None:
    raw = email(
        attachments=[
            ("avis.pdf", "application/pdf", b"%PDF-1.4 remittance"),
            ("big.pdf", "application/pdf", b"x" * 1001),
            ("setup.exe", "application/octet-stream", b"MZ\x90\x00"),
            ("facture.pdf", "application/pdf", b"MZ hidden program"),
            ("run.js", "application/javascript", b"alert(1)"),
        ]
    )
    parsed = parse(raw, LIMITS)
    got = [(a.name, a.size, a.refused.split(" (")[0]) for a in parsed.attachments]
    assert got == [
        ("avis.pdf", 19, ""),
        ("big.pdf", 1001, "larger than the limit of 0 MB"),
        ("setup.exe", 4, "files of type .exe are not accepted"),
        ("facture.pdf", 17, "the file is a program, which is not accepted"),
        ("run.js", 8, "files of type .js are not accepted"),
    ]
    assert parsed.attachments[0].content == b"%PDF-1.4 remittance"
    assert parsed.attachments[0].sha256 == hashlib.sha256(b"%PDF-1.4 remittance").hexdigest()
    assert all(a.content == b"" for a in parsed.attachments[1:])


def test_too_many_attachments() -> None:
    raw = email(attachments=[(f"a{n}.txt", "text/plain", b"x") for n in range(5)])
    refused = [a.refused for a in parse(raw, LIMITS).attachments]
    assert refused[:3] == ["", "", ""]
    assert refused[3:] == ["more than 3 attachments in one message"] * 2


def test_attachment_names_are_names_not_paths() -> None:
    raw = email(attachments=[("../../etc/passwd", "text/plain", b"x")])
    assert parse(raw, LIMITS).attachments[0].name == "passwd"


def test_a_forwarded_message_is_one_attachment() -> None:
    inner = email(text="the forwarded text", message_id="<inner@x>")
    raw = (
        b"From: a@acme.example\r\nMessage-ID: <outer@x>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
        b"--B\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--B--\r\n"
    )
    parsed = parse(raw, Limits(max_attachment=10**6))
    assert parsed.text == "see below"
    assert [a.name for a in parsed.attachments] == ["message.eml"]
    assert b"the forwarded text" in parsed.attachments[0].content


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("In-Reply-To: <a@x> <b@x>", ("<a@x> <b@x>", [])),
        ("References: <a@x>\r\n <b@x>", ("", ["<a@x>", "<b@x>"])),
        ("In-Reply-To: not an id", ("", [])),
    ],
)
def test_thread_headers(header: str, expected: tuple[str, list[str]]) -> None:
    raw = f"From: a@acme.example\r\nMessage-ID: <h@x>\r\n{header}\r\n\r\nok\r\n".encode()
    parsed = parse(raw, LIMITS)
    assert (parsed.in_reply_to, parsed.references) == expected
