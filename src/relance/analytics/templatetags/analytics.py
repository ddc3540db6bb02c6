"""Filters for dashboard cells: numbers in the active language, dates in its format."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal
from django import template

from relance.web.templatetags.relance import babel_locale
from relance.web.templatetags.relance import day as format_day

register = template.Library()


@register.filter
def is_number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


@register.filter
def cell(value: object) -> str:
    """A Decimal keeps its own number of decimals ("1 234,50", "12,5"); None is empty."""
    if value is None:
        return ""
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return str(format_decimal(value, format=pattern, locale=babel_locale()))
    if isinstance(value, int):
        return str(format_decimal(value, locale=babel_locale()))
    return str(value)
