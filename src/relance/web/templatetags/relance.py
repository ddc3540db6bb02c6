"""Template filters: amounts and percentages in the active language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from django import template
from django.utils import translation

from relance.core.models import money as _money
from relance.domain.money import Money

register = template.Library()


def babel_locale() -> str:
    lang = (translation.get_language() or "en").split("-")[0]
    return "fr_FR" if lang == "fr" else "en_GB"


def format_money(value: Money) -> str:
    return format_currency(value.amount, value.currency, locale=babel_locale())


@register.filter
def money(value: object, currency: str = "EUR") -> str:
    """Money (or minor units plus a currency argument) as "1 234,56 €" / "€1,234.56"."""
    if value is None or value == "":
        return ""
    if isinstance(value, Money):
        return format_money(value)
    if isinstance(value, int):
        return format_money(_money(value, currency))
    if isinstance(value, Decimal):
        return format_currency(value, currency, locale=babel_locale())
    return str(value)


def format_day(value: date) -> str:
    """A date as 31/03/2025 in French and British English alike."""
    return format_date(value, format="short", locale=babel_locale())


@register.filter
def day(value: date | None) -> str:
    if value is None or value == "":
        return ""
    return format_day(value)


@register.filter
def percent(value: Decimal | None) -> str:
    """A share (0.25) as "25 %" / "25%"."""
    if value is None:
        return "—"
    return format_percent(value, locale=babel_locale(), decimal_quantization=False)


@register.filter
def number(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return format_decimal(value, locale=babel_locale())


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: object) -> str:
    """The current query string with some parameters changed (empty value removes)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def tenure(days: object) -> str:
    """A customer relationship length as "8 years 3 months" / "8 ans 3 mois"."""
    if not isinstance(days, int) or days < 0:
        return ""
    years, rest = divmod(days, 365)
    months = rest // 30
    if years == 0 and months == 0:
        return translation.ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    parts = []
    if years:
        parts.append(translation.ngettext("%(n)d year", "%(n)d years", years) % {"n": years})
    if months:
        parts.append(translation.ngettext("%(n)d month", "%(n)d months", months) % {"n": months})
    return " ".join(parts)
