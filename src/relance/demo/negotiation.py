"""The demo's negotiation state, so that the worklist and the timelines show a real day.

Written straight with the ORM (deterministic for a seed), after the dunning history:

- the disputes the dunning seed opened over the invoices the generator disputed (counted),
  some past the date they should have been resolved by;
- calls logged for most of the call tasks of the history (reached, no answer, call back…),
  the most recent ones left to do;
- promises to pay: kept and broken ones in the past weeks, three broken recently and not
  followed up, pending ones due today, tomorrow and next week (a pending promise holds a
  pause of the customer's reminders until its date plus the grace days);
- a payment plan whose second instalment was missed, an active one on time;
- call-backs due today and yesterday, a payment plan asked for on a call, notes.

The customers are the assigned customers with something overdue, in a fixed order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from relance.accounts.models import Membership, Role
from relance.creditors.models import Creditor
from relance.customers.models import Customer
from relance.dunning.models import Action, ActionStatus, Pause
from relance.ledger.models import Invoice, InvoiceStatus
from relance.negotiation.models import (
    CallLog,
    Dispute,
    Instalment,
    Note,
    PaymentPlan,
    Promise,
)
from relance.negotiation.promises import PROMISE_GRACE_DAYS

#: outcomes of the calls logged for the history's call tasks (weights)
CALL_OUTCOMES = (("reached", 5), ("no_answer", 3), ("promise", 2), ("wrong_number", 1))
#: the last days of history whose call tasks are left to do
CALLS_LEFT_DAYS = 6

DISPUTE_NOTES = (
    "Le client conteste les quantités livrées (bon de livraison incomplet).",
    "Écart de prix avec le devis signé.",
    "Matériel reçu endommagé, photos demandées.",
)


#: what each chosen customer shows, most important first
ROLES = (
    "broken_1",
    "due_today",
    "missed_plan",
    "call_back_today",
    "broken_3",
    "due_tomorrow",
    "plan_asked",
    "call_back_yesterday",
    "broken_7",
    "due_next_week",
    "on_time_plan",
    "kept",
    "followed",
    "noted",
)


@dataclass
class NegotiationSummary:
    customers: int = 0
    disputes: int = 0
    calls: int = 0
    promises: int = 0
    plans: int = 0
    notes: int = 0


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def seed_negotiation(creditor: Creditor, as_of: date, seed: int = 2026) -> NegotiationSummary:
    rng = random.Random(seed)
    done = NegotiationSummary()
    collectors = {
        m.user_id: m.user
        for m in Membership.objects.filter(creditor=creditor, role=Role.COLLECTOR).select_related(
            "user"
        )
    }
    # the disputes the dunning seed opened over the disputed invoices (relance.demo.dunning)
    done.disputes = Dispute.objects.filter(creditor=creditor).count()
    done.calls = _history_calls(creditor, as_of, rng, collectors)
    paused = set(
        Pause.objects.filter(creditor=creditor, invoice__isnull=False).values_list(
            "invoice__customer_id", flat=True
        )
    )
    overdue = dict(
        Invoice.objects.filter(
            creditor=creditor,
            status=InvoiceStatus.ISSUED,
            open_minor__gt=0,
            due_date__lt=as_of,
            customer__assigned_collector__isnull=False,
        )
        .exclude(customer_id__in=paused)
        .values("customer_id")
        .annotate(overdue=Sum("open_minor"))
        .filter(overdue__gte=10_000)
        .order_by("customer_id")
        .values_list("customer_id", "overdue")
    )
    customers = list(
        Customer.objects.filter(pk__in=overdue)
        .order_by("external_ref")
        .select_related("assigned_collector")
    )
    rng.shuffle(customers)
    # roles in order of importance: a small portfolio gets the first ones only
    roles = dict(zip(ROLES, customers, strict=False))
    done.customers = len(roles)

    def call(
        customer: Customer, day: date, outcome: str, note: str = "", **fields: object
    ) -> CallLog:
        contact = customer.contacts.order_by("-is_primary_billing", "pk").first()
        done.calls += 1
        if (
            "direction" not in fields
            and CallLog.objects.filter(
                customer=customer, on=day, kind="call", direction="outbound"
            ).exists()
        ):
            # one outbound call a day (a database rule): the customer called back instead
            fields["direction"] = "inbound"
        return CallLog.objects.create(
            creditor=creditor,
            customer=customer,
            contact=contact,
            number=(contact.phone or contact.mobile) if contact else "",
            at=_at(day, rng.randint(9, 17), rng.choice((0, 15, 30, 45))),
            on=day,
            outcome=outcome,
            note=note,
            user=customer.assigned_collector,
            **fields,
        )

    def promise(
        customer: Customer,
        share: float,
        taken: date,
        promised: date,
        status: str = "pending",
        paid_share: float = 0.0,
    ) -> Promise:
        amount = max(100, int(overdue[customer.pk] * share) // 100 * 100)
        settled = None if status == "pending" else promised + timedelta(days=PROMISE_GRACE_DAYS)
        made = Promise.objects.create(
            creditor=creditor,
            customer=customer,
            amount_minor=amount,
            promised_on=promised,
            taken_on=taken,
            channel="call",
            taken_by=customer.assigned_collector,
            status=status,
            paid_minor=int(amount * paid_share),
            settled_on=settled,
        )
        call(customer, taken, "promise", "Promesse de règlement par virement.", promise=made)
        if status == "pending":
            pause = Pause.objects.create(
                creditor=creditor,
                customer=customer,
                reason=f"promesse de paiement n° {made.pk} au {promised:%d/%m/%Y}",
                until=promised + timedelta(days=PROMISE_GRACE_DAYS),
                created_by=customer.assigned_collector,
            )
            made.pauses.add(pause)
        done.promises += 1
        return made

    day = timedelta(days=1)
    for role, back in (("broken_1", 1), ("broken_3", 3), ("broken_7", 7)):
        if role in roles:
            promised = as_of - (back + PROMISE_GRACE_DAYS) * day
            made = promise(roles[role], 1.0, promised - 8 * day, promised, "broken")
            Promise.objects.filter(pk=made.pk).update(settled_on=as_of - back * day)
    for role, share, taken, ahead in (
        ("due_today", 0.5, 6, 0),
        ("due_tomorrow", 1.0, 3, 1),
        ("due_next_week", 0.6, 2, 7),
    ):
        if role in roles:
            promise(roles[role], share, as_of - taken * day, as_of + ahead * day)
    if "kept" in roles:
        promise(roles["kept"], 1.0, as_of - 40 * day, as_of - 30 * day, "kept", paid_share=1.0)
    if "followed" in roles:
        promise(roles["followed"], 1.0, as_of - 30 * day, as_of - 20 * day, "broken", 0.4)
        call(roles["followed"], as_of - 16 * day, "reached", "Relancé après la promesse.")
    for role, missed in (("missed_plan", True), ("on_time_plan", False)):
        if role in roles:
            customer = roles[role]
            call(customer, as_of - 62 * day, "plan_requested", "Demande un échéancier en 3 fois.")
            _plan(creditor, customer, as_of, overdue[customer.pk], missed=missed)
            done.plans += 1
    for role, back, note in (
        ("call_back_today", 0, "Comptable absente, rappeler en début de semaine."),
        ("call_back_yesterday", 1, "Le gérant vérifie le relevé et rappelle."),
    ):
        if role in roles:
            call(
                roles[role],
                as_of - (back + 3) * day,
                "call_back",
                note,
                call_back_on=as_of - back * day,
            )
    if "plan_asked" in roles:
        call(roles["plan_asked"], as_of - 3 * day, "plan_requested", "Souhaite étaler sur 4 mois.")
    for role, text in (
        ("noted", "Client en redressement ? Vérifier au BODACC avant toute relance formelle."),
        ("broken_1", "Le gérant promet à chaque appel ; exiger un virement daté."),
        ("missed_plan", "Deuxième échéance non reçue, le client invoque un retard de son client."),
    ):
        if role in roles:
            customer = roles[role]
            Note.objects.create(
                creditor=creditor, customer=customer, text=text, author=customer.assigned_collector
            )
            done.notes += 1
    return done


def _history_calls(
    creditor: Creditor, as_of: date, rng: random.Random, collectors: dict[int, Any]
) -> int:
    """Calls logged for the call tasks of the history, the last days' left to do."""
    tasks = list(
        Action.objects.filter(
            creditor=creditor,
            channel="call",
            status=ActionStatus.SENT,
            as_of__lt=as_of - timedelta(days=CALLS_LEFT_DAYS),
        )
        .select_related("customer")
        .order_by("as_of", "pk")
    )
    outcomes = [o for o, _w in CALL_OUTCOMES]
    weights = [w for _o, w in CALL_OUTCOMES]
    rows = []
    called: set[tuple[int, date]] = set()  # one outbound call a customer a day
    for task in tasks:
        if rng.random() < 0.15:
            continue  # a task nobody carried out (superseded later by the next step)
        if (task.customer_id, task.as_of) in called:
            continue  # a second call task the same day (another currency): one call
        called.add((task.customer_id, task.as_of))
        outcome = rng.choices(outcomes, weights)[0]
        if outcome == "promise":
            outcome = "reached"  # promises are written with their own calls
        rows.append(
            CallLog(
                creditor=creditor,
                customer=task.customer,
                at=_at(task.as_of, rng.randint(9, 17), rng.choice((0, 20, 40))),
                on=task.as_of,
                outcome=outcome,
                note={
                    "reached": "Le client dit avoir transmis la facture au service comptable.",
                    "no_answer": "Messagerie, message laissé.",
                    "wrong_number": "Numéro non attribué.",
                }[outcome],
                user=collectors.get(task.customer.assigned_collector_id or 0),
                action=task,
            )
        )
    CallLog.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _plan(
    creditor: Creditor, customer: Customer, as_of: date, owed: int, *, missed: bool
) -> PaymentPlan:
    """A plan of three monthly instalments; the second one missed, or every one on time."""
    agreed = as_of - timedelta(days=60)
    first = agreed + timedelta(days=10)
    part = owed // 3
    amounts = [part, part, owed - 2 * part]
    invoices = list(
        Invoice.objects.filter(
            customer=customer, status=InvoiceStatus.ISSUED, open_minor__gt=0, due_date__lt=as_of
        )
    )
    plan = PaymentPlan.objects.create(
        creditor=creditor,
        customer=customer,
        total_minor=owed,
        status="active",
        agreed_on=agreed,
        channel="call",
        created_by=customer.assigned_collector,
        note="Échéancier accordé par téléphone, confirmé par courriel.",
    )
    plan.invoices.set(invoices)
    for n, amount in enumerate(amounts, start=1):
        due = first + timedelta(days=30 * (n - 1))
        paid = due < as_of and not (missed and n == 2)
        status = "paid" if paid else ("missed" if due + timedelta(days=5) < as_of else "due")
        Instalment.objects.create(
            plan=plan,
            number=n,
            due_on=due,
            amount_minor=amount,
            paid_minor=amount if paid else 0,
            paid_on=due if paid else None,
            status=status,
        )
    pause = Pause.objects.create(
        creditor=creditor,
        customer=customer,
        reason=f"échéancier n° {plan.pk}",
        until=first + timedelta(days=60 + plan.grace_days),
        created_by=customer.assigned_collector,
    )
    plan.pauses.add(pause)
    return plan
