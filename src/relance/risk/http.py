"""The one outbound HTTP client of the risk app (webhooks, registry lookups).

`urllib.request` with a timeout on every call, no redirects followed for POSTs,
and one exception type, `HttpFailure`, marked transient (network, timeout, 5xx,
429: worth retrying) or permanent (other 4xx, unreadable answer).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

#: Seconds for connecting and for each read.
DEFAULT_TIMEOUT = 5.0
USER_AGENT = "relance (+https://github.com/relance)"


class HttpFailure(Exception):
    def __init__(self, message: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = 1_000_000,
) -> Response:
    """Send one request; a 2xx answer is returned, anything else raises HttpFailure."""
    if not url.startswith(("http://", "https://")):
        raise HttpFailure(f"not an http(s) URL: {url}", transient=False)
    req = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - scheme checked
    req.add_header("User-Agent", USER_AGENT)
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with _opener.open(req, timeout=timeout) as answer:
            return Response(answer.status, answer.read(max_bytes))
    except urllib.error.HTTPError as exc:
        status = exc.code
        transient = status >= 500 or status == 429
        raise HttpFailure(f"HTTP {status}", transient=transient, status=status) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HttpFailure(f"network error: {reason}", transient=True) from exc
