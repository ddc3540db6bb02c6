"""The current user's membership, chosen in the session, for every page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from relance.accounts.access import NoAccess, membership_for
from relance.accounts.models import Membership

SESSION_KEY = "relance_creditor_id"


def current_membership(request: HttpRequest) -> Membership:
    """The membership at the creditor chosen in the session, else the first one.

    Raises PermissionDenied when the user belongs to no creditor.
    """
    chosen = request.session.get(SESSION_KEY)
    try:
        return membership_for(request.user, chosen)
    except NoAccess:
        if chosen is None:
            raise PermissionDenied from None
    request.session.pop(SESSION_KEY, None)
    try:
        return membership_for(request.user)
    except NoAccess:
        raise PermissionDenied from None


View = Callable[..., HttpResponse]


def member_required(view: View) -> View:
    """Login required, then `request.membership` set (403 without any membership)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.membership = current_membership(request)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return login_required(wrapper)
