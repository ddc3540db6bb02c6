"""A creditor's contact rules: stored settings → relance.domain.contact_rules.ContactRules.

`rules_for(creditor_id)` is what the run and the worker read (the defaults when the
creditor has no settings). `save_rules` is the one way the API changes them: every
value is checked (`problems`), nothing is written when one is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

from django.db import transaction

from relance.channels.models import ContactRuleSettings
from relance.core.errors import BadInput
from relance.domain.contact_rules import MAX_CALLS_PER_DAY, ContactRules, Window

CAPPED = ("email", "sms", "call", "letter", "registered_letter")
WINDOWED = ("call", "sms")
#: Largest weekly cap or cooldown accepted: beyond, a typing mistake is likelier than a wish.
MAX_VALUE = 60


class InvalidRules(BadInput):
    """Settings refused; `problems` lists (field, why)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{name}: {why}" for name, why in problems))
        self.problems = problems


def _days(text: str) -> frozenset[int]:
    return frozenset(int(c) for c in text if c.isdigit())


def problems(row: ContactRuleSettings) -> list[tuple[str, str]]:
    """(field, why) for every value that cannot be used; empty when the settings are valid."""
    found: list[tuple[str, str]] = []
    if not 0 <= row.calls_per_day <= MAX_CALLS_PER_DAY:
        found.append(
            ("calls_per_day", f"at most {MAX_CALLS_PER_DAY} call a day, whatever the setting")
        )
    if not 0 <= row.cooldown_days <= MAX_VALUE:
        found.append(("cooldown_days", f"must be between 0 and {MAX_VALUE}"))
    for name in (f"weekly_{c}" for c in CAPPED):
        # At least 1: a channel nobody may use is taken out of the policy, not capped at 0.
        if not 1 <= getattr(row, name) <= MAX_VALUE:
            found.append((name, f"must be between 1 and {MAX_VALUE}"))
    for channel in WINDOWED:
        days = getattr(row, f"{channel}_days")
        if not days or any(c not in "0123456" for c in days) or len(set(days)) != len(days):
            found.append((f"{channel}_days", "digits 0 (Monday) to 6 (Sunday), each at most once"))
        start, end = getattr(row, f"{channel}_start"), getattr(row, f"{channel}_end")
        if start >= end:
            found.append((f"{channel}_end", "must be after the start of the window"))
    return found


def to_rules(row: ContactRuleSettings | None) -> ContactRules:
    if row is None:
        return ContactRules()
    return ContactRules(
        calls_per_day=min(row.calls_per_day, MAX_CALLS_PER_DAY),
        weekly_caps={c: getattr(row, f"weekly_{c}") for c in CAPPED},
        cooldown_days=row.cooldown_days,
        windows={
            c: Window(
                _days(getattr(row, f"{c}_days")),
                getattr(row, f"{c}_start"),
                getattr(row, f"{c}_end"),
            )
            for c in WINDOWED
        },
    )


def rules_for(creditor_id: int) -> ContactRules:
    """The contact rules of a creditor (the defaults when it has set none)."""
    return to_rules(ContactRuleSettings.objects.filter(creditor_id=creditor_id).first())


def settings_for(creditor_id: int) -> ContactRuleSettings:
    """The stored settings, or unsaved defaults."""
    found = ContactRuleSettings.objects.filter(creditor_id=creditor_id).first()
    return found or ContactRuleSettings(creditor_id=creditor_id)


FIELDS = (
    "calls_per_day",
    "cooldown_days",
    *(f"weekly_{c}" for c in CAPPED),
    *(f"{c}_{part}" for c in WINDOWED for part in ("days", "start", "end")),
)


def save_rules(creditor_id: int, values: Mapping[str, Any]) -> ContactRuleSettings:
    """Replace a creditor's contact rules with `values` (every field of FIELDS).

    Raises BadInput naming every wrong field; nothing is written then."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise BadInput(f"unknown contact-rule settings: {', '.join(unknown)}")
    with transaction.atomic():
        row = ContactRuleSettings.objects.select_for_update().filter(
            creditor_id=creditor_id
        ).first() or ContactRuleSettings(creditor_id=creditor_id)
        for name, value in values.items():
            if name.endswith(("_start", "_end")) and not isinstance(value, time):
                raise InvalidRules([(name, "a time of day is expected")])
            setattr(row, name, value)
        found = problems(row)
        if found:
            raise InvalidRules(found)
        row.save()
    return row
