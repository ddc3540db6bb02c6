"""Payment plans (échéanciers): the schedule, its checks, activation, payments, breach.

    equal_instalments(total_minor, count, first_on, every_months=1) -> [(date, minor)]
    propose_plan(customer, invoices=[…], instalments=[(date, minor)…], agreed_on=…, user=…)
    propose_plan(customer, …, channel=Source.PORTAL, self_service=portal_margin_for(…))
    cancel_plan(plan, on, user=None, reason="")
    fill_instalments(plan, day)      payments on its invoices fill instalments in order
    evaluate_plans(creditor, day)    reminders, completion, breach (relance.negotiation.daily)

The schedule: at least one instalment; the instalments sum exactly to the plan's amount, the
open total of its invoices; their dates increase strictly and none is before the agreement
date. The customer's pending promises on these invoices are cancelled (the plan replaces
them); an invoice already in an active plan, or one awaiting approval, is refused.

Active, the plan pauses its invoices until its last instalment plus grace and, when its
penalties are waived, waives them (relance.negotiation.models.PenaltyWaiver). Beyond the
taker's margins (number of instalments, length) it waits in `needs_approval`, its invoices
paused for APPROVAL_PAUSE_DAYS meanwhile, with an ApprovalRequest for a credit manager. A
plan no person takes (the debtor portal) names the margin to check instead: `self_service`,
the creditor's portal margin (relance.negotiation.margins.portal_plan_excess), with the same
outcome beyond it.

Payments (not credit notes) received on its invoices from the agreement date fill the
instalments in order. An instalment still not fully paid `grace_days` after its date
breaches the plan: status breached, the instalment missed, pauses ended, waivers lapsed,
and dunning resumes at a firmer step (relance.negotiation.escalation). All paid: completed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.customers.models import Contact, Customer
from relance.domain.calendar import add_months
from relance.domain.identifiers import IdentifierError, clean_bic, clean_iban
from relance.domain.money import Money
from relance.dunning.models import Pause
from relance.negotiation.common import (
    cancel_planned,
    end_pause_rows,
    open_invoices,
    pause_invoices,
    payments_by_day,
    waive_penalties,
)
from relance.negotiation.margins import (
    PortalLimits,
    margin_for,
    need_writer,
    open_request,
    plan_excess,
    portal_plan_excess,
)
from relance.negotiation.models import (
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Instalment,
    InstalmentStatus,
    PaymentPlan,
    PenaltyWaiver,
    PlanStatus,
    Promise,
    PromiseStatus,
    Source,
)

#: days a plan awaiting approval pauses its invoices (the time to decide)
APPROVAL_PAUSE_DAYS = 7
MAX_INSTALMENTS = 120
#: characters a SEPA mandate reference may hold (EPC rulebook, Latin character set)
_MANDATE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/-?:().,'+ ")


def _amount(minor: int, currency: str) -> str:
    return str(Money.from_minor(minor, currency))


def equal_instalments(
    total_minor: int, count: int, first_on: date, every_months: int = 1
) -> list[tuple[date, int]]:
    """`count` instalments, one every `every_months` from `first_on`, as equal as the minor
    unit allows: the cents left over go to the last one."""
    if count < 1 or count > MAX_INSTALMENTS:
        raise BadInput(f"count: between 1 and {MAX_INSTALMENTS} instalments")
    if every_months < 1 or every_months > 12:
        raise BadInput("every_months: between 1 and 12")
    if total_minor < count:
        raise BadInput("count: more instalments than minor units in the amount")
    part = total_minor // count
    rows = [(add_months(first_on, n * every_months), part) for n in range(count)]
    last_day, last = rows[-1]
    rows[-1] = (last_day, last + total_minor - part * count)
    return rows


def check_schedule(
    total_minor: int, currency: str, agreed_on: date, rows: Sequence[tuple[date, int]]
) -> None:
    """BadInput naming the instalment and the field when the schedule does not hold."""
    if not rows:
        raise BadInput("instalments: a plan has at least one instalment")
    if len(rows) > MAX_INSTALMENTS:
        raise BadInput(f"instalments: at most {MAX_INSTALMENTS}")
    previous: date | None = None
    for n, (day, minor) in enumerate(rows, start=1):
        if minor <= 0:
            raise BadInput(f"instalments[{n}].amount: must be greater than zero")
        if day < agreed_on:
            raise BadInput(
                f"instalments[{n}].due_on: {day.isoformat()} is before the agreement date "
                f"({agreed_on.isoformat()})"
            )
        if previous is not None and day <= previous:
            raise BadInput(
                f"instalments[{n}].due_on: {day.isoformat()} is not after instalment {n - 1} "
                f"({previous.isoformat()}): dates must increase strictly"
            )
        previous = day
    scheduled = sum(minor for _day, minor in rows)
    if scheduled != total_minor:
        raise BadInput(
            f"instalments: they add up to {_amount(scheduled, currency)}, the plan's amount "
            f"(the open total of its invoices) is {_amount(total_minor, currency)}; "
            f"difference {_amount(total_minor - scheduled, currency)}"
        )


def check_mandate(
    iban: str, bic: str, reference: str, signed_on: date | None, agreed_on: date
) -> tuple[str, str, str]:
    """The debtor's IBAN and BIC cleaned, and the mandate reference; BadInput otherwise.
    All empty: no direct debit."""
    if not (iban or bic or reference or signed_on):
        return "", "", ""
    try:
        iban = clean_iban(iban, "sepa_iban") if iban else ""
        bic = clean_bic(bic, "sepa_bic") if bic else ""
    except IdentifierError as exc:
        raise BadInput(f"{exc.issue.field}: {exc.issue.message('en')}") from exc
    if not iban:
        raise BadInput("sepa_iban: the debtor's IBAN is required for a direct debit")
    reference = reference.strip()
    if not reference:
        raise BadInput("sepa_mandate_ref: the mandate reference is required for a direct debit")
    if len(reference) > 35 or not set(reference) <= _MANDATE_CHARS:
        raise BadInput(
            "sepa_mandate_ref: at most 35 letters, digits or / - ? : ( ) . , ' + and spaces"
        )
    if signed_on is None:
        raise BadInput("sepa_mandate_date: the date the mandate was signed is required")
    if signed_on > agreed_on:
        raise BadInput(
            f"sepa_mandate_date: {signed_on.isoformat()} is after the agreement date "
            f"({agreed_on.isoformat()})"
        )
    return iban, bic, reference


def _reason(plan: PaymentPlan) -> str:
    return f"payment plan #{plan.pk} agreed on {plan.agreed_on.isoformat()}"


@transaction.atomic
def propose_plan(
    customer: Customer,
    *,
    invoices: Iterable[int],
    instalments: Sequence[tuple[date, int]],
    agreed_on: date,
    user: Any = None,
    channel: str = Source.MANUAL,
    currency: str | None = None,
    grace_days: int = 5,
    remind_days_before: int = 3,
    penalties_waived: bool = False,
    note: str = "",
    contact: Contact | None = None,
    sepa_iban: str = "",
    sepa_bic: str = "",
    sepa_mandate_ref: str = "",
    sepa_mandate_date: date | None = None,
    self_service: PortalLimits | None = None,
) -> PaymentPlan:
    """Record a plan: active, or `needs_approval` beyond the taker's margins (BadInput when
    refused; nothing is written then). `self_service`: the margin to check for a plan no
    person takes (the debtor portal's), given without a user."""
    if self_service is not None and user is not None:
        raise ValueError("a plan is checked against a user's margin or a self-service one")
    role = need_writer(user, customer.creditor_id)
    currency = currency or customer.currency
    if channel not in Source.values:
        raise BadInput(f"channel: '{channel}' is not one of {', '.join(Source.values)}")
    if not 0 <= grace_days <= 60:
        raise BadInput("grace_days: between 0 and 60")
    if not 0 <= remind_days_before <= 30:
        raise BadInput("remind_days_before: between 0 and 30")
    if contact is not None and contact.customer_id != customer.pk:
        raise BadInput("contact: not a contact of this customer")
    ids = list(invoices)
    if not ids:
        raise BadInput("invoices: choose the invoices the plan covers")
    covered = open_invoices(customer, currency, ids)
    total = sum(i.open_minor for i in covered)
    rows = list(instalments)
    check_schedule(total, currency, agreed_on, rows)
    iban, bic, reference = check_mandate(
        sepa_iban, sepa_bic, sepa_mandate_ref, sepa_mandate_date, agreed_on
    )
    busy = (
        PaymentPlan.invoices.through.objects.filter(
            invoice_id__in=[i.pk for i in covered],
            paymentplan__status__in=(PlanStatus.ACTIVE, PlanStatus.NEEDS_APPROVAL),
        )
        .values_list("paymentplan_id", "invoice__number")
        .first()
    )
    if busy is not None:
        raise BadInput(f"invoices: {busy[1]} is already in payment plan #{busy[0]}")
    why = ""
    if role is not None:
        why = plan_excess(margin_for(customer.creditor_id, role), agreed_on, [d for d, _m in rows])
    elif self_service is not None:
        why = portal_plan_excess(
            self_service, agreed_on, rows, currency, customer.creditor.currency
        )
    plan = PaymentPlan.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        contact=contact,
        currency=currency,
        total_minor=total,
        status=PlanStatus.NEEDS_APPROVAL if why else PlanStatus.ACTIVE,
        agreed_on=agreed_on,
        grace_days=grace_days,
        remind_days_before=remind_days_before,
        penalties_waived=penalties_waived,
        channel=channel,
        note=note,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        sepa_iban=iban,
        sepa_bic=bic,
        sepa_mandate_ref=reference,
        sepa_mandate_date=sepa_mandate_date if iban else None,
    )
    plan.invoices.set(covered)
    Instalment.objects.bulk_create(
        Instalment(plan=plan, number=n, due_on=day, amount_minor=minor)
        for n, (day, minor) in enumerate(rows, start=1)
    )
    # The plan replaces the customer's pending promises on these invoices.
    from relance.negotiation.promises import _close

    replaced = Promise.objects.filter(
        customer=customer,
        status=PromiseStatus.PENDING,
        invoices__in=[i.pk for i in covered],
    ).distinct()
    for promise in replaced:
        _close(promise, PromiseStatus.CANCELLED, agreed_on, f"replaced by payment plan #{plan.pk}")
    if why:
        until = agreed_on + timedelta(days=APPROVAL_PAUSE_DAYS)
        plan.pauses.set(pause_invoices(plan.creditor_id, covered, _reason(plan), until, user))
        open_request(ApprovalKind.PLAN, plan, customer, why, user)
    else:
        _activate(plan, user)
    from relance.negotiation.agreement import make_agreement

    make_agreement(plan)
    return plan


def _last_day(plan: PaymentPlan) -> date:
    last = plan.instalments.order_by("-number").values_list("due_on", flat=True).first()
    return (last or plan.agreed_on) + timedelta(days=plan.grace_days)


def _activate(plan: PaymentPlan, user: Any) -> None:
    invoices = list(plan.invoices.all())
    until = _last_day(plan)
    if plan.pauses.exists():
        Pause.objects.filter(pk__in=plan.pauses.values("pk")).update(until=until)
    else:
        plan.pauses.set(pause_invoices(plan.creditor_id, invoices, _reason(plan), until, user))
    if plan.penalties_waived:
        waive_penalties(
            plan.creditor_id,
            invoices,
            plan.agreed_on,
            f"payment plan #{plan.pk}",
            user,
            plan=plan,
        )


def approved(plan: PaymentPlan, user: Any) -> None:
    if plan.status != PlanStatus.NEEDS_APPROVAL:
        raise BadInput(f"payment plan #{plan.pk} is {plan.status}, not awaiting approval")
    PaymentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.ACTIVE, approved_by=user)
    plan.status = PlanStatus.ACTIVE
    _activate(plan, user)


def refused(plan: PaymentPlan, on: date) -> None:
    if plan.status == PlanStatus.NEEDS_APPROVAL:
        _end(plan, PlanStatus.REFUSED, on, "refused by the credit manager")


def _end(plan: PaymentPlan, status: str, on: date, why: str) -> None:
    PaymentPlan.objects.filter(pk=plan.pk).update(status=status, ended_on=on, end_reason=why[:200])
    plan.status, plan.ended_on, plan.end_reason = status, on, why[:200]
    end_pause_rows(plan.pauses.values_list("pk", flat=True), on)
    if status != PlanStatus.COMPLETED:
        PenaltyWaiver.objects.filter(plan=plan, lapsed_on__isnull=True).update(lapsed_on=on)
    for action_id in plan.instalments.filter(reminder_action__isnull=False).values_list(
        "reminder_action_id", flat=True
    ):
        cancel_planned(action_id, f"payment plan #{plan.pk}: {status}")


@transaction.atomic
def cancel_plan(plan: PaymentPlan, on: date, *, user: Any = None, reason: str = "") -> PaymentPlan:
    need_writer(user, plan.creditor_id)
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status not in (PlanStatus.ACTIVE, PlanStatus.NEEDS_APPROVAL):
        raise BadInput(f"payment plan #{plan.pk} is {plan.status}: nothing to cancel")
    if not reason.strip():
        raise BadInput("reason: say why the plan is cancelled")
    _end(plan, PlanStatus.CANCELLED, on, reason.strip())
    Instalment.objects.filter(plan=plan, status=InstalmentStatus.DUE).update(
        status=InstalmentStatus.CANCELLED
    )
    ApprovalRequest.objects.filter(plan=plan, status=ApprovalStatus.PENDING).update(
        status=ApprovalStatus.REFUSED, decision_note="plan cancelled"
    )
    return plan


def fill_instalments(plan: PaymentPlan, day: date) -> list[Instalment]:
    """Apply the payments received on the plan's invoices (from the agreement date up to
    `day`) to its instalments in order; the instalments, updated and saved."""
    invoice_ids = list(plan.invoices.values_list("pk", flat=True))
    payments = payments_by_day(invoice_ids, plan.agreed_on, day)
    instalments = list(plan.instalments.order_by("number"))
    queue = list(payments)
    for inst in instalments:
        need = inst.amount_minor
        paid = 0
        paid_on: date | None = None
        while queue and paid < need:
            when, minor = queue[0]
            take = min(minor, need - paid)
            paid += take
            paid_on = when
            if take == minor:
                queue.pop(0)
            else:
                queue[0] = (when, minor - take)
        full = paid >= need
        status = inst.status
        if inst.status in (InstalmentStatus.DUE, InstalmentStatus.PAID):
            status = InstalmentStatus.PAID if full else InstalmentStatus.DUE
        changed = (inst.paid_minor, inst.paid_on, inst.status) != (
            paid,
            paid_on if full else None,
            status,
        )
        inst.paid_minor, inst.paid_on, inst.status = paid, paid_on if full else None, status
        if changed:
            inst.save(update_fields=["paid_minor", "paid_on", "status"])
    return instalments


def evaluate_plans(creditor: Creditor, day: date) -> dict[str, int]:
    """Fill, complete, breach and remind; running twice for a day changes nothing."""
    from relance.negotiation.reminders import plan_instalment_reminder

    counts = {
        "plans_completed": 0,
        "plans_breached": 0,
        "instalment_reminders": 0,
        "instalment_reminders_no_channel": 0,
    }
    active = PaymentPlan.objects.filter(creditor=creditor, status=PlanStatus.ACTIVE).order_by("pk")
    for plan in active:
        with transaction.atomic():
            instalments = fill_instalments(plan, day)
            if all(i.status == InstalmentStatus.PAID for i in instalments):
                _end(plan, PlanStatus.COMPLETED, day, "every instalment paid")
                counts["plans_completed"] += 1
                continue
            late = [
                i
                for i in instalments
                if i.status == InstalmentStatus.DUE
                and day > i.due_on + timedelta(days=plan.grace_days)
            ]
            if late:
                first = late[0]
                Instalment.objects.filter(pk=first.pk).update(status=InstalmentStatus.MISSED)
                _end(
                    plan,
                    PlanStatus.BREACHED,
                    day,
                    f"instalment {first.number} of {first.due_on.isoformat()} unpaid "
                    f"{plan.grace_days} days after its date",
                )
                counts["plans_breached"] += 1
                continue
            if plan.remind_days_before <= 0:
                continue
            for inst in instalments:
                start = inst.due_on - timedelta(days=plan.remind_days_before)
                if (
                    inst.status == InstalmentStatus.DUE
                    and inst.reminder_action_id is None
                    and start <= day <= inst.due_on
                    and day > plan.agreed_on
                ):
                    inst.plan = plan
                    if plan_instalment_reminder(inst, day) is None:
                        counts["instalment_reminders_no_channel"] += 1
                    else:
                        counts["instalment_reminders"] += 1
    return counts
