"""Channels: registered-letter tracking on the archive, a creditor's contact rules."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import StrictInt

from relance.accounts.access import customer_filter
from relance.api.auth import caller
from relance.api.errors import COMMON, WRITE, invalid, not_found
from relance.api.schemas import Day, Id, Input
from relance.channels.models import ContactRuleSettings, Correspondence
from relance.channels.registered import InvalidTracking, Tracking, update_tracking
from relance.channels.rules import FIELDS, InvalidRules, save_rules, settings_for

router = Router(tags=["channels"])


class TrackingIn(Input):
    tracking_number: str | None = Field(
        None,
        max_length=40,
        description="La Poste's number; S10 numbers have their check digit verified.",
    )
    presented_on: Day | None = Field(None, description="Date of first presentation.")
    acknowledged_on: Day | None = Field(
        None, description="Date the acknowledgment (AR) was signed."
    )


class TrackingOut(Schema):
    correspondence: int
    tracking_number: str
    presented_on: date | None
    acknowledged_on: date | None
    delivery_status: str


#: A local time of day, "HH:MM" (times are given without offset: the server's time zone).
HOUR = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
WINDOW_TIMES = ("call_start", "call_end", "sms_start", "sms_end")


class ContactRulesIO(Input):
    calls_per_day: StrictInt = Field(1, ge=0, le=1, description="At most one call a day, always.")
    cooldown_days: StrictInt = Field(3, ge=0, le=60)
    weekly_email: StrictInt = Field(3, ge=1, le=60)
    weekly_sms: StrictInt = Field(2, ge=1, le=60)
    weekly_call: StrictInt = Field(3, ge=1, le=60)
    weekly_letter: StrictInt = Field(2, ge=1, le=60)
    weekly_registered_letter: StrictInt = Field(1, ge=1, le=60)
    call_days: str = Field("01234", pattern=r"^[0-6]{1,7}$", description="0 = Monday … 6 = Sunday")
    call_start: str = Field("09:00", pattern=HOUR, description="Local time, HH:MM.")
    call_end: str = Field("19:00", pattern=HOUR, description="Local time, HH:MM (excluded).")
    sms_days: str = Field("01234", pattern=r"^[0-6]{1,7}$")
    sms_start: str = Field("09:00", pattern=HOUR)
    sms_end: str = Field("19:00", pattern=HOUR)


class ContactRulesOut(ContactRulesIO):
    customised: bool = Field(description="False: the defaults apply (nothing stored yet).")


@router.post(
    "/correspondence/{correspondence_id}/registered",
    response={200: TrackingOut, **WRITE},
    summary="Record a registered letter's tracking number, first presentation and AR date",
)
def record_registered(request: Any, correspondence_id: Id, payload: TrackingIn) -> Any:
    who = caller(request)
    who.need_write()
    message = (
        Correspondence.objects.filter(**customer_filter(who.membership))
        .filter(creditor_id=who.creditor_id, pk=correspondence_id, channel="registered_letter")
        .first()
    )
    if message is None:
        raise not_found(_("Registered letter %(id)s not found.") % {"id": correspondence_id})
    try:
        row = update_tracking(
            message,
            Tracking(payload.tracking_number, payload.presented_on, payload.acknowledged_on),
            today=timezone.localdate(),
            user=who.user,
            source="api",
        )
    except InvalidTracking as exc:
        raise invalid(
            _("The tracking data cannot be recorded."),
            [{"field": name, "message": why, "code": "invalid"} for name, why in exc.problems],
        ) from exc
    return {
        "correspondence": message.pk,
        "tracking_number": row.tracking_number,
        "presented_on": row.presented_on,
        "acknowledged_on": row.acknowledged_on,
        "delivery_status": message.delivery_status,
    }


def _rules_out(row: ContactRuleSettings) -> dict[str, Any]:
    out = {name: getattr(row, name) for name in FIELDS}
    for name in WINDOW_TIMES:
        out[name] = out[name].strftime("%H:%M")
    return {**out, "customised": row.pk is not None}


@router.get(
    "/contact-rules",
    response={200: ContactRulesOut, **COMMON},
    summary="The creditor's contact rules (caps, cooldown, courtesy windows)",
)
def get_contact_rules(request: Any) -> Any:
    who = caller(request)
    return _rules_out(settings_for(who.creditor_id))


@router.put(
    "/contact-rules",
    response={200: ContactRulesOut, **COMMON},
    summary="Replace the creditor's contact rules (administrator or credit manager)",
)
def put_contact_rules(request: Any, payload: ContactRulesIO) -> Any:
    who = caller(request)
    who.need_ledger_write()
    try:
        values = payload.dict()
        for name in WINDOW_TIMES:
            values[name] = time.fromisoformat(values[name])
        row = save_rules(who.creditor_id, values)
    except InvalidRules as exc:
        raise invalid(
            _("These contact rules cannot be used."),
            [{"field": name, "message": why, "code": "invalid"} for name, why in exc.problems],
        ) from exc
    return _rules_out(row)
