"""Risk use cases: recompute profiles and segments, credit status, orders, overrides.

`recompute` is set-based: the figures of every customer come from a few aggregate
statements (`profiles.ledger_figures`), the rules are pure functions
(`domain.segments`, `domain.credit`) applied to plain tuples, and the profiles are
written with one bulk upsert. `recompute(..., customer_ids=[id])` is the same code
for one customer (after an import, a payment, an order).

The computed segment is stored in `RiskProfile.segment`, not in `Customer.segment`:
the latter is a label people and imports set ("grands comptes"), and overwriting it
would lose their choice. The dunning run picks a customer's policy by, in order:
its own assignment, an assignment for its `Customer.segment` label, an assignment
for its computed risk segment (kept in sync with RELANCE_RISK_SEGMENT_POLICIES by
`sync_segment_policies`), the default policy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.customers.models import Customer
from relance.domain import credit as dc
from relance.domain import segments as ds
from relance.domain.money import exponent
from relance.dunning.models import Policy, PolicyAssignment
from relance.risk import webhooks
from relance.risk.models import CreditOverride, Order, RiskProfile, RiskSettings
from relance.risk.profiles import Figures, ledger_figures

#: Columns of the profile table, as written by `_write_profiles` (customer_id first).
_COLUMNS = [f.attname for f in RiskProfile._meta.concrete_fields]
_BATCH = 5000


def _write_profiles(rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert or update profiles in a few statements (INSERT … ON CONFLICT DO UPDATE).

    Plain tuples through the cursor: building 100,000 model instances for bulk_create
    costs more than the whole computation.
    """
    table = RiskProfile._meta.db_table
    quoted = [connection.ops.quote_name(c) for c in _COLUMNS]
    updates = ", ".join(f"{q} = excluded.{q}" for q in quoted[1:])
    sql = (
        f"INSERT INTO {table} ({', '.join(quoted)}) VALUES ({', '.join(['%s'] * len(quoted))})"  # noqa: S608
        f" ON CONFLICT ({quoted[0]}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cur:
        for start in range(0, len(rows), _BATCH):
            cur.executemany(sql, rows[start : start + _BATCH])


def risk_settings(creditor_id: int) -> RiskSettings:
    """The creditor's risk settings, created with the defaults on first use.

    The onboarding checklist applies to customers created after that moment: the
    customers that existed before count as onboarded.
    """
    found, _created = RiskSettings.objects.get_or_create(
        creditor_id=creditor_id, defaults={"onboarding_since": timezone.now()}
    )
    return found


def segment_thresholds() -> ds.Thresholds:
    """The thresholds of the segment rules (the documented defaults)."""
    return ds.Thresholds()


def legal_stages(creditor_id: int, customer_ids: Sequence[int] | None) -> dict[int, str]:
    """Hook: the legal stage reached per customer (formal notice sent, court order…).

    Legal stages do not exist yet; when the legal app lands it answers here, in one
    query, and the hold rule `hold_on_legal_stage` starts to fire.
    """
    return {}


def reasons_json(reasons: Sequence[ds.Reason]) -> list[list[Any]]:
    return [[r.template, dict(r.values)] for r in reasons]


def findings_json(findings: Sequence[dc.Finding]) -> list[list[Any]]:
    return [[f.code, f.template, dict(f.values)] for f in findings]


def translated(stored: Sequence[Sequence[Any]]) -> list[str]:
    """Stored reasons/findings ([…, template, values]) as sentences in the active language."""
    return [str(_(item[-2])) % item[-1] for item in stored]


@dataclass
class RecomputeResult:
    as_of: date
    customers: int = 0
    segments: dict[str, int] = field(default_factory=dict)
    held: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    webhooks_sent: int = 0


@dataclass(frozen=True, slots=True)
class _Customer:
    pk: int
    external_ref: str | None
    legal_name: str
    currency: str
    since: date | None
    limit_minor: int | None
    terms_days: int | None


def _facts(fig: Figures, as_of: date, since: date | None) -> ds.Facts:
    start = since or fig.first_invoice
    return ds.Facts(
        tenure_days=max(0, (as_of - start).days) if start else 0,
        invoices=fig.invoices,
        settled=fig.settled,
        settled_late=fig.settled_late,
        open_overdue_invoices=fig.open_overdue_invoices,
        average_days_late=fig.average_days_late,
        weighted_days_late=fig.weighted_days_late,
        overdue_minor=fig.overdue_minor,
        oldest_overdue_days=fig.oldest_overdue_days,
        partial_payments=fig.partial_payments,
        reminders_unanswered=fig.reminders_unanswered,
        reminders_bounced=fig.reminders_bounced,
        plan_requests=fig.plan_requests,
        promises_kept=fig.promises_kept,
        promises_broken=fig.promises_broken,
    )


def recompute(
    creditor: Creditor,
    as_of: date,
    customer_ids: Sequence[int] | None = None,
    *,
    deliver: bool = True,
) -> RecomputeResult:
    """Recompute the profile, segment, deposit and hold of customers (all by default).

    A change of hold queues a signed webhook event in the same transaction; the
    pending events are then sent when `deliver` is true and a webhook URL is set.
    """
    cfg = risk_settings(creditor.pk)
    ids = None if customer_ids is None else sorted(set(customer_ids))
    figures = ledger_figures(creditor.pk, as_of, ids)
    qs = Customer.objects.filter(creditor=creditor).order_by()
    orders = Order.objects.filter(creditor=creditor)
    overrides = CreditOverride.objects.filter(customer__creditor=creditor)
    profiles = RiskProfile.objects.filter(creditor=creditor)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
        orders = orders.filter(customer_id__in=ids)
        overrides = overrides.filter(customer_id__in=ids)
        profiles = profiles.filter(customer_id__in=ids)
    customers = [
        _Customer(*row)
        for row in qs.values_list(
            "id",
            "external_ref",
            "legal_name",
            "currency",
            "customer_since",
            "credit_limit_minor",
            "payment_terms_days",
        )
    ]
    ordered = {
        cid: int(total or 0)
        for cid, total in orders.values("customer_id")
        .annotate(t=Sum("amount_minor"))
        .values_list("customer_id", "t")
    }
    forced = {
        cid: (hold, reason)
        for cid, hold, reason in overrides.values_list("customer_id", "hold", "reason")
    }
    previous = dict(profiles.values_list("customer_id", "on_hold"))
    stages = legal_stages(creditor.pk, ids)
    thresholds = segment_thresholds()
    deposit_rule = cfg.deposit_rule()
    hold_rules = cfg.hold_rules()
    now = timezone.now()
    result = RecomputeResult(as_of)
    rows: list[tuple[Any, ...]] = []
    events: list[tuple[_Customer, dc.CreditDecision]] = []
    stamp = connection.ops.adapt_datetimefield_value(now)
    for c in customers:
        fig = figures.get(c.pk) or Figures(c.pk)
        facts = _facts(fig, as_of, c.since)
        seg = ds.segment(facts, thresholds)
        percent = dc.deposit_percent(seg.segment, fig.weighted_days_late, deposit_rule)
        suggested = dc.suggested_limit(
            fig.revenue_12m_minor,
            c.terms_days if c.terms_days is not None else creditor.payment_terms_days,
            seg.segment,
            minor_per_unit=10 ** exponent(c.currency),
        )
        limit = c.limit_minor
        if limit is None and cfg.use_suggested_limit:
            limit = suggested
        hold, reason = forced.get(c.pk, (None, ""))
        decision = dc.evaluate(
            dc.CreditFacts(
                limit_minor=limit,
                open_minor=fig.open_minor,
                orders_minor=ordered.get(c.pk, 0),
                overdue_minor=fig.overdue_minor,
                oldest_overdue_days=fig.oldest_overdue_days,
                legal_stage=stages.get(c.pk),
                override_hold=hold,
                override_reason=reason,
            ),
            hold_rules,
        )
        row = dict(
            customer_id=c.pk,
            creditor_id=creditor.pk,
            as_of=as_of,
            currency=c.currency,
            tenure_days=facts.tenure_days,
            invoices=fig.invoices,
            settled=fig.settled,
            settled_late=fig.settled_late,
            open_overdue_invoices=fig.open_overdue_invoices,
            revenue_12m_minor=fig.revenue_12m_minor,
            open_minor=fig.open_minor,
            overdue_minor=fig.overdue_minor,
            oldest_overdue_days=fig.oldest_overdue_days,
            average_days_late=fig.average_days_late,
            weighted_days_late=fig.weighted_days_late,
            share_paid_late=fig.share_paid_late,
            recent_days_late=fig.recent_days_late,
            previous_days_late=fig.previous_days_late,
            disputes=fig.disputes,
            promises_kept_ratio=fig.promises_kept_ratio,
            last_payment=fig.last_payment,
            partial_payments=fig.partial_payments,
            reminders_unanswered=fig.reminders_unanswered,
            reminders_bounced=fig.reminders_bounced,
            segment=seg.segment.value,
            segment_reasons=json.dumps(reasons_json(seg.reasons)),
            suggested_limit_minor=suggested,
            deposit_percent=percent,
            on_hold=decision.on_hold,
            hold_reasons=json.dumps(findings_json(decision.reasons)),
            computed_at=stamp,
        )
        rows.append(tuple(row[name] for name in _COLUMNS))
        result.segments[seg.segment.value] = result.segments.get(seg.segment.value, 0) + 1
        if decision.on_hold != previous.get(c.pk, False):
            (result.held if decision.on_hold else result.released).append(c.pk)
            events.append((c, decision))
    result.customers = len(rows)
    with transaction.atomic():
        _write_profiles(rows)
        if cfg.webhook_url:
            for c, decision in events:
                webhooks.queue(
                    creditor_id=creditor.pk,
                    customer_id=c.pk,
                    url=cfg.webhook_url,
                    event=webhooks.EVENT_HOLD if decision.on_hold else webhooks.EVENT_RELEASE,
                    payload={
                        "creditor": creditor.pk,
                        "customer": {
                            "id": c.pk,
                            "external_ref": c.external_ref,
                            "legal_name": c.legal_name,
                        },
                        "as_of": as_of.isoformat(),
                        "on_hold": decision.on_hold,
                        "reasons": [
                            {"code": f.code, "message": f.text()} for f in decision.reasons
                        ],
                        "occurred_at": now.isoformat(),
                    },
                )
        if ids is None:
            sync_segment_policies(creditor)
    if deliver and cfg.webhook_url and cfg.webhook_secret:
        result.webhooks_sent = webhooks.deliver_pending(creditor.pk, cfg.webhook_secret)
    return result


def sync_segment_policies(creditor: Creditor) -> int:
    """Make PolicyAssignment(segment=<risk segment>) follow RELANCE_RISK_SEGMENT_POLICIES.

    Only mapped segments whose policy key exists for the creditor get an assignment;
    an assignment for a risk segment no longer mapped is removed. Returns how many
    assignments point where the mapping says.
    """
    mapping: dict[str, str] = dict(getattr(settings, "RELANCE_RISK_SEGMENT_POLICIES", {}))
    known = {s.value for s in ds.Segment}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise BadInput(
            "RELANCE_RISK_SEGMENT_POLICIES: unknown segment(s) "
            f"{', '.join(unknown)} (expected: {', '.join(sorted(known))})"
        )
    policies = dict(Policy.objects.filter(creditor=creditor).values_list("key", "id"))
    done = 0
    for seg in sorted(known):
        policy_id = policies.get(mapping.get(seg, ""))
        current = PolicyAssignment.objects.filter(
            creditor=creditor, segment=seg, customer__isnull=True
        ).first()
        if policy_id is None:
            if current is not None:
                current.delete()
            continue
        if current is None:
            PolicyAssignment.objects.create(creditor=creditor, segment=seg, policy_id=policy_id)
        elif current.policy_id != policy_id:
            current.policy_id = policy_id
            current.save(update_fields=["policy"])
        done += 1
    return done


def refresh(creditor_id: int, customer_ids: Sequence[int]) -> None:
    """Recompute some customers today (after a payment): holds and webhooks follow at once."""
    if customer_ids:
        recompute(Creditor.objects.get(pk=creditor_id), timezone.localdate(), customer_ids)


#: An import touching more customers than this leaves them to `relance risk recompute`
#: (run nightly): one bulk import must not pay for a whole-portfolio recompute.
INCREMENTAL_MAX = 1000


def refresh_after_import(batch: Any) -> None:
    """Recompute the customers an applied import touched (its invoices and payments)."""
    from relance.ledger.models import Invoice, Payment

    ids = set(Invoice.objects.filter(import_batch=batch).values_list("customer_id", flat=True))
    ids |= set(
        Payment.objects.filter(import_batch=batch, customer__isnull=False).values_list(
            "customer_id", flat=True
        )
    )
    ids.discard(None)
    if ids and len(ids) <= INCREMENTAL_MAX:
        recompute(batch.creditor, timezone.localdate(), sorted(ids))


class _Preview(Exception):
    def __init__(self, found: RiskProfile) -> None:
        super().__init__("preview")
        self.found = found


def preview(customer: Customer, as_of: date) -> RiskProfile:
    """The profile at another date than today, computed then rolled back.

    Nothing is stored and no webhook is queued: looking at a past date must not
    change today's hold.
    """
    try:
        with transaction.atomic():
            recompute(customer.creditor, as_of, [customer.pk], deliver=False)
            raise _Preview(RiskProfile.objects.get(customer=customer))
    except _Preview as done:
        return done.found


def profile(customer: Customer, as_of: date) -> RiskProfile:
    """The customer's profile recomputed at `as_of` (one customer, same code as the batch)."""
    recompute(customer.creditor, as_of, [customer.pk])
    return RiskProfile.objects.get(customer=customer)


# --------------------------------------------------------------------------- orders


class OrderRefused(BadInput):
    """An order that cannot be taken on credit; `reasons` are the stored findings."""

    def __init__(self, message: str, reasons: list[list[Any]]) -> None:
        super().__init__(message)
        self.reasons = reasons


def decision_of(p: RiskProfile, customer: Customer, cfg: RiskSettings) -> dc.CreditDecision:
    """The credit decision behind a stored profile (orders read live)."""
    limit = customer.credit_limit_minor
    if limit is None and cfg.use_suggested_limit:
        limit = p.suggested_limit_minor
    ordered = Order.objects.filter(customer=customer).aggregate(t=Sum("amount_minor"))["t"] or 0
    override = CreditOverride.objects.filter(customer=customer).first()
    return dc.evaluate(
        dc.CreditFacts(
            limit_minor=limit,
            open_minor=p.open_minor,
            orders_minor=int(ordered),
            overdue_minor=p.overdue_minor,
            oldest_overdue_days=p.oldest_overdue_days,
            legal_stage=legal_stages(customer.creditor_id, [customer.pk]).get(customer.pk),
            override_hold=None if override is None else override.hold,
            override_reason="" if override is None else override.reason,
        ),
        cfg.hold_rules(),
    )


def post_order(
    customer: Customer,
    *,
    reference: str,
    amount_minor: int,
    as_of: date,
    user: object | None = None,
) -> Order:
    """Take an order on credit, or raise OrderRefused (hold, limit, onboarding not done)."""
    from relance.risk.onboarding import onboarding_status

    reference = reference.strip()
    if not reference:
        raise BadInput(_("The order reference is required."))
    if amount_minor <= 0:
        raise BadInput(_("The order amount must be greater than zero."))
    if Order.objects.filter(customer=customer, reference=reference).exists():
        raise BadInput(_("Order %(ref)s is already recorded.") % {"ref": reference})
    cfg = risk_settings(customer.creditor_id)
    status = onboarding_status(customer, cfg)
    if status.required and not status.done:
        missing = [c.key for c in status.checks if not c.done]
        raise OrderRefused(
            _("The onboarding checklist is not complete: %(missing)s.")
            % {"missing": ", ".join(missing)},
            [["onboarding", "onboarding checklist not complete", {}]],
        )
    p = profile(customer, as_of)
    decision = decision_of(p, customer, cfg)
    refusals = dc.order_refusals(decision, amount_minor)
    if refusals:
        raise OrderRefused(
            _("The order cannot be taken on credit: %(why)s.")
            % {"why": "; ".join(f.text(_) for f in refusals)},
            findings_json(refusals),
        )
    with transaction.atomic():
        order = Order.objects.create(
            creditor_id=customer.creditor_id,
            customer=customer,
            reference=reference,
            currency=customer.currency,
            amount_minor=amount_minor,
            deposit_percent=p.deposit_percent,
            created_by=user if getattr(user, "is_authenticated", False) else None,  # type: ignore[misc]
        )
    recompute(customer.creditor, as_of, [customer.pk])
    return order


def delete_order(order: Order, as_of: date) -> None:
    """The order was invoiced (or cancelled): it leaves the exposure."""
    customer = order.customer
    with transaction.atomic():
        order.delete()
    recompute(customer.creditor, as_of, [customer.pk])


def set_override(
    customer: Customer, *, hold: bool, reason: str, as_of: date, user: object | None = None
) -> CreditOverride:
    """Hold or release a customer by hand, whatever the rules (the reason is required)."""
    reason = reason.strip()
    if not reason:
        raise BadInput(_("A reason is required to hold or release a customer by hand."))
    with transaction.atomic():
        found = CreditOverride.objects.filter(customer=customer).first() or CreditOverride(
            customer=customer
        )
        found.hold = hold
        found.reason = reason[:300]
        found.created_by = user if getattr(user, "is_authenticated", False) else None  # type: ignore[assignment]
        found.save()
    recompute(customer.creditor, as_of, [customer.pk])
    return found


def clear_override(customer: Customer, as_of: date) -> None:
    """Back to the rules."""
    with transaction.atomic():
        for found in CreditOverride.objects.filter(customer=customer):
            found.delete()  # one by one, so that the audit log records it
    recompute(customer.creditor, as_of, [customer.pk])
