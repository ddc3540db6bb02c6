"""The gate of every portal page: rate limits, the token, the language, the headers.

`portal_page` wraps a view `view(request, link, *args)`:

1. counts the request for the client address (429 over the limit);
2. resolves the token of the URL (`links.resolve`): a refused token (malformed, unknown,
   tampered, expired, revoked) answers 404 with one message whatever the reason, is
   logged with the reason, and counts towards the address's refused-link limit;
3. counts the request for the link, and each form posted (429 over the limits);
4. activates the language: `?lang=` when given (kept in the session), else the one chosen
   before, else the customer's;
5. answers with `Cache-Control: no-store`, `Referrer-Policy: same-origin` (the token is in
   the address: it must not leak to another site, and "no-referrer" would make browsers
   send `Origin: null` with the forms, which CSRF protection refuses) and
   `X-Robots-Tag: noindex`.

The view then reads only through `link.customer` (relance.portal.queries).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from relance.portal import ratelimit
from relance.portal.links import LinkRefused, resolve
from relance.portal.models import PortalLink

log = logging.getLogger("relance.portal")

LANGS = {code for code, _name in settings.LANGUAGES}
SESSION_LANG = "portal_lang"
SESSION_VERIFIED = "portal_verified"
#: how long a confirmation by code holds in the browser that entered it
VERIFIED_MINUTES = 30


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR (behind a reverse proxy, have it set the real client address)."""
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "portal/too_many.html", status=429)
    response["Retry-After"] = "600"
    return _headers(response)


def _headers(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _language(request: HttpRequest, link: PortalLink) -> str:
    asked = request.GET.get("lang", "")
    if asked in LANGS:
        request.session[SESSION_LANG] = asked
        return asked
    kept = request.session.get(SESSION_LANG)
    if kept in LANGS:
        return str(kept)
    return link.customer.language if link.customer.language in LANGS else "fr"


PortalView = Callable[..., HttpResponse]


def portal_page(view: PortalView) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        ip = client_ip(request)
        if not ratelimit.allow("ip", ip):
            return too_many(request)
        try:
            link = resolve(token)
        except LinkRefused as refused:
            log.warning("portal link refused (%s) from %s", refused.reason, ip)
            if not ratelimit.allow("refused", ip):
                return too_many(request)
            return _headers(render(request, "portal/refused.html", status=404))
        if not ratelimit.allow("link", str(link.pk)):
            return too_many(request)
        if request.method == "POST" and not ratelimit.allow("post", str(link.pk)):
            return too_many(request)
        lang = _language(request, link)
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            response = view(request, link, *args, **kwargs)
            response.setdefault("Content-Language", lang)
        return _headers(response)

    return wrapper


def is_verified(request: HttpRequest, link: PortalLink, now: datetime | None = None) -> bool:
    until = request.session.get(SESSION_VERIFIED, {}).get(str(link.pk))
    if not until:
        return False
    return datetime.fromisoformat(until) > (now or timezone.now())


def mark_verified(request: HttpRequest, link: PortalLink) -> None:
    verified = dict(request.session.get(SESSION_VERIFIED, {}))
    until = timezone.now() + timedelta(minutes=VERIFIED_MINUTES)
    verified[str(link.pk)] = until.isoformat()
    request.session[SESSION_VERIFIED] = verified
    request.session.cycle_key()  # a new session id once confirmed
