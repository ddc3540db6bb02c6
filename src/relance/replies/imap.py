"""Replies read from a mailbox over IMAP (the standard library's imaplib).

    RELANCE_IMAP_URL=imaps://user:password@imap.example.com:993/INBOX

- ``imaps://`` connects with TLS (port 993 by default); ``imap://`` connects in clear and
  upgrades with STARTTLS (port 143 by default), and refuses to log in when the server does
  not offer it, unless ``?tls=none`` is given (a server on this machine only).
- ``?move=Processed`` moves each message stored to that folder; without it, messages are
  marked \\Seen. Only unseen messages are read.
- The user name and password are URL-encoded (``%40`` for an ``@``).

`poll()` reads every unseen message, stores it (`relance.replies.services.ingest`, which
commits), and only then marks it seen or moves it: a crash in between leaves it unseen,
and the next poll finds it again and recognises it (same Message-ID), so nothing is lost
or stored twice. A message that cannot be stored (no creditor can be told) stays unseen
and is reported. Messages are fetched with BODY.PEEK, which does not mark them seen.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings

from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.replies.models import Source
from relance.replies.services import ingest

log = logging.getLogger(__name__)


class ImapError(Exception):
    """The mailbox cannot be read (connection, login, folder): the message says why."""


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    mailbox: str = "INBOX"
    tls: str = "ssl"  # ssl, starttls or none
    move_to: str = ""
    timeout: float = 30.0


def config_from_url(url: str) -> ImapConfig:
    """Read RELANCE_IMAP_URL; BadInput naming what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imap", "imaps"):
        raise BadInput(
            "RELANCE_IMAP_URL: expected imaps://user:password@host:993/INBOX "
            f"(or imap:// with STARTTLS), not {parts.scheme or 'no scheme'}://"
        )
    if not parts.hostname:
        raise BadInput("RELANCE_IMAP_URL: no host")
    if not parts.username or parts.password is None:
        raise BadInput("RELANCE_IMAP_URL: user and password are needed (user:password@host)")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"tls", "move"}
    if unknown:
        raise BadInput(f"RELANCE_IMAP_URL: unknown option {', '.join(sorted(unknown))}")
    tls = "ssl" if parts.scheme == "imaps" else "starttls"
    if query.get("tls") == "none":
        if parts.scheme == "imaps":
            raise BadInput("RELANCE_IMAP_URL: tls=none makes no sense with imaps://")
        tls = "none"
    elif "tls" in query:
        raise BadInput("RELANCE_IMAP_URL: tls takes only the value none")
    try:
        port = parts.port or (993 if tls == "ssl" else 143)
    except ValueError as exc:
        raise BadInput(f"RELANCE_IMAP_URL: {exc}") from exc
    return ImapConfig(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username),
        password=unquote(parts.password),
        mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
        tls=tls,
        move_to=query.get("move", ""),
    )


@dataclass
class PollReport:
    seen: int = 0
    stored: int = 0
    duplicates: int = 0
    #: (uid, reason) of messages left unseen
    failed: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "seen": self.seen,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "failed": [{"uid": uid, "reason": why} for uid, why in self.failed],
        }


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _connect(config: ImapConfig) -> imaplib.IMAP4:
    try:
        client: imaplib.IMAP4
        if config.tls == "ssl":
            client = imaplib.IMAP4_SSL(
                config.host,
                config.port,
                ssl_context=ssl.create_default_context(),
                timeout=config.timeout,
            )
        else:
            client = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
            if config.tls == "starttls":
                if "STARTTLS" not in client.capabilities:
                    client.shutdown()
                    raise ImapError(
                        f"{config.host} does not offer STARTTLS: the password would travel in "
                        "clear (use imaps://, or tls=none for a server on this machine)"
                    )
                client.starttls(ssl.create_default_context())
        client.login(config.user, config.password)
    except imaplib.IMAP4.error as exc:
        raise ImapError(f"{config.host}: {exc}") from exc
    except (OSError, ssl.SSLError) as exc:
        raise ImapError(f"{config.host}:{config.port}: {exc}") from exc
    status, detail = client.select(_quote(config.mailbox))
    if status != "OK":
        client.logout()
        raise ImapError(f"folder {config.mailbox}: {detail!r}")
    return client


def _refresh_capabilities(client: imaplib.IMAP4) -> None:
    """After login a server lists more capabilities (MOVE, UIDPLUS) than before it, and
    imaplib keeps the first list: ask again."""
    status, data = client.capability()
    if status == "OK" and data and isinstance(data[-1], bytes):
        client.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())


def _size(client: imaplib.IMAP4, uid: str) -> int:
    status, data = client.uid("FETCH", uid, "(RFC822.SIZE)")
    found = re.search(rb"RFC822\.SIZE (\d+)", b" ".join(d for d in data if isinstance(d, bytes)))
    if status != "OK" or found is None:
        return 0
    return int(found.group(1))


def _fetch(client: imaplib.IMAP4, uid: str, what: str) -> bytes:
    status, data = client.uid("FETCH", uid, f"({what})")
    if status != "OK":
        raise ImapError(f"FETCH {uid}: {data!r}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    raise ImapError(f"FETCH {uid}: no content")


def _done(client: imaplib.IMAP4, uid: str, config: ImapConfig) -> None:
    """Mark one message handled: seen, then moved when asked (after it was stored)."""
    client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    if not config.move_to:
        return
    target = _quote(config.move_to)
    if "MOVE" in client.capabilities:
        status, detail = client.uid("MOVE", uid, target)
    else:
        status, detail = client.uid("COPY", uid, target)
        if status == "OK":
            client.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
            if "UIDPLUS" in client.capabilities:  # only this message
                client.uid("EXPUNGE", uid)
            else:
                client.expunge()
    if status != "OK":
        raise ImapError(f"moving message {uid} to {config.move_to}: {detail!r}")


def poll(
    config: ImapConfig | None = None,
    *,
    creditor: Creditor | None = None,
    limit: int = 500,
) -> PollReport:
    """Read the unseen messages of the mailbox (at most `limit` a call) and store them."""
    if config is None:
        if not settings.RELANCE_IMAP_URL:
            raise BadInput("RELANCE_IMAP_URL is not set: no mailbox to poll")
        config = config_from_url(settings.RELANCE_IMAP_URL)
    report = PollReport()
    client = _connect(config)
    try:
        _refresh_capabilities(client)
        status, data = client.uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise ImapError(f"SEARCH: {data!r}")
        uids = [u.decode() for u in (data[0] or b"").split()[:limit]]
        for uid in uids:
            report.seen += 1
            try:
                size = _size(client, uid)
                if size > settings.RELANCE_REPLY_MAX_MESSAGE:
                    raw = _fetch(client, uid, "BODY.PEEK[HEADER]")
                    done = ingest(raw, source=Source.IMAP, creditor=creditor, truncated_size=size)
                else:
                    raw = _fetch(client, uid, "BODY.PEEK[]")
                    done = ingest(raw, source=Source.IMAP, creditor=creditor)
            except (BadInput, ImapError) as exc:
                report.failed.append((uid, str(exc)))
                continue
            if done.created:
                report.stored += 1
            else:
                report.duplicates += 1
            _done(client, uid, config)
    except imaplib.IMAP4.error as exc:
        raise ImapError(f"{config.host}: {exc}") from exc
    except OSError as exc:
        raise ImapError(f"{config.host}:{config.port}: {exc}") from exc
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return report


_last_poll: list[float] = []


def poll_if_due(now: float | None = None) -> int:
    """For the worker: poll RELANCE_IMAP_URL when RELANCE_IMAP_POLL_SECONDS have passed
    since the last poll of this process. Returns how many replies were stored; a mailbox
    that cannot be read is logged, never raised (the worker goes on sending)."""
    if not settings.RELANCE_IMAP_URL:
        return 0
    moment = time.monotonic() if now is None else now
    if _last_poll and moment - _last_poll[0] < settings.RELANCE_IMAP_POLL_SECONDS:
        return 0
    _last_poll[:] = [moment]
    try:
        report = poll()
    except (ImapError, BadInput) as exc:
        log.warning("replies: the mailbox cannot be read: %s", exc)
        return 0
    for uid, reason in report.failed:
        log.warning("replies: message %s left unseen: %s", uid, reason)
    return report.stored
