"""Brevo transactional SMS (https://developers.brevo.com/docs/transactional-sms-endpoints).

    POST {RELANCE_BREVO_API_URL}transactionalSMS/send
    api-key: {RELANCE_BREVO_API_KEY}
    {"sender": "ACME", "recipient": "33612345678", "content": "...",
     "type": "transactional", "tag": "<idempotency key>", "unicodeEnabled": false}
    → 201 {"messageId": 1511882900176220}

Errors come as `{"code": "...", "message": "..."}`. What is retried:

- no answer (network, timeout), 408, 425, 429 and every 5xx: the provider is busy or down;
- 401, 402, 403 (bad key, no credits left, account under validation): the account must
  be fixed, not the message — retried with the outbox's growing delay, so the reminders
  go out once it is;
- any other 4xx (invalid number, missing or refused parameter) is permanent: the same
  request would be refused again.

Brevo's SMS delivery reports reach `/webhooks/brevo/sms/` (relance.channels.webhooks):
delivered, bounced (the mobile is flagged "to update"), STOP answers (opted out).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from relance.channels.base import ChannelConfigError, PermanentError, TransientError
from relance.core.http import NetworkError, request

DEFAULT_API_URL = "https://api.brevo.com/v3/"
#: Brevo's limit: 11 alphanumeric characters, or 15 digits.
_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$|^[0-9]{1,15}$")
RETRIED = frozenset({408, 425, 429, 401, 402, 403})


class BrevoConfigError(ChannelConfigError):
    pass


class BrevoSms:
    name = "brevo"

    def __init__(self, api_key: str, sender: str, api_url: str = DEFAULT_API_URL) -> None:
        if not api_key:
            raise BrevoConfigError("RELANCE_BREVO_API_KEY is not set (needed for sms=brevo)")
        if not _SENDER.match(sender):
            raise BrevoConfigError(
                f"RELANCE_SMS_SENDER {sender!r}: Brevo needs 1 to 11 letters and digits "
                "(at least one letter), or up to 15 digits"
            )
        self.api_key = api_key
        self.sender = sender
        self.url = api_url.rstrip("/") + "/transactionalSMS/send"

    @classmethod
    def from_settings(cls) -> BrevoSms:
        return cls(
            settings.RELANCE_BREVO_API_KEY,
            settings.RELANCE_SMS_SENDER,
            settings.RELANCE_BREVO_API_URL or DEFAULT_API_URL,
        )

    def payload(self, *, to: str, text: str, unicode: bool, reference: str) -> dict[str, Any]:
        return {
            "sender": self.sender,
            "recipient": to.removeprefix("+"),  # international format without the plus
            "content": text,
            "type": "transactional",
            "tag": reference,
            "unicodeEnabled": unicode,
        }

    def send_sms(self, *, to: str, text: str, unicode: bool, reference: str) -> str:
        try:
            answer = request(
                "POST",
                self.url,
                headers={"api-key": self.api_key},
                json=self.payload(to=to, text=text, unicode=unicode, reference=reference),
                timeout=15.0,
            )
        except NetworkError as exc:
            raise TransientError(f"Brevo unreachable: {exc}") from exc
        data = answer.json()
        if answer.ok:
            if isinstance(data, dict) and data.get("messageId") is not None:
                return str(data["messageId"])
            # Accepted (2xx) without an id: it was sent, it cannot be matched to reports.
            return f"unknown:{reference}"
        code = data.get("code", "") if isinstance(data, dict) else ""
        text_of = data.get("message", "") if isinstance(data, dict) else answer.text()
        detail = f"Brevo {answer.status} {code}: {text_of}".strip()
        if answer.status in RETRIED or answer.status >= 500:
            raise TransientError(detail)
        raise PermanentError(detail)
