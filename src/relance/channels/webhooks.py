"""Provider webhooks for delivery feedback (relance.channels.feedback records).

Brevo's transactional email webhook is set to `https://<host>/webhooks/brevo/tracking/`
(anymail parses it), its transactional SMS webhook to `https://<host>/webhooks/brevo/sms/`
(parsed here: anymail does not read SMS reports), both with the basic-auth credentials of
RELANCE_WEBHOOK_SECRET ("user:password", given to Brevo as
`https://user:password@<host>/webhooks/brevo/…/`). Without that secret the URLs refuse
every post (anymail would only warn): feedback changes where reminders go, so an
unauthenticated post must never be trusted.

An SMS report, as Brevo posts it (one object, or a list of them when batched):

    {"id": 26570, "to": "33612345678", "sms_count": 1, "credits_used": 1.5,
     "messageId": 1511882900176220, "remaining_credit": 11488.845,
     "msg_status": "delivered", "date": "2025-04-01 10:02:03", "type": "transactional",
     "reference": "...", "tag": "<idempotency key>", "description": "...",
     "ts_event": 1743494523}

`messageId` is the id the send returned (the archive's provider id); `msg_status` is
sent, accepted, delivered, soft_bounce, hard_bounce, rejected, replied, unsubscribed…
(camelCase spellings such as `hardBounce` are read too); `ts_event` is UTC seconds,
`date` the time in Paris.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.webhooks.base import AnymailBaseWebhookView
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from relance.channels.feedback import Event, SmsReport, record_event, record_sms_report

#: Brevo's own event names that are temporary: recorded, the address stays usable
SOFT = frozenset({"soft_bounce", "deferred"})


class BrevoTracking(BrevoTrackingWebhookView):  # type: ignore[misc]  # anymail is untyped
    warn_if_no_basic_auth = False

    def validate_request(self, request: HttpRequest) -> None:
        if not self.basic_auth:
            raise AnymailWebhookValidationFailure(
                "RELANCE_WEBHOOK_SECRET is not set: delivery feedback webhooks are refused"
            )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Called explicitly rather than through anymail's tracking signal.
        self.run_validators(request)
        try:
            events = self.parse_events(request)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return HttpResponseBadRequest(f"not a Brevo tracking event: {exc}")
        for parsed in events:
            esp = parsed.esp_event if isinstance(parsed.esp_event, dict) else {}
            record_event(
                Event(
                    source="brevo",
                    event_type=str(parsed.event_type),
                    message_id=parsed.message_id or "",
                    recipient=parsed.recipient or "",
                    occurred_at=parsed.timestamp,
                    reason=str(parsed.mta_response or ""),
                    soft=esp.get("event") in SOFT,
                )
            )
        return HttpResponse()


class NotAnSmsReport(ValueError):
    pass


def _snake(name: str) -> str:
    """hardBounce → hard_bounce (Brevo spells event names both ways)."""
    return re.sub(r"(?<=[a-z])([A-Z])", r"_\1", name.strip()).lower()


def _when(item: dict[str, Any]) -> datetime | None:
    stamp = item.get("ts_event")
    if stamp not in (None, ""):
        try:
            return datetime.fromtimestamp(int(stamp), tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            raise NotAnSmsReport(f"ts_event {stamp!r} is not a time in seconds") from None
    day = item.get("date")
    if day:
        try:
            local = datetime.strptime(str(day), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise NotAnSmsReport(f"date {day!r} is not YYYY-MM-DD HH:MM:SS") from None
        return local.replace(tzinfo=ZoneInfo("Europe/Paris"))
    return None


def sms_reports(body: bytes) -> list[SmsReport]:
    """The reports of one post (every item checked before any is recorded)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAnSmsReport(f"the body is not JSON ({exc})") from None
    items = data if isinstance(data, list) else [data]
    reports: list[SmsReport] = []
    for n, item in enumerate(items, start=1):
        where = f"item {n}: " if isinstance(data, list) else ""
        if not isinstance(item, dict):
            raise NotAnSmsReport(f"{where}an SMS report is a JSON object")
        status = item.get("msg_status") or item.get("event")
        if not isinstance(status, str) or not status.strip():
            raise NotAnSmsReport(f"{where}msg_status is missing")
        message_id = item.get("messageId")
        if message_id is None or isinstance(message_id, bool) or str(message_id).strip() == "":
            raise NotAnSmsReport(f"{where}messageId is missing")
        try:
            when = _when(item)
        except NotAnSmsReport as exc:
            raise NotAnSmsReport(f"{where}{exc}") from None
        detail = item.get("reply") or item.get("description") or item.get("reason") or ""
        reports.append(
            SmsReport(
                source="brevo-sms",
                status=_snake(status),
                message_id=str(message_id).strip(),
                number=str(item.get("to") or ""),
                occurred_at=when,
                detail=str(detail),
            )
        )
    return reports


class BrevoSmsReports(AnymailBaseWebhookView):  # type: ignore[misc]  # anymail is untyped
    """Brevo's transactional SMS webhook: delivery reports, replies, STOP answers."""

    esp_name = "Brevo"
    warn_if_no_basic_auth = False

    def validate_request(self, request: HttpRequest) -> None:
        if not self.basic_auth:
            raise AnymailWebhookValidationFailure(
                "RELANCE_WEBHOOK_SECRET is not set: delivery feedback webhooks are refused"
            )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.run_validators(request)  # basic auth (AnymailBasicAuthMixin), then ours
        try:
            reports = sms_reports(request.body)
        except NotAnSmsReport as exc:
            return HttpResponseBadRequest(f"not a Brevo SMS report: {exc}")
        with transaction.atomic():  # a batch is recorded whole or not at all
            for report in reports:
                record_sms_report(report)
        return HttpResponse()
