"""An inbound email read from its raw bytes, whatever state it arrives in.

`parse(raw, limits)` never raises for a bad message: a message with no headers, broken
MIME, an unknown or lying charset or undecodable bytes is read as far as it can be, and
every such problem is listed in `Parsed.problems` (shown on the reply page). Text parts
are decoded with their charset, else UTF-8, else Windows-1252; bytes that fit none are
replaced. An HTML body is converted to plain text (`relance.domain.replies.html_to_text`):
it is never rendered.

Attachments are checked here: larger than `limits.max_attachment`, of a forbidden type
(programs and scripts, by name, declared type or content), or beyond
`limits.max_attachments` in one message, they are listed with the reason and their
content is dropped.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message

from relance.domain.replies import html_to_text

#: Extensions refused whatever their declared type: programs, scripts, macro documents.
FORBIDDEN_EXTENSIONS = frozenset(
    {
        ".exe",
        ".com",
        ".bat",
        ".cmd",
        ".scr",
        ".pif",
        ".cpl",
        ".dll",
        ".msi",
        ".msp",
        ".jar",
        ".js",
        ".jse",
        ".vbs",
        ".vbe",
        ".wsf",
        ".wsh",
        ".ps1",
        ".hta",
        ".lnk",
        ".reg",
        ".sh",
        ".apk",
        ".app",
        ".docm",
        ".xlsm",
        ".pptm",
    }
)
FORBIDDEN_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-dosexec",
        "application/x-executable",
        "application/x-sh",
        "application/x-msi",
        "application/java-archive",
        "application/javascript",
        "text/javascript",
        "application/x-javascript",
        "application/hta",
        "application/vnd.ms-word.document.macroenabled.12",
        "application/vnd.ms-excel.sheet.macroenabled.12",
    }
)
#: Programs recognised by their first bytes (Windows PE, ELF, Mach-O).
FORBIDDEN_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf")


@dataclass(frozen=True, slots=True)
class Limits:
    max_attachment: int
    max_attachments: int = 50


@dataclass(slots=True)
class Part:
    name: str
    content_type: str
    size: int
    content: bytes = b""
    refused: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest() if not self.refused else ""


@dataclass(slots=True)
class Parsed:
    message_id: str
    in_reply_to: str
    references: list[str]
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    #: every address the message was delivered to: To, Cc, Delivered-To, X-Original-To
    recipients: list[str]
    subject: str
    sent_at: datetime | None
    text: str
    #: the headers the classification reads (lower-case names)
    headers: dict[str, str]
    attachments: list[Part] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


AUTO_HEADERS = ("auto-submitted", "x-autoreply", "x-autorespond", "x-autoresponder", "precedence")


def refusal(name: str, content_type: str, size: int, limits: Limits, head: bytes = b"") -> str:
    """Why an attachment must not be kept ("" when it may): too large, or a program."""
    if size > limits.max_attachment:
        return (
            f"larger than the limit of {limits.max_attachment // (1024 * 1024)} MB ({size} bytes)"
        )
    extension = os.path.splitext(name.lower().strip())[1]
    if extension in FORBIDDEN_EXTENSIONS:
        return f"files of type {extension} are not accepted (programs and scripts)"
    if content_type.lower() in FORBIDDEN_TYPES:
        return f"files of type {content_type.lower()} are not accepted (programs and scripts)"
    if head.startswith(FORBIDDEN_MAGIC):
        return "the file is a program, which is not accepted"
    return ""


def clean(text: str) -> str:
    """Text safe to store: raw 8-bit bytes (kept as surrogates by the email package) read
    as UTF-8 where they are, replaced where they are not; no NUL characters."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates of another origin
        data = text.encode("utf-8", "replace")
    return data.decode("utf-8", errors="replace").replace("\x00", "")


def _header(message: Message, name: str, problems: list[str]) -> str:
    try:
        # raw values: the parsed ones replace 8-bit bytes before `clean` can read them
        values = [v for k, v in message.raw_items() if k.lower() == name.lower()]
        return clean(" ".join(" ".join(str(v).split()) for v in values).strip())
    except Exception as exc:  # a header the email package cannot decode
        problems.append(f"header {name} cannot be read: {type(exc).__name__}")
        return ""


def _addresses(value: str) -> list[tuple[str, str]]:
    return [
        (name.strip(), addr.strip())
        for name, addr in email.utils.getaddresses([value])
        if addr and "@" in addr
    ]


def _ids(value: str) -> list[str]:
    found = []
    for piece in value.replace(",", " ").split():
        piece = piece.strip()
        if piece.startswith("<") and piece.endswith(">") and len(piece) > 2:
            found.append(piece)
    return found


def _decode(part: Message, problems: list[str], where: str) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:  # broken transfer encoding
        problems.append(f"{where}: cannot be decoded ({type(exc).__name__})")
        return ""
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or ""
    tried = [c for c in (charset, "utf-8", "cp1252") if c]
    for name in tried:
        try:
            text = payload.decode(name)
        except LookupError:
            problems.append(f"{where}: unknown charset {charset!r}")
            continue
        except UnicodeDecodeError:
            continue
        if name != (charset or "utf-8"):
            problems.append(f"{where}: not valid {charset or 'utf-8'}, read as {name}")
        return text
    problems.append(f"{where}: undecodable bytes replaced")
    return payload.decode("utf-8", errors="replace")


def _filename(part: Message, problems: list[str]) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        problems.append("an attachment name cannot be read")
        name = ""
    # a name only, never a path
    return clean(os.path.basename(name.replace("\\", "/"))).strip()[:255]


MAX_DEPTH = 20


def _leaves(message: Message, depth: int, problems: list[str]) -> list[Message]:
    """The parts to read, in order: a forwarded message (message/rfc822) is one part, an
    attachment, and its own parts are not read as this message's text."""
    if message.get_content_type() == "message/rfc822":
        return [message]
    if not message.is_multipart():
        return [message]
    if depth >= MAX_DEPTH:
        problems.append(f"parts nested deeper than {MAX_DEPTH} levels are not read")
        return []
    found: list[Message] = []
    payload = message.get_payload()
    for sub in payload if isinstance(payload, list) else []:
        if isinstance(sub, Message):
            found += _leaves(sub, depth + 1, problems)
    return found


def _walk(
    message: Message, limits: Limits, parsed: Parsed, texts: list[str], htmls: list[str]
) -> None:
    for part in _leaves(message, 0, parsed.problems):
        content_type = part.get_content_type()
        try:
            disposition = (part.get_content_disposition() or "").lower()
        except Exception:
            disposition = ""
        name = _filename(part, parsed.problems)
        is_attachment = bool(name) or disposition == "attachment"
        if content_type == "message/rfc822":
            is_attachment = True
        if not is_attachment and content_type == "text/plain":
            texts.append(_decode(part, parsed.problems, "text part"))
            continue
        if not is_attachment and content_type == "text/html":
            htmls.append(_decode(part, parsed.problems, "HTML part"))
            continue
        if not is_attachment and content_type.startswith("multipart/"):
            continue
        try:
            content = part.get_payload(decode=True)
        except Exception:
            content = None
        if content is None and content_type == "message/rfc822":
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            content = first.as_bytes() if isinstance(first, Message) else part.as_bytes()
            name = name or "message.eml"
        if not isinstance(content, bytes):
            content = b""
            parsed.problems.append(f"attachment {name or '(unnamed)'}: cannot be decoded")
        part_name = name or f"attachment-{len(parsed.attachments) + 1}"
        reason = refusal(part_name, content_type, len(content), limits, content[:8])
        if not reason and len(parsed.attachments) >= limits.max_attachments:
            reason = f"more than {limits.max_attachments} attachments in one message"
        parsed.attachments.append(
            Part(part_name, content_type, len(content), b"" if reason else content, reason)
        )


def parse(raw: bytes, limits: Limits) -> Parsed:
    problems: list[str] = []
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    if not message.keys():
        problems.append("the message has no headers")
    if message.defects:
        problems.append(
            "the message is malformed: "
            + ", ".join(sorted({type(d).__name__ for d in message.defects}))
        )

    def text_header(name: str) -> str:
        value = _header(message, name, problems)
        if "=?" not in value:  # no encoded words (raw UTF-8 is read by `clean`)
            return " ".join(value.split())
        try:
            decoded = str(email.header.make_header(email.header.decode_header(value)))
        except Exception:  # an encoded word that lies about its charset
            problems.append(f"header {name}: encoded words cannot be read")
            decoded = value
        return " ".join(clean(decoded).split())

    sender = _addresses(text_header("From"))
    to = [a for _, a in _addresses(text_header("To"))]
    cc = [a for _, a in _addresses(text_header("Cc"))]
    delivered = [
        a
        for name in ("Delivered-To", "X-Original-To", "Envelope-To")
        for _, a in _addresses(text_header(name))
    ]
    message_id = next(iter(_ids(_header(message, "Message-ID", problems))), "")
    if not message_id:
        digest = hashlib.sha256(raw).hexdigest()
        message_id = f"<{digest}@no-message-id.relance.invalid>"
        problems.append("no Message-ID: one was made from the content")
    sent_at = None
    date_header = _header(message, "Date", problems)
    if date_header:
        try:
            sent_at = email.utils.parsedate_to_datetime(date_header)
        except (TypeError, ValueError, IndexError):
            problems.append(f"Date header {date_header[:60]!r} cannot be read")
        else:
            if sent_at.tzinfo is None:
                sent_at = sent_at.replace(tzinfo=UTC)
    parsed = Parsed(
        message_id=message_id[:250],
        in_reply_to=" ".join(_ids(_header(message, "In-Reply-To", problems))),
        references=_ids(_header(message, "References", problems)),
        from_address=sender[0][1].lower()[:254] if sender else "",
        from_name=sender[0][0][:200] if sender else "",
        to=to,
        cc=cc,
        recipients=list(dict.fromkeys(a.lower() for a in to + cc + delivered)),
        subject=text_header("Subject")[:300],
        sent_at=sent_at,
        text="",
        headers={
            name: _header(message, name, problems)
            for name in AUTO_HEADERS
            if message.get(name) is not None
        },
        problems=problems,
    )
    if not sender:
        problems.append("no sender address (From)")
    texts: list[str] = []
    htmls: list[str] = []
    _walk(message, limits, parsed, texts, htmls)
    text = "\n\n".join(t.strip() for t in texts if t.strip())
    if not text and htmls:
        text = "\n\n".join(html_to_text(h) for h in htmls)
    parsed.text = text.replace("\r\n", "\n").replace("\x00", "")
    return parsed
