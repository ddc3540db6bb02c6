"""The Brevo SMS adapter and the SMS backend against a real local HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from relance.channels.base import ChannelConfigError, Outbound, PermanentError, TransientError
from relance.channels.registry import backend_for
from relance.channels.sms.backend import SmsBackend
from relance.channels.sms.brevo import BrevoSms
from relance.channels.tests.provider_server import ProviderServer
from relance.core import http


@pytest.fixture
def server() -> Iterator[ProviderServer]:
    with ProviderServer() as running:
        yield running


def backend(server: ProviderServer) -> SmsBackend:
    return SmsBackend(BrevoSms("secret-key", "ACME", server.url))


def sms(text: str = "ACME : 120,00 € restent à régler.", to: str = "06 12 34 56 78") -> Outbound:
    return Outbound("sms", "2025-04-01-7-sms", to, "Jeanne Martin", "", text)


def test_a_sent_sms_is_one_authenticated_request_in_brevo_shape(server: ProviderServer) -> None:
    server.answers.append((201, {"messageId": 1511882900176220}))
    sent = backend(server).send(sms())
    assert sent.backend == "brevo" and sent.provider_id == "1511882900176220"
    [call] = server.requests
    assert call.path == "/v3/transactionalSMS/send"
    assert call.headers["api-key"] == "secret-key"
    assert call.headers["content-type"] == "application/json"
    assert call.json() == {
        "sender": "ACME",
        "recipient": "33612345678",
        "content": "ACME : 120,00 € restent à régler.",
        "type": "transactional",
        "tag": "2025-04-01-7-sms",
        "unicodeEnabled": False,  # € is in GSM-7's extension table
    }


def test_a_text_outside_gsm7_is_sent_as_unicode(server: ProviderServer) -> None:
    server.answers.append((201, {"messageId": 7}))
    backend(server).send(sms("Merci de votre réponse rapide, à bientôt ; ça presse."))
    assert server.requests[0].json()["unicodeEnabled"] is True


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (429, {"code": "too_many_requests", "message": "Rate limit"}),
        (500, None),
        (503, {"code": "unavailable", "message": "Try later"}),
        (402, {"code": "not_enough_credits", "message": "No credits"}),
        (401, {"code": "unauthorized", "message": "Key not found"}),
    ],
)
def test_busy_or_account_problems_are_retried(
    server: ProviderServer, status: int, body: Any
) -> None:
    server.answers.append((status, body))
    with pytest.raises(TransientError, match=f"Brevo {status}"):
        backend(server).send(sms())


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (400, {"code": "invalid_parameter", "message": "Invalid phone number"}, "Invalid phone"),
        (400, {"code": "missing_parameter", "message": "content is missing"}, "missing"),
        (404, {"code": "document_not_found", "message": "Not found"}, "document_not_found"),
    ],
)
def test_refused_requests_are_permanent(
    server: ProviderServer, status: int, body: Any, reason: str
) -> None:
    server.answers.append((status, body))
    with pytest.raises(PermanentError, match=reason):
        backend(server).send(sms())


def test_no_server_or_no_answer_in_time_is_transient(server: ProviderServer) -> None:
    nowhere = SmsBackend(BrevoSms("k", "ACME", "http://127.0.0.1:9/v3/"))
    with pytest.raises(TransientError, match="unreachable"):
        nowhere.send(sms())
    server.answers.append((201, {"messageId": 1}, 1.0))
    with pytest.raises(http.NetworkError, match="timed out"):
        http.request("POST", server.url + "transactionalSMS/send", json={}, timeout=0.2)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (sms(to="12"), "mobile number refused"),
        (sms(to=""), "no mobile number"),
        (sms(text="   "), "empty SMS text"),
        (sms(text="x" * 307), "307 GSM-7 characters make 3 segments"),
        (sms(text="ç" * 135), "135 UCS-2 characters make 3 segments"),
    ],
)
def test_the_text_rules_are_enforced_before_any_request(
    server: ProviderServer, message: Outbound, reason: str
) -> None:
    with pytest.raises(PermanentError, match=reason):
        backend(server).send(message)
    assert server.requests == []


def test_the_longest_allowed_text_goes_out(server: ProviderServer) -> None:
    server.answers.append((201, {"messageId": 3}))
    backend(server).send(sms(text="x" * 306))
    assert server.requests[0].json()["content"] == "x" * 306


def test_the_client_refuses_other_schemes() -> None:
    with pytest.raises(ValueError, match="only http and https"):
        http.request("GET", "file:///etc/passwd")


def test_configured_with_the_environment(server: ProviderServer) -> None:
    with override_settings(
        RELANCE_CHANNELS="sms=brevo",
        RELANCE_BREVO_API_KEY="k",
        RELANCE_SMS_SENDER="ACME",
        RELANCE_BREVO_API_URL=server.url,
    ):
        server.answers.append((201, {"messageId": 9}))
        assert backend_for("sms").send(sms()).provider_id == "9"
    with (
        override_settings(RELANCE_CHANNELS="sms=brevo", RELANCE_BREVO_API_KEY=""),
        pytest.raises(ChannelConfigError, match="RELANCE_BREVO_API_KEY is not set"),
    ):
        backend_for("sms")
    with (
        override_settings(
            RELANCE_CHANNELS="sms=brevo", RELANCE_BREVO_API_KEY="k", RELANCE_SMS_SENDER="A B C"
        ),
        pytest.raises(ChannelConfigError, match="RELANCE_SMS_SENDER 'A B C'"),
    ):
        backend_for("sms")
    with (
        override_settings(RELANCE_CHANNELS="email=brevo"),
        pytest.raises(ChannelConfigError, match="cannot carry email"),
    ):
        backend_for("email")
