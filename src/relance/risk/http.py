"""Outbound HTTP of the risk app (webhooks, registry lookups), on the project's one client.

`relance.core.http.request` sends (timeouts, http/https only, no redirects, bounded
answer); this module adds the risk app's contract: a 2xx answer is returned, anything
else raises `HttpFailure`, marked transient (network, timeout, 5xx, 429: worth retrying)
or permanent (other 4xx, a bad URL).
"""

from __future__ import annotations

from dataclasses import dataclass

from relance.core import http as core_http

#: Seconds for connecting and for each read.
DEFAULT_TIMEOUT = 5.0


class HttpFailure(Exception):
    def __init__(self, message: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Response:
    """Send one request; a 2xx answer is returned, anything else raises HttpFailure."""
    try:
        answer = core_http.request(method, url, headers=headers, data=body, timeout=timeout)
    except ValueError as exc:
        raise HttpFailure(str(exc), transient=False) from exc
    except core_http.NetworkError as exc:
        raise HttpFailure(f"network error: {exc}", transient=True) from exc
    if not answer.ok:
        status = answer.status
        transient = status >= 500 or status == 429
        raise HttpFailure(f"HTTP {status}", transient=transient, status=status)
    return Response(answer.status, answer.body)
