"""The worklist: what a collector (or the team) should do today, ranked.

    build(membership, as_of, collector_id=None, kinds=None) -> list[WorkItem]

The worklist is the union of **sources**. A source is a small function

    source(creditor, as_of, customer_ids) -> list[WorkItem]

that reads a few set-based queries (never one per customer) over the customers of
`customer_ids` (a queryset of customer ids, or a collection of them) and returns one item per
thing to do, each with its reason in words, the customer, the amount at stake and a link to
the page where the collector acts on it: the call screen (a call task, with the task chosen;
a call-back), the promises of the customer's page (promises have no page of their own), the
plan, the dispute, the plan form (a plan asked for), the reminders of the day to approve,
the approval queue. `build` restricts the customers to what the membership may see
(`relance.accounts.access`), asks every registered source, fills in each item's customer,
collector and risk segment with one query, scores the items and sorts them.

Sources are registered in `SOURCES`; another app adds its own with one line:

    worklist.register("reply", _("replies to handle"), replies_to_handle)
    worklist.register("legal_deadline", _("legal deadlines"), legal_deadlines)

(`managers_only=True` keeps a source for administrators and credit managers.)

**Ranking.** score = amount at stake × urgency × risk, highest first:

- amount at stake: in major units of the item's currency (no exchange rate is applied: a
  worklist in several currencies ranks their amounts side by side);
- urgency from the days late, `as_of − due` where `due` is the day the item fell due (the
  promised date, the instalment's date, the call-back date, the task's date, the date a
  dispute should be resolved by, the day an approval was asked): 0.5 before that day,
  then 1 + min(days late, 30) / 10 (1.0 on the day, 1.7 a week late, 4.0 from 30 days);
- risk from the customer's computed risk profile (`relance.risk.models.RiskProfile.segment`):
  `RISK_FACTORS`, 1.0 without a profile.

Ties: the oldest due date first, then the customer's name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relance.accounts.access import visible_customers
from relance.accounts.models import Membership, Role
from relance.core.models import money
from relance.creditors.models import Creditor
from relance.customers.models import Customer
from relance.domain import dunning as dd
from relance.dunning.models import DOCUMENT_KINDS, LABELS, Action, ActionStatus
from relance.ledger.models import Invoice, InvoiceStatus
from relance.negotiation.models import (
    ApprovalRequest,
    ApprovalStatus,
    CallLog,
    CallOutcome,
    Dispute,
    DisputeStatus,
    Instalment,
    InstalmentStatus,
    PaymentPlan,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from relance.web.templatetags.relance import format_day, format_money

CustomerIds = QuerySet[Any] | Collection[int]
SourceFn = Callable[[Creditor, date, CustomerIds], list["WorkItem"]]

#: risk factor of each computed risk segment (relance.domain.segments.Segment)
RISK_FACTORS: dict[str, Decimal] = {
    "good_payer": Decimal("0.8"),
    "new": Decimal("1.0"),
    "first_time_late": Decimal("1.1"),
    "occasional_late": Decimal("1.2"),
    "chronic_late": Decimal("1.5"),
    "in_difficulty": Decimal("1.5"),
    "avoider": Decimal("2.0"),
}
#: urgency before the due day, and the days late after which urgency stops growing
NOT_YET_DUE = Decimal("0.5")
URGENCY_CAP_DAYS = 30
#: a broken promise or a breached plan stays on the worklist this many days unless followed up
RECENT_DAYS = 30

#: the dunning statuses of a call or meeting task still to be carried out
LIVE_TASK = (ActionStatus.PLANNED, ActionStatus.SENDING, ActionStatus.SENT)
#: the statuses of a later dunning action that supersedes an earlier call task
LIVE_ACTION = (*LIVE_TASK, ActionStatus.NEEDS_APPROVAL)
TASK_CHANNELS = (dd.Channel.CALL.value, dd.Channel.MEETING.value)


@dataclass
class WorkItem:
    """One line of the worklist. Sources fill the first fields; `build` the rest."""

    kind: str
    customer_id: int
    currency: str
    amount_minor: int
    #: the day the item fell due (urgency counts the days late from it)
    due: date
    reason: str
    #: where to act (a page of the web UI)
    url: str
    #: a stable reference of the object behind the line ("promise:12")
    ref: str
    customer_name: str = ""
    collector_id: int | None = None
    collector: str = ""
    segment: str = ""
    days_late: int = 0
    urgency: Decimal = Decimal(1)
    risk: Decimal = Decimal(1)
    score: Decimal = Decimal(0)

    @property
    def amount(self) -> Any:
        return money(self.amount_minor, self.currency)


@dataclass(frozen=True)
class Source:
    kind: str
    label: Any  # a lazy translation
    fn: SourceFn
    managers_only: bool = False


SOURCES: dict[str, Source] = {}


def register(kind: str, label: Any, fn: SourceFn, *, managers_only: bool = False) -> SourceFn:
    """Add a source of worklist items (its `kind` is unique; registering it again replaces it)."""
    SOURCES[kind] = Source(kind, label, fn, managers_only)
    return fn


def kinds() -> list[tuple[str, str]]:
    """(kind, label) of every registered source, in registration order."""
    return [(s.kind, str(s.label)) for s in SOURCES.values()]


def approves(membership: Membership) -> bool:
    """Administrators and credit managers decide approvals (the review queue, margins)."""
    return membership.role in (Role.ADMIN, Role.CREDIT_MANAGER)


# --------------------------------------------------------------------------- ranking


def urgency(days_late: int) -> Decimal:
    if days_late < 0:
        return NOT_YET_DUE
    return 1 + Decimal(min(days_late, URGENCY_CAP_DAYS)) / 10


def risk_factor(segment: str | None) -> Decimal:
    return RISK_FACTORS.get(segment or "", Decimal(1))


def score(amount_minor: int, currency: str, days_late: int, segment: str | None) -> Decimal:
    """amount at stake (major units) × urgency × risk, to the cent."""
    amount = money(amount_minor, currency).amount
    return (amount * urgency(days_late) * risk_factor(segment)).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- build


def scope(membership: Membership, collector_id: int | None = None) -> QuerySet[Customer]:
    """The customers whose items the membership sees (a team member may pick one collector)."""
    qs = visible_customers(membership)
    if collector_id is not None and membership.sees_all_customers:
        qs = qs.filter(assigned_collector_id=collector_id)
    return qs


def build(
    membership: Membership,
    as_of: date,
    *,
    collector_id: int | None = None,
    kinds: Iterable[str] | None = None,
) -> list[WorkItem]:
    """Every item of every source the membership may use, scored and sorted."""
    wanted = set(kinds) if kinds is not None else None
    ids = scope(membership, collector_id).values("pk")
    items: list[WorkItem] = []
    for source in SOURCES.values():
        if wanted is not None and source.kind not in wanted:
            continue
        if source.managers_only and not approves(membership):
            continue
        items.extend(source.fn(membership.creditor, as_of, ids))
    return rank(items, as_of)


def rank(items: list[WorkItem], as_of: date) -> list[WorkItem]:
    """Fill in the customer, collector and risk of each item (one query), score and sort."""
    facts = {
        row["pk"]: row
        for row in Customer.objects.filter(pk__in={i.customer_id for i in items}).values(
            "pk",
            "legal_name",
            "assigned_collector_id",
            "assigned_collector__username",
            "assigned_collector__first_name",
            "assigned_collector__last_name",
            "risk_profile__segment",
        )
    }
    for item in items:
        row = facts[item.customer_id]
        item.customer_name = row["legal_name"]
        item.collector_id = row["assigned_collector_id"]
        full = f"{row['assigned_collector__first_name']} {row['assigned_collector__last_name']}"
        item.collector = full.strip() or (row["assigned_collector__username"] or "")
        item.segment = row["risk_profile__segment"] or ""
        item.days_late = (as_of - item.due).days
        item.urgency = urgency(item.days_late)
        item.risk = risk_factor(item.segment)
        item.score = score(item.amount_minor, item.currency, item.days_late, item.segment)
    items.sort(key=lambda i: (-i.score, i.due, i.customer_name, i.ref))
    return items


# --------------------------------------------------------------------------- wording


def _money(minor: int, currency: str) -> str:
    return format_money(money(minor, currency))


def when(day: date, as_of: date) -> str:
    """ "today", "yesterday", "tomorrow", else "on 12/03/2025"."""
    delta = (day - as_of).days
    if delta == 0:
        return _("today")
    if delta == -1:
        return _("yesterday")
    if delta == 1:
        return _("tomorrow")
    return _("on %(date)s") % {"date": format_day(day)}


def _call_url(customer_id: int, task: Action | None = None) -> str:
    """The call screen of the customer; with a task, that task chosen in its form."""
    url = reverse("call_screen", args=[customer_id])
    if task is None:
        return url
    return f"{url}?{urlencode({'action': str(task.pk), 'kind': str(task.channel)})}"


def _promises_url(customer_id: int) -> str:
    """Promises have no page of their own: the promises of the customer's page."""
    return reverse("customer", args=[customer_id]) + "#negotiation-promises"


def overdue_by_customer(customer_ids: Iterable[int], as_of: date) -> dict[tuple[int, str], int]:
    """(customer, currency) → the open amount of invoices past due at `as_of` (one query)."""
    rows = (
        Invoice.objects.filter(
            customer_id__in=set(customer_ids),
            status=InvoiceStatus.ISSUED,
            open_minor__gt=0,
            due_date__lt=as_of,
        )
        .values("customer_id", "currency")
        .annotate(overdue=Sum("open_minor"))
    )
    return {(r["customer_id"], r["currency"]): r["overdue"] for r in rows}


# --------------------------------------------------------------------------- sources


def calls_due(creditor: Creditor, as_of: date, customer_ids: CustomerIds) -> list[WorkItem]:
    """Call and meeting tasks the dunning run planned, not carried out yet.

    A task is the Action of a `call` or `meeting` step (planned, or already handed to the
    capture backend, which keeps the call script for the collector). It is done when a
    CallLog links it (`CallLog.action`); it drops off when a later dunning action of the
    same customer and currency (dated up to `as_of`) supersedes it, or when nothing of that
    currency is overdue.
    """
    later = Action.objects.filter(
        customer_id=OuterRef("customer_id"),
        currency=OuterRef("currency"),
        as_of__gt=OuterRef("as_of"),
        as_of__lte=as_of,
        status__in=LIVE_ACTION,
    ).exclude(kind__in=DOCUMENT_KINDS)
    tasks = list(
        Action.objects.filter(
            creditor=creditor,
            customer_id__in=customer_ids,
            channel__in=TASK_CHANNELS,
            status__in=LIVE_TASK,
            as_of__lte=as_of,
        )
        .exclude(kind__in=DOCUMENT_KINDS)
        .filter(~Exists(CallLog.objects.filter(action_id=OuterRef("pk"))), ~Exists(later))
        .only("pk", "customer_id", "currency", "as_of", "channel", "step_key")
    )
    overdue = overdue_by_customer((t.customer_id for t in tasks), as_of)
    items = []
    for task in tasks:
        at_stake = overdue.get((task.customer_id, task.currency), 0)
        if at_stake <= 0:
            continue
        what = str(LABELS.get(task.channel, task.channel))
        items.append(
            WorkItem(
                kind="call",
                customer_id=task.customer_id,
                currency=task.currency,
                amount_minor=at_stake,
                due=task.as_of,
                reason=_("%(what)s planned %(when)s (step %(step)s), not made yet")
                % {"what": what, "when": when(task.as_of, as_of), "step": task.step_key},
                url=_call_url(task.customer_id, task),
                ref=f"action:{task.pk}",
            )
        )
    return items


def _latest_per_customer(calls: Iterable[CallLog]) -> list[CallLog]:
    latest: dict[int, CallLog] = {}
    for call in calls:
        kept = latest.get(call.customer_id)
        if kept is None or (call.at, call.pk) > (kept.at, kept.pk):
            latest[call.customer_id] = call
    return list(latest.values())


def _customer_currency(customer_ids: Iterable[int]) -> dict[int, str]:
    return dict(Customer.objects.filter(pk__in=set(customer_ids)).values_list("pk", "currency"))


def call_backs_due(creditor: Creditor, as_of: date, customer_ids: CustomerIds) -> list[WorkItem]:
    """Calls that asked to call back on a day now reached, with no call since."""
    later = CallLog.objects.filter(customer_id=OuterRef("customer_id"), at__gt=OuterRef("at"))
    calls = _latest_per_customer(
        CallLog.objects.filter(
            creditor=creditor,
            customer_id__in=customer_ids,
            call_back_on__isnull=False,
            call_back_on__lte=as_of,
        )
        .filter(~Exists(later))
        .only("pk", "customer_id", "at", "on", "call_back_on", "outcome")
    )
    currency = _customer_currency(c.customer_id for c in calls)
    overdue = overdue_by_customer((c.customer_id for c in calls), as_of)
    items = []
    for call in calls:
        assert call.call_back_on is not None
        cur = currency[call.customer_id]
        items.append(
            WorkItem(
                kind="call_back",
                customer_id=call.customer_id,
                currency=cur,
                amount_minor=overdue.get((call.customer_id, cur), 0),
                due=call.call_back_on,
                reason=_("call back due %(when)s (call of %(date)s: %(outcome)s)")
                % {
                    "when": when(call.call_back_on, as_of),
                    "date": format_day(call.on),
                    "outcome": call.get_outcome_display(),
                },
                url=_call_url(call.customer_id),
                ref=f"call:{call.pk}",
            )
        )
    return items


def actions_to_approve(
    creditor: Creditor, as_of: date, customer_ids: CustomerIds
) -> list[WorkItem]:
    """The dunning review queue: actions the run planned with status needs_approval."""
    actions = Action.objects.filter(
        creditor=creditor, customer_id__in=customer_ids, status=ActionStatus.NEEDS_APPROVAL
    ).only(
        "pk",
        "customer_id",
        "currency",
        "as_of",
        "channel",
        "kind",
        "step_key",
        "total_minor",
        "overdue_total_minor",
    )
    items = []
    for action in actions:
        what = str(LABELS.get(action.kind, action.kind))
        channel = str(LABELS.get(action.channel, action.channel))
        items.append(
            WorkItem(
                kind="review",
                customer_id=action.customer_id,
                currency=action.currency,
                amount_minor=action.overdue_total_minor or action.total_minor,
                due=action.as_of,
                reason=_("%(what)s by %(channel)s of %(date)s awaiting approval (step %(step)s)")
                % {
                    "what": what,
                    "channel": channel,
                    "date": format_day(action.as_of),
                    "step": action.step_key,
                },
                url=f"{reverse('reminders')}?date={action.as_of.isoformat()}",
                ref=f"action:{action.pk}",
            )
        )
    return items


def approvals_pending(creditor: Creditor, as_of: date, customer_ids: CustomerIds) -> list[WorkItem]:
    """Negotiation approval requests (beyond a collector's margin) not decided yet."""
    requests = ApprovalRequest.objects.filter(
        creditor=creditor, customer_id__in=customer_ids, status=ApprovalStatus.PENDING
    ).select_related("promise", "plan", "settlement", "requested_by")
    items = []
    for req in requests:
        if req.promise is not None:
            currency, at_stake = req.promise.currency, req.promise.amount_minor
        elif req.plan is not None:
            currency, at_stake = req.plan.currency, req.plan.total_minor
        else:
            assert req.settlement is not None
            currency, at_stake = req.settlement.currency, req.settlement.owed_minor
        who = req.requested_by.get_username() if req.requested_by is not None else "—"
        asked = req.created_at.date()
        items.append(
            WorkItem(
                kind="approval",
                customer_id=req.customer_id,
                currency=currency,
                amount_minor=at_stake,
                due=asked,
                reason=_("%(what)s asked by %(who)s %(when)s: %(why)s")
                % {
                    "what": req.get_kind_display(),
                    "who": who,
                    "when": when(asked, as_of),
                    "why": req.why,
                },
                url=reverse("negotiation_approvals") + f"#approval-{req.pk}",
                ref=f"approval:{req.pk}",
            )
        )
    return items


def broken_promises(creditor: Creditor, as_of: date, customer_ids: CustomerIds) -> list[WorkItem]:
    """Promises broken in the last RECENT_DAYS days and not followed up since.

    Followed up: a call or meeting logged, another promise taken or a payment plan agreed on
    or after the day the promise was found broken, or the promise replaced by another.
    """
    since = OuterRef("settled_on")
    followed = (
        Exists(CallLog.objects.filter(customer_id=OuterRef("customer_id"), on__gte=since))
        | Exists(
            Promise.objects.filter(
                customer_id=OuterRef("customer_id"), taken_on__gte=since
            ).exclude(pk=OuterRef("pk"))
        )
        | Exists(
            PaymentPlan.objects.filter(customer_id=OuterRef("customer_id"), agreed_on__gte=since)
        )
    )
    promises = (
        Promise.objects.filter(
            creditor=creditor,
            customer_id__in=customer_ids,
            status=PromiseStatus.BROKEN,
            replaced_by__isnull=True,
            settled_on__gte=as_of - timedelta(days=RECENT_DAYS),
            settled_on__lte=as_of,
        )
        .filter(~followed)
        .only(
            "pk",
            "customer_id",
            "currency",
            "amount_minor",
            "paid_minor",
            "promised_on",
            "settled_on",
        )
    )
    items = []
    for promise in promises:
        assert promise.settled_on is not None
        reason = _("promise of %(amount)s broken %(when)s") % {
            "amount": _money(promise.amount_minor, promise.currency),
            "when": when(promise.settled_on, as_of),
        }
        if promise.paid_minor:
            reason += " " + _("(%(paid)s received)") % {
                "paid": _money(promise.paid_minor, promise.currency)
            }
        items.append(
            WorkItem(
                kind="broken_promise",
                customer_id=promise.customer_id,
                currency=promise.currency,
                amount_minor=max(promise.amount_minor - promise.paid_minor, 0),
                due=promise.promised_on,
                reason=reason,
                url=_promises_url(promise.customer_id),
                ref=f"promise:{promise.pk}",
            )
        )
    return items


def promises_due(creditor: Creditor, as_of: date, customer_ids: CustomerIds) -> list[WorkItem]:
    """Pending promises due today or tomorrow, and those past their date not judged yet."""
    promises = Promise.objects.filter(
        creditor=creditor,
        customer_id__in=customer_ids,
        status=PromiseStatus.PENDING,
        promised_on__lte=as_of + timedelta(days=1),
    ).only("pk", "customer_id", "currency", "amount_minor", "promised_on")
    items = []
    for promise in promises:
        values = {
            "amount": _money(promise.amount_minor, promise.currency),
            "when": when(promise.promised_on, as_of),
        }
        if promise.promised_on >= as_of:
            reason = _("promise of %(amount)s due %(when)s") % values
        else:
            reason = _("promise of %(amount)s was due %(when)s: payment not seen yet") % values
        items.append(
            WorkItem(
                kind="promise_due",
                customer_id=promise.customer_id,
                currency=promise.currency,
                amount_minor=promise.amount_minor,
                due=promise.promised_on,
                reason=reason,
                url=_promises_url(promise.customer_id),
                ref=f"promise:{promise.pk}",
            )
        )
    return items


def missed_instalments(
    creditor: Creditor, as_of: date, customer_ids: CustomerIds
) -> list[WorkItem]:
    """Instalments marked missed, or unpaid once their date plus the plan's grace days passed,
    on active plans and on plans breached in the last RECENT_DAYS days."""
    count = (
        Instalment.objects.filter(plan_id=OuterRef("plan_id"))
        .exclude(status=InstalmentStatus.CANCELLED)
        .values("plan_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Instalment.objects.filter(
            plan__creditor=creditor,
            plan__customer_id__in=customer_ids,
            paid_minor__lt=F("amount_minor"),
        )
        .filter(
            Q(plan__status=PlanStatus.ACTIVE)
            | Q(
                plan__status=PlanStatus.BREACHED,
                plan__ended_on__gte=as_of - timedelta(days=RECENT_DAYS),
            )
        )
        .filter(
            Q(status=InstalmentStatus.MISSED) | Q(status=InstalmentStatus.DUE, due_on__lt=as_of)
        )
        .annotate(of=Coalesce(Subquery(count), 0))
        .select_related("plan")
    )
    items = []
    for inst in rows:
        plan = inst.plan
        if (
            inst.status == InstalmentStatus.DUE
            and inst.due_on + timedelta(days=plan.grace_days) >= as_of
        ):
            continue  # still within the plan's grace days
        missing = inst.amount_minor - inst.paid_minor
        items.append(
            WorkItem(
                kind="missed_instalment",
                customer_id=plan.customer_id,
                currency=plan.currency,
                amount_minor=missing,
                due=inst.due_on,
                reason=_("instalment %(n)s of %(of)s (%(amount)s) missed since %(date)s")
                % {
                    "n": inst.number,
                    "of": inst.of,
                    "amount": _money(missing, plan.currency),
                    "date": format_day(inst.due_on),
                },
                url=reverse("negotiation_plan", args=[plan.pk]),
                ref=f"instalment:{inst.pk}",
            )
        )
    return items


def disputes_to_resolve(
    creditor: Creditor, as_of: date, customer_ids: CustomerIds
) -> list[WorkItem]:
    """Open disputes, by the date they should be resolved by (their opening date if none)."""
    disputes = (
        Dispute.objects.filter(
            creditor=creditor,
            customer_id__in=customer_ids,
            status__in=(DisputeStatus.OPEN, DisputeStatus.IN_PROGRESS),
        )
        .annotate(at_stake=Coalesce(Sum("items__amount_minor"), 0))
        .only("pk", "customer_id", "currency", "reason", "opened_on", "due_on", "status")
    )
    items = []
    for dispute in disputes:
        due = dispute.due_on or dispute.opened_on
        values = {
            "reason": dispute.get_reason_display(),
            "opened": format_day(dispute.opened_on),
            "date": format_day(due),
        }
        late = (as_of - due).days
        if dispute.due_on is None:
            reason = _("dispute (%(reason)s) opened on %(opened)s, no date set to resolve it")
        elif late > 0:
            reason = _("dispute (%(reason)s) to resolve by %(date)s: %(n)s days overdue")
            values["n"] = str(late)
        else:
            reason = _("dispute (%(reason)s) opened on %(opened)s, to resolve by %(date)s")
        items.append(
            WorkItem(
                kind="dispute",
                customer_id=dispute.customer_id,
                currency=dispute.currency,
                amount_minor=dispute.at_stake,
                due=due,
                reason=reason % values,
                url=reverse("dispute", args=[dispute.pk]),
                ref=f"dispute:{dispute.pk}",
            )
        )
    return items


def plans_requested(creditor: Creditor, as_of: date, customer_ids: CustomerIds) -> list[WorkItem]:
    """A payment plan asked for on a call, with no plan recorded since."""
    plan_since = PaymentPlan.objects.filter(
        customer_id=OuterRef("customer_id"), agreed_on__gte=OuterRef("on")
    )
    calls = _latest_per_customer(
        CallLog.objects.filter(
            creditor=creditor,
            customer_id__in=customer_ids,
            outcome=CallOutcome.PLAN_REQUESTED,
            plan__isnull=True,
            on__lte=as_of,
        )
        .filter(~Exists(plan_since))
        .only("pk", "customer_id", "at", "on")
    )
    currency = _customer_currency(c.customer_id for c in calls)
    overdue = overdue_by_customer((c.customer_id for c in calls), as_of)
    return [
        WorkItem(
            kind="plan_requested",
            customer_id=call.customer_id,
            currency=currency[call.customer_id],
            amount_minor=overdue.get((call.customer_id, currency[call.customer_id]), 0),
            due=call.on,
            reason=_("payment plan requested on the call of %(date)s, none proposed yet")
            % {"date": format_day(call.on)},
            url=reverse("negotiation_plan_new", args=[call.customer_id]),
            ref=f"call:{call.pk}",
        )
        for call in calls
    ]


register("call", gettext_lazy("calls and meetings"), calls_due)
register("call_back", gettext_lazy("call-backs"), call_backs_due)
register("broken_promise", gettext_lazy("broken promises"), broken_promises)
register("promise_due", gettext_lazy("promises due"), promises_due)
register("missed_instalment", gettext_lazy("missed instalments"), missed_instalments)
register("dispute", gettext_lazy("disputes to resolve"), disputes_to_resolve)
register("plan_requested", gettext_lazy("payment plans requested"), plans_requested)
register("review", gettext_lazy("reminders to approve"), actions_to_approve, managers_only=True)
register("approval", gettext_lazy("approval requests"), approvals_pending, managers_only=True)

__all__ = [
    "RISK_FACTORS",
    "SOURCES",
    "Source",
    "WorkItem",
    "build",
    "kinds",
    "rank",
    "register",
    "score",
    "urgency",
]
