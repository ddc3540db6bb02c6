"""Which backend sends each channel.

RELANCE_CHANNELS="email=email" sends emails through SMTP (EMAIL_URL); every channel not
listed goes to the capture backend.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from relance.channels.base import Backend
from relance.channels.capture.backend import CaptureBackend
from relance.channels.email.backend import EmailBackend

BACKENDS: dict[str, Callable[[], Backend]] = {
    "capture": CaptureBackend,
    "email": EmailBackend,
}

#: Channels each backend can carry.
CARRIES: dict[str, frozenset[str]] = {
    "capture": frozenset(
        {"email", "sms", "letter", "registered_letter", "call", "meeting", "task"}
    ),
    "email": frozenset({"email"}),
}


class ChannelConfigError(ValueError):
    pass


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


def backend_for(channel: str) -> Backend:
    return BACKENDS[configured().get(channel, "capture")]()
