"""The one outbound HTTP client: every call to a provider goes through `request()`.

Small on purpose (`urllib.request`, no third-party client): a timeout on every call,
http/https only, a bounded response body, and no exception for an HTTP status — a
4xx or 5xx answer is a `Response` the caller maps to its own errors (transient or
permanent). Only a failure to get an answer at all (refused connection, DNS, timeout,
TLS) raises `NetworkError`.

    answer = request("POST", url, json={"to": "+33..."}, headers={"api-key": key})
    if answer.status >= 500: ...
"""

from __future__ import annotations

import json as jsonlib
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: Seconds to connect and between bytes of the answer, unless the caller says otherwise.
DEFAULT_TIMEOUT = 10.0
#: Largest answer read; a provider's answer is a few hundred bytes.
MAX_BODY = 1024 * 1024
USER_AGENT = "relance (+https://relance.invalid)"


class NetworkError(Exception):
    """No HTTP answer at all: connection refused or reset, name not found, timeout, TLS."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON, or None when it is empty or not JSON."""
        try:
            return jsonlib.loads(self.body.decode("utf-8")) if self.body else None
        except (UnicodeDecodeError, ValueError):
            return None

    def text(self, limit: int = 300) -> str:
        return self.body[:limit].decode("utf-8", errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A provider API that redirects is misconfigured: show the 3xx, do not follow it
    (following would resend credentials to another host)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    data: bytes | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_body: int = MAX_BODY,
) -> Response:
    """Send one request and return the answer, whatever its status.

    `json` is encoded (UTF-8) with a JSON content type; `data` is sent as is. At most
    `max_body` bytes of the answer are read (a file download may ask for more).
    Raises ValueError for a URL that is not http(s), NetworkError when no answer came.
    """
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise ValueError(f"only http and https URLs can be called, not {url!r}")
    sent_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    sent_headers.update(headers or {})
    if json is not None:
        data = jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
        sent_headers.setdefault("Content-Type", "application/json")
    # The scheme was checked above: only http and https reach urllib.
    req = urllib.request.Request(url, data=data, headers=sent_headers, method=method.upper())  # noqa: S310
    try:
        with _OPENER.open(req, timeout=timeout) as answer:
            return Response(answer.status, answer.read(max_body), dict(answer.headers.items()))
    except urllib.error.HTTPError as exc:
        with exc:
            body = exc.read(MAX_BODY) if exc.fp is not None else b""
        return Response(exc.code, body, dict(exc.headers.items()) if exc.headers else {})
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NetworkError(f"{method.upper()} {url}: {reason}") from exc
