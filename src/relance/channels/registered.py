"""Registered letters: the tracking record, filled by the backend, a person or a provider.

`record_submission` is called by the outbox when a registered letter is archived: the
backend's tracking number is kept. `update_tracking` records what La Poste reports — the
tracking number, the date of first presentation, the date the acknowledgment (AR) was
signed — entered on the correspondence page, through `POST
/api/correspondence/{id}/registered`, or by a provider. Every value is checked before
anything is written; the archive's delivery status follows (presented, then delivered).
When the letter carried a formal notice, its legal case records the acknowledgment
(relance.dunning.legal_steps.acknowledged).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from relance.channels.base import Sent
from relance.channels.models import Correspondence, DeliveryEvent, DeliveryStatus, RegisteredMail
from relance.channels.post.tracking import clean_tracking_number
from relance.core.errors import BadInput


class InvalidTracking(BadInput):
    """Tracking data refused; `problems` lists (field, why)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{name}: {why}" for name, why in problems))
        self.problems = problems


class NotRegistered(BadInput):
    """The message is not a registered letter."""


@dataclass(frozen=True, slots=True)
class Tracking:
    """What is reported; None leaves the stored value as it is."""

    tracking_number: str | None = None
    presented_on: date | None = None
    acknowledged_on: date | None = None


def record_submission(correspondence: Correspondence, sent: Sent) -> RegisteredMail | None:
    if correspondence.channel != "registered_letter":
        return None
    row, _created = RegisteredMail.objects.get_or_create(
        correspondence=correspondence,
        defaults={"tracking_number": sent.tracking_number, "source": sent.backend},
    )
    return row


def update_tracking(
    correspondence: Correspondence,
    report: Tracking,
    *,
    today: date,
    user: Any = None,
    source: str = "manual",
) -> RegisteredMail:
    """Record a registered letter's tracking; raises InvalidTracking, nothing written then."""
    if correspondence.channel != "registered_letter":
        raise NotRegistered("this message is not a registered letter")
    problems: list[tuple[str, str]] = []
    number = None
    if report.tracking_number is not None:
        try:
            number = clean_tracking_number(report.tracking_number)
        except ValueError as exc:
            problems.append(("tracking_number", str(exc)))
    sent_on = timezone.localdate(correspondence.sent_at)
    with transaction.atomic():
        row, _created = RegisteredMail.objects.select_for_update().get_or_create(
            correspondence=correspondence
        )
        presented = report.presented_on or row.presented_on
        acknowledged = report.acknowledged_on or row.acknowledged_on
        if acknowledged is not None and presented is None:
            presented = acknowledged  # signed for at the first presentation
        for name, value in (("presented_on", presented), ("acknowledged_on", acknowledged)):
            if value is None:
                continue
            if value < sent_on:
                problems.append((name, f"{value.isoformat()} is before the letter was sent"))
            elif value > today:
                problems.append((name, f"{value.isoformat()} is in the future"))
        if presented and acknowledged and acknowledged < presented:
            problems.append(("acknowledged_on", "the AR cannot be signed before it was presented"))
        if problems:
            raise InvalidTracking(problems)
        if number is not None:
            row.tracking_number = number
        newly_acknowledged = acknowledged is not None and acknowledged != row.acknowledged_on
        row.presented_on, row.acknowledged_on = presented, acknowledged
        row.updated_by = user if getattr(user, "pk", None) else None
        row.source = source
        row.save()
        status = DeliveryStatus.DELIVERED if acknowledged else DeliveryStatus.PRESENTED
        if presented and correspondence.delivery_status != status:
            moment = datetime.combine(acknowledged or presented, datetime.min.time())
            DeliveryEvent.objects.create(
                correspondence=correspondence,
                source=source,
                event=status,
                occurred_at=timezone.make_aware(moment),
                detail=row.tracking_number,
            )
            Correspondence.objects.filter(pk=correspondence.pk).update(delivery_status=status)
            correspondence.delivery_status = status
        if newly_acknowledged and acknowledged is not None:
            # A formal notice sent by the dunning worker: its legal case records the AR.
            from relance.dunning.legal_steps import acknowledged as notice_acknowledged

            notice_acknowledged(correspondence, acknowledged, user=user)
    return row
