"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from relance.accounts.access import memberships


def relance_context(request: HttpRequest) -> dict[str, object]:
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    all_memberships = list(memberships(user)) if user is not None and user.is_authenticated else []
    replies_waiting = 0
    if membership is not None:
        from relance.replies.services import waiting_count

        replies_waiting = waiting_count(membership)
    return {
        "replies_waiting": replies_waiting,
        "membership": membership,
        "creditor": membership.creditor if membership is not None else None,
        "memberships": all_memberships,
        "can_import": bool(membership and membership.can_import),
        "can_write": bool(membership and membership.can_write),
        "available_languages": settings.LANGUAGES,
    }
