"""Who is calling: a bearer token, or the web UI's logged-in session.

Either way the caller acts as a Membership (user + role at one creditor), so the
same rules as in the web UI apply (relance.accounts.access):

- every role reads; a collector reads only the customers assigned to them;
- read_only changes nothing (403);
- admin and credit_manager ("ledger writes", ``Membership.can_import``) create
  customers, invoices, credit notes and payments, and run imports;
- a collector may change their customers' details and contacts and allocate
  payments and credit notes to their customers' invoices.

A token belongs to one user at one creditor. A session picks the creditor from
the ``X-Relance-Creditor`` header, else the session's ``creditor_id``, else the
user's first membership; session calls that change data need the CSRF token
(``X-CSRFToken`` header), as any form of the web UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from relance.accounts.access import NoAccess, membership_for
from relance.accounts.models import Membership
from relance.api.errors import ApiError, forbidden
from relance.api.models import ApiToken, split_token

#: last_used_at is written at most once per this interval per token.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Caller:
    membership: Membership
    token: ApiToken | None = None

    @property
    def user(self) -> Any:
        return self.membership.user

    @property
    def creditor_id(self) -> int:
        return self.membership.creditor_id

    @property
    def collector_id(self) -> int | None:
        """The user id to restrict to when the caller sees only their own customers."""
        return None if self.membership.sees_all_customers else self.membership.user_id

    def need_write(self) -> None:
        if not self.membership.can_write:
            raise forbidden(_("Your role can read but not change data."))

    def need_ledger_write(self) -> None:
        """Creating customers and ledger entries, and imports: admin and credit manager."""
        self.need_write()
        if not self.membership.can_import:
            raise forbidden(
                _(
                    "Only an administrator or a credit manager can create customers "
                    "and ledger entries."
                )
            )


def caller(request: HttpRequest) -> Caller:
    found = getattr(request, "auth", None)
    if not isinstance(found, Caller):  # pragma: no cover - every operation has auth
        raise AuthenticationError()
    return found


class BearerToken(HttpBearer):
    """``Authorization: Bearer rl_<prefix>_<secret>`` (see ``relance token create``)."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        parts = split_token(token)
        if parts is None:
            raise AuthenticationError(401, _("Malformed API token."))
        prefix, secret = parts
        found = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if found is None or not found.matches(secret):
            raise AuthenticationError(401, _("Unknown API token."))
        now = timezone.now()
        if found.revoked_at is not None:
            raise AuthenticationError(401, _("This API token has been revoked."))
        if found.expires_at is not None and found.expires_at <= now:
            raise AuthenticationError(401, _("This API token has expired."))
        if not found.user.is_active:
            raise AuthenticationError(401, _("The user of this API token is disabled."))
        membership = membership_for(found.user, found.creditor_id)
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return Caller(membership=membership, token=found)


class Session(APIKeyCookie):
    """The web UI's Django session (CSRF checked on unsafe methods)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # csrf=True tells the interactive docs to send the CSRF token; the check itself
        # is made in authenticate(), only for a logged-in session, so that a call with
        # neither token nor session gets 401 rather than a CSRF refusal.
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise ApiError(403, "csrf", _("CSRF check failed: send the X-CSRFToken header."))
        wanted = request.headers.get("X-Relance-Creditor") or request.session.get("creditor_id")
        creditor_id: int | None = None
        if wanted not in (None, ""):
            try:
                creditor_id = int(str(wanted))
            except ValueError:
                raise NoAccess("bad creditor") from None
        return Caller(membership=membership_for(user, creditor_id))


AUTH = [BearerToken(), Session()]
