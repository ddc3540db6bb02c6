"""Replies posted by an email provider's inbound parsing (anymail normalises, relance stores).

Brevo's inbound parsing webhook is set to `https://<host>/webhooks/brevo/inbound/` with the
basic-auth credentials of RELANCE_WEBHOOK_SECRET, like the delivery webhooks
(relance.channels.webhooks): without that secret every post is refused. Each item of the
post becomes anymail's normalised `AnymailInboundEvent`; its message (an
`email.message.EmailMessage`) is stored through `relance.replies.services.ingest`, called
explicitly rather than through anymail's inbound signal.

Brevo sends attachments as download tokens: each is checked against the size cap and
the forbidden types *before* it is downloaded (through relance's HTTP client, with the
RELANCE_BREVO_API_KEY), and one that is refused or cannot be downloaded is listed on the
reply with the reason; the message itself is always kept.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urljoin

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.inbound import AnymailInboundMessage
from anymail.webhooks.brevo import BrevoBaseWebhookView, BrevoInboundWebhookView
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from relance.core.http import NetworkError, request
from relance.replies.matching import NoCreditor
from relance.replies.models import Source
from relance.replies.parsing import refusal
from relance.replies.services import Refused, ingest, limits


class BrevoInbound(BrevoInboundWebhookView):  # type: ignore[misc]  # anymail is untyped
    warn_if_no_basic_auth = False

    def __init__(self, **kwargs: Any) -> None:
        # Not BrevoInboundWebhookView.__init__: it wants anymail's own API key setting;
        # attachments are fetched here with RELANCE_BREVO_API_KEY.
        BrevoBaseWebhookView.__init__(self, **kwargs)
        self._downloaded: dict[str, tuple[bytes, str]] = {}

    def validate_request(self, request: HttpRequest) -> None:
        if not self.basic_auth:
            raise AnymailWebhookValidationFailure(
                "RELANCE_WEBHOOK_SECRET is not set: inbound webhooks are refused"
            )

    def _fetch_attachment(self, attachment: dict[str, Any]) -> Any:
        content, content_type = self._downloaded[str(attachment["DownloadToken"])]
        return AnymailInboundMessage.construct_attachment(
            content_type=content_type,
            content=content,
            filename=attachment.get("Name"),
            content_id=attachment.get("ContentID"),
        )

    def _download(self, attachment: dict[str, Any], refused: list[Refused]) -> bool:
        name = str(attachment.get("Name") or "attachment")
        content_type = str(attachment.get("ContentType") or "application/octet-stream")
        size = int(attachment.get("ContentLength") or 0)
        cap = limits()
        reason = refusal(name, content_type, size, cap)
        token = str(attachment.get("DownloadToken") or "")
        if not reason and not token:
            reason = "no download token in the provider's post"
        if not reason:
            base = settings.RELANCE_BREVO_API_URL
            url = urljoin(base if base.endswith("/") else base + "/", "inbound/attachments/")
            try:
                answer = request(
                    "GET",
                    url + quote(token, safe=""),
                    headers={"api-key": settings.RELANCE_BREVO_API_KEY, "Accept": "*/*"},
                    timeout=30,
                    max_body=cap.max_attachment + 1,
                )
            except (NetworkError, ValueError) as exc:
                reason = f"could not be downloaded from the provider: {exc}"
            else:
                if not answer.ok:
                    reason = f"could not be downloaded from the provider: HTTP {answer.status}"
                else:
                    kind = answer.headers.get("Content-Type") or content_type
                    reason = refusal(name, kind, len(answer.body), cap, answer.body[:8])
                    if not reason:
                        self._downloaded[token] = (answer.body, kind)
                        return True
        refused.append(Refused(name, content_type, size, reason))
        return False

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.run_validators(request)
        try:
            payload = json.loads(request.body.decode("utf-8"))
            items = payload["items"]
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise TypeError("items is not a list of objects")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return HttpResponseBadRequest(f"not a Brevo inbound post: {exc}")
        stored = []
        for item in items:
            refused: list[Refused] = []
            attachments = item.get("Attachments") or []
            if not isinstance(attachments, list):
                return HttpResponseBadRequest("not a Brevo inbound post: Attachments")
            kept = [a for a in attachments if isinstance(a, dict) and self._download(a, refused)]
            try:
                event = self.esp_to_anymail_event({**item, "Attachments": kept})
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                return HttpResponseBadRequest(f"not a Brevo inbound post: {exc}")
            message = event.message
            for header, key in (("Message-ID", "MessageId"), ("In-Reply-To", "InReplyTo")):
                if not message[header] and isinstance(item.get(key), str) and item[key]:
                    message[header] = item[key]
            try:
                done = ingest(message.as_bytes(), source=Source.BREVO, refused=refused)
            except NoCreditor as exc:
                return HttpResponseBadRequest(str(exc))
            stored.append({"reply": done.reply.pk, "created": done.created})
        return JsonResponse({"replies": stored})
