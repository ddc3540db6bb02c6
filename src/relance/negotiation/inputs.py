"""What a person typed in a negotiation form, read or refused with the field's name.

    day(raw, field) -> date                      a date, required (YYYY-MM-DD)
    optional_day(raw, field) -> date | None      empty → None
    minor(raw, currency, field) -> int           an amount in minor units, required
    optional_minor(raw, currency, field) -> int | None
    whole(raw, field, default) -> int            a whole number; empty → default

Every refusal is a BadInput whose message starts with the field's (translated) name, as the
pages show it next to the form. Shared by the dispute and call pages (views.py) and the
promise, plan and settlement pages (arrangement_views.py).
"""

from __future__ import annotations

from datetime import date
from decimal import InvalidOperation

from django.utils.translation import gettext as _

from relance.core.errors import BadInput
from relance.domain.money import Money, MoneyError, parse_amount


def optional_day(raw: str, field: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadInput(
            _("%(field)s: “%(value)s” is not a date (YYYY-MM-DD)") % {"field": field, "value": raw}
        ) from None


def day(raw: str, field: str) -> date:
    found = optional_day(raw, field)
    if found is None:
        raise BadInput(_("%(field)s: a date is required") % {"field": field})
    return found


def optional_minor(raw: str, currency: str, field: str) -> int | None:
    if not raw.strip():
        return None
    try:
        return Money.of(parse_amount(raw), currency).minor
    except (MoneyError, ValueError, InvalidOperation) as exc:
        raise BadInput(f"{field}: {exc}") from exc


def minor(raw: str, currency: str, field: str) -> int:
    found = optional_minor(raw, currency, field)
    if found is None:
        raise BadInput(_("%(field)s: an amount is required") % {"field": field})
    return found


def whole(raw: str, field: str, default: int) -> int:
    raw = raw.strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadInput(
            _("%(field)s: “%(value)s” is not a whole number") % {"field": field, "value": raw}
        ) from None
