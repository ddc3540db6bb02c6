"""The as-of date of a page: today, or the day the page was asked for."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.web.forms import parse_as_of


def page_as_of(request: HttpRequest) -> date:
    """Today in TIME_ZONE, or ?as_of=YYYY-MM-DD (a bad value is reported, today used)."""
    raw = request.GET.get("as_of", "").strip()
    if raw:
        parsed = parse_as_of(raw)
        if parsed is not None:
            return parsed
        messages.error(
            request, _("“%(value)s” is not a date (YYYY-MM-DD); today is used.") % {"value": raw}
        )
    return timezone.localdate()
