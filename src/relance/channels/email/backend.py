"""Email through Django's mail connection (SMTP from EMAIL_URL, or any Django backend).

The Message-ID is derived from the idempotency key, so a message sent again after a
crash carries the same id and receivers treat it as one message.
"""

from __future__ import annotations

import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.html import escape

from relance.channels.base import Outbound, PermanentError, Sent, TransientError


def message_id(key: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-._" else "." for c in key)
    return f"<{safe}@relance.invalid>"


class EmailBackend:
    """Keeps one SMTP connection open for a pass of the worker (closed by `close()`)."""

    name = "email"

    def __init__(self) -> None:
        self._connection: Any = None

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None

    def _deliver(self, email: EmailMessage) -> None:
        if self._connection is None:
            self._connection = get_connection(fail_silently=False)
            self._connection.open()
        self._connection.send_messages([email])

    def send(self, message: Outbound) -> Sent:
        if not message.recipient:
            raise PermanentError("no email address")
        sender = message.sender_email or settings.DEFAULT_FROM_EMAIL
        from_header = f"{message.sender_name} <{sender}>" if message.sender_name else sender
        mid = message_id(message.idempotency_key)
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=from_header,
            to=[
                f"{message.recipient_name} <{message.recipient}>"
                if message.recipient_name
                else message.recipient
            ],
            reply_to=[message.reply_to] if message.reply_to else None,
            headers={"Message-ID": mid, "X-Relance-Key": escape(message.idempotency_key)},
        )
        for attachment in message.attachments:
            email.attach(attachment.filename, attachment.content, attachment.mimetype)
        try:
            try:
                self._deliver(email)
            except smtplib.SMTPServerDisconnected:
                # The server closed the kept connection (idle timeout): one fresh try.
                self.close()
                self._deliver(email)
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused) as exc:
            # The account or the sender address must be fixed, not the message: later.
            self.close()
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                what = "login refused"
            else:
                what = f"sender {exc.sender!r} refused"
            raise TransientError(f"{what}: {exc.smtp_code} {exc.smtp_error!r}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            # 4xx for every recipient (greylisting, a full mailbox, a server busy): later.
            if all(400 <= code < 500 for code, _text in exc.recipients.values()):
                raise TransientError(f"recipient deferred: {exc.recipients}") from exc
            raise PermanentError(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            if 500 <= exc.smtp_code < 600:
                raise PermanentError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TransientError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        return Sent(self.name, mid)
