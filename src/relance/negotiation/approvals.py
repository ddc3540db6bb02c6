"""Approval requests: a credit manager or an administrator grants what exceeds a margin.

    pending(creditor_id) -> QuerySet[ApprovalRequest]
    decide(request, approve=True|False, user=…, on=…, note="") -> ApprovalRequest

Only credit managers and administrators decide (margins.NotAllowed otherwise), and never
on their own request. Approved: the promise's pauses run to its date plus grace, the plan
becomes active, the settlement is offered. Refused: the promise is cancelled, the plan and
the settlement are refused (their pauses end). A request already decided is left as it is.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from relance.core.errors import BadInput
from relance.negotiation import plans, promises, settlements
from relance.negotiation.margins import APPROVER_ROLES, NotAllowed, role_of
from relance.negotiation.models import ApprovalKind, ApprovalRequest, ApprovalStatus


def pending(creditor_id: int) -> QuerySet[ApprovalRequest]:
    return (
        ApprovalRequest.objects.filter(creditor_id=creditor_id, status=ApprovalStatus.PENDING)
        .select_related("customer", "promise", "plan", "settlement", "requested_by")
        .order_by("created_at", "pk")
    )


def can_decide(user: Any, creditor_id: int) -> bool:
    return role_of(user, creditor_id) in APPROVER_ROLES


@transaction.atomic
def decide(
    request: ApprovalRequest, *, approve: bool, user: Any, on: date, note: str = ""
) -> ApprovalRequest:
    if not can_decide(user, request.creditor_id):
        raise NotAllowed("only a credit manager or an administrator approves or refuses")
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ApprovalStatus.PENDING:
        raise BadInput(f"approval request #{request.pk} is already {request.status}")
    if request.requested_by_id is not None and request.requested_by_id == user.pk:
        raise NotAllowed("a request is decided by someone other than the person who made it")
    if not approve and not note.strip():
        raise BadInput("note: say why the request is refused")
    if request.kind == ApprovalKind.PROMISE:
        assert request.promise is not None
        if approve:
            promises.approved(request.promise)
        else:
            promises.refused(request.promise, on)
    elif request.kind == ApprovalKind.PLAN:
        assert request.plan is not None
        if approve:
            plans.approved(request.plan, user)
        else:
            plans.refused(request.plan, on)
    else:
        assert request.settlement is not None
        if approve:
            settlements.approved(request.settlement, user)
        else:
            settlements.refused(request.settlement, on)
    request.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REFUSED
    request.decided_by = user
    request.decided_at = timezone.now()
    request.decision_note = note.strip()[:300]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return request
