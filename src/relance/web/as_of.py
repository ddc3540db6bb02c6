"""Days asked for in a page's query string: the as-of date, a preview's date, a filter."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.web.forms import parse_as_of


def query_day(request: HttpRequest, name: str, bad: str, **values: str) -> date | None:
    """The day in ?`name`=YYYY-MM-DD, or None when it is absent or not a date; a value that
    is not a date is reported with `bad` (translated, formatted with the value and `values`)."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    parsed = parse_as_of(raw)
    if parsed is None:
        messages.error(request, bad % {"value": raw, **values})
    return parsed


def page_as_of(request: HttpRequest) -> date:
    """Today in TIME_ZONE, or ?as_of=YYYY-MM-DD (a bad value is reported, today used)."""
    day = query_day(request, "as_of", _("“%(value)s” is not a date (YYYY-MM-DD); today is used."))
    return day or timezone.localdate()
