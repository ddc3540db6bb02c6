"""Provider webhooks for delivery feedback (anymail parses, relance.channels.feedback records).

Brevo's transactional webhook is set to `https://<host>/webhooks/brevo/tracking/` with the
basic-auth credentials of RELANCE_WEBHOOK_SECRET ("user:password", given to Brevo as
`https://user:password@<host>/webhooks/brevo/tracking/`). Without that secret the URL
refuses every post (anymail would only warn): feedback changes where reminders go, so an
unauthenticated post must never be trusted.
"""

from __future__ import annotations

from typing import Any

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from relance.channels.feedback import Event, record_event

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
