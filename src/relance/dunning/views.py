"""Reminders page: what goes out on a date and why items were held back; the review queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.models import Membership
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.dunning.models import LABELS, Action, ActionStatus, Holdback, Run
from relance.dunning.services import Decision, decide, plan_run
from relance.dunning.tick import plan_day
from relance.ledger.models import Invoice
from relance.web.access import member_required
from relance.web.as_of import query_day
from relance.web.forms import parse_as_of


@dataclass
class MessageRow:
    customer: Customer
    currency: str
    step_key: str
    tone: str
    status: str

    @property
    def tone_label(self) -> str:
        return str(LABELS[self.tone])

    @property
    def status_label(self) -> str:
        return str(ActionStatus(self.status).label)

    total_minor: int
    overdue_total_minor: int
    channels: list[str] = field(default_factory=list)  # labels
    action_ids: list[int] = field(default_factory=list)
    invoices: list[tuple[str, str, bool]] = field(default_factory=list)  # number, level, moves

    @property
    def links(self) -> list[tuple[str, int]]:
        """(channel label, action id): each action's page, with its preview (a saved plan)."""
        return list(zip(self.channels, self.action_ids, strict=False))


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _date(request: HttpRequest) -> date:
    """?date=YYYY-MM-DD, else tomorrow (a bad value is reported)."""
    day = query_day(request, "date", _("“%(value)s” is not a date (YYYY-MM-DD)."))
    return day or timezone.localdate() + timedelta(days=1)


@member_required
def reminders(request: HttpRequest) -> HttpResponse:
    """The plan of a date: the saved run if there is one, else a preview (nothing written)."""
    membership = _membership(request)
    day = _date(request)
    creditor = membership.creditor
    visible = Customer.objects.filter(creditor=creditor)
    if not membership.sees_all_customers:
        visible = visible.filter(assigned_collector_id=membership.user_id)
    customers = {c.pk: c for c in visible.only("id", "legal_name", "creditor_id")}
    run = Run.objects.filter(creditor=creditor, as_of=day).first()
    rows: dict[tuple[int, str], MessageRow] = {}
    held: list[dict[str, Any]] = []
    if run is not None:
        actions = list(
            Action.objects.filter(run=run, customer_id__in=customers)
            .order_by("customer_id", "currency", "channel")
            .prefetch_related("items")
        )
        lines = {a.pk: a.lines() for a in actions}
        invoices = {
            pk: (number, due)
            for pk, number, due in Invoice.objects.filter(
                pk__in={x.invoice_id for ls in lines.values() for x in ls}
            ).values_list("id", "number", "due_date")
        }
        items: dict[int, list[tuple[str, str, bool]]] = {
            pk: [
                (invoices[x.invoice_id][0], x.level_key, x.advances)
                for x in sorted(ls, key=lambda x: (invoices[x.invoice_id][1], x.invoice_id))
            ]
            for pk, ls in lines.items()
        }
        for a in actions:
            row = rows.setdefault(
                (a.customer_id, a.currency),
                MessageRow(
                    customers[a.customer_id],
                    a.currency,
                    a.step_key,
                    a.tone,
                    a.status,
                    a.total_minor,
                    a.overdue_total_minor,
                    invoices=items[a.pk],
                ),
            )
            row.channels.append(LABELS[a.channel])
            row.action_ids.append(a.pk)
        for h in Holdback.objects.filter(run=run, customer_id__in=customers).select_related(
            "invoice"
        ):
            held.append(
                {
                    "customer": customers[h.customer_id],
                    "invoice": h.invoice,
                    "reason": h.reason,
                    "step": h.step_key,
                }
            )
    else:
        preview = plan_run(creditor, day, dry_run=True)
        numbers = dict(
            Invoice.objects.filter(
                pk__in={line.invoice_id for a in preview.actions for line in a.lines}
                | {h.invoice_id for h in preview.holdbacks if h.invoice_id}
            ).values_list("id", "number")
        )
        for p in preview.actions:
            if p.customer_id not in customers:
                continue
            row = rows.setdefault(
                (p.customer_id, p.currency),
                MessageRow(
                    customers[p.customer_id],
                    p.currency,
                    p.step.key,
                    p.tone,
                    p.status,
                    p.total_minor,
                    p.overdue_total_minor,
                    invoices=[(numbers[i.invoice_id], i.level_key, i.advances) for i in p.lines],
                ),
            )
            row.channels.append(LABELS[p.channel])
        for planned in preview.holdbacks:
            if planned.customer_id in customers:
                invoice_id = planned.invoice_id
                held.append(
                    {
                        "customer": customers[planned.customer_id],
                        "invoice": {"pk": invoice_id, "number": numbers.get(invoice_id)}
                        if invoice_id
                        else None,
                        "reason": planned.reason,
                        "step": planned.step_key,
                    }
                )
    today = timezone.localdate()
    context = {
        "day": day,
        "run": run,
        "planned_at": timezone.localtime(run.created_at) if run else None,
        "rows": sorted(rows.values(), key=lambda r: (r.customer.legal_name, r.currency)),
        "held": held,
        "waiting": sum(1 for r in rows.values() if r.status == ActionStatus.NEEDS_APPROVAL),
        "can_plan": membership.can_import and run is None and day == today,
        "can_decide": membership.can_import,
        "today": today,
        "tomorrow": today + timedelta(days=1),
    }
    return render(request, "dunning/reminders.html", context)


@member_required
@require_POST
def plan_today(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if not membership.can_import:
        raise PermissionDenied
    today = timezone.localdate()
    try:
        planned = plan_day(membership.creditor, today, user=request.user)
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        for name, why in planned.failed.items():
            messages.warning(
                request,
                _(
                    "The daily job %(name)s failed (%(why)s); the reminders were planned "
                    "all the same."
                )
                % {"name": name, "why": why},
            )
        summary = planned.run.summary()
        messages.success(
            request,
            _("%(messages)s messages planned for %(customers)s customers.")
            % {"messages": summary["messages"], "customers": summary["customers"]},
        )
    return HttpResponseRedirect(f"{reverse('reminders')}?date={today.isoformat()}")


@member_required
@require_POST
def decide_view(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if not membership.can_import:
        raise PermissionDenied
    ids = [int(v) for v in request.POST.getlist("action") if v.isdigit()]
    try:
        decision = Decision(request.POST.get("decision", ""))
    except ValueError:
        messages.error(request, _("Choose to approve or to skip."))
    else:
        try:
            changed = decide(
                membership.creditor_id,
                ids,
                decision,
                reason=request.POST.get("reason", ""),
                user=request.user,
            )
        except BadInput:
            messages.error(request, _("Give a reason to skip a reminder."))
        else:
            if decision == Decision.APPROVE:
                messages.success(request, _("%(n)s actions approved.") % {"n": changed})
            else:
                messages.success(request, _("%(n)s actions skipped.") % {"n": changed})
    back = request.POST.get("date", "")
    suffix = f"?date={back}" if parse_as_of(back) else ""
    return HttpResponseRedirect(reverse("reminders") + suffix)
