"""Which backend sends each channel.

RELANCE_CHANNELS="email=email,sms=brevo" sends emails through SMTP (EMAIL_URL) and SMS
through Brevo (RELANCE_BREVO_API_KEY, RELANCE_SMS_SENDER); every channel not listed goes
to the capture backend. `registered_letter=lre` (electronic registered letter) is known
but has no provider yet: choosing it stops the worker with that message.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from relance.channels.base import Backend, ChannelConfigError
from relance.channels.capture.backend import CaptureBackend
from relance.channels.email.backend import EmailBackend
from relance.channels.post.lre import unavailable_lre
from relance.channels.sms.backend import SmsBackend
from relance.channels.sms.brevo import BrevoSms


def _brevo_sms() -> Backend:
    return SmsBackend(BrevoSms.from_settings())


BACKENDS: dict[str, Callable[[], Backend]] = {
    "capture": CaptureBackend,
    "email": EmailBackend,
    "brevo": _brevo_sms,
    "lre": unavailable_lre,
}

#: Channels each backend can carry.
CARRIES: dict[str, frozenset[str]] = {
    "capture": frozenset(
        {"email", "sms", "letter", "registered_letter", "call", "meeting", "task"}
    ),
    "email": frozenset({"email"}),
    "brevo": frozenset({"sms"}),
    "lre": frozenset({"registered_letter"}),
}

__all__ = ["BACKENDS", "CARRIES", "ChannelConfigError", "backend_for", "configured", "validate"]


def configured() -> dict[str, str]:
    """channel → backend name, from settings.RELANCE_CHANNELS."""
    chosen: dict[str, str] = {}
    for part in str(getattr(settings, "RELANCE_CHANNELS", "") or "").split(","):
        if not part.strip():
            continue
        channel, _, backend = part.partition("=")
        channel, backend = channel.strip(), backend.strip()
        if backend not in BACKENDS:
            raise ChannelConfigError(
                f"RELANCE_CHANNELS: unknown backend '{backend}' for {channel} "
                f"(known: {', '.join(sorted(BACKENDS))})"
            )
        if channel not in CARRIES[backend]:
            raise ChannelConfigError(f"RELANCE_CHANNELS: backend {backend} cannot carry {channel}")
        chosen[channel] = backend
    return chosen


def validate() -> dict[str, str]:
    """`configured()`, and every configured backend built once: a missing API key or an
    unavailable backend (LRE) is a ChannelConfigError now, not at the first message."""
    chosen = configured()
    for name in sorted(set(chosen.values())):
        BACKENDS[name]().close()
    return chosen


def backend_for(channel: str) -> Backend:
    return BACKENDS[configured().get(channel, "capture")]()
