"""The demo's dunning state: policies, disputes, and 75 days of reminders sent.

The history is produced by the real planner and dispatcher: for each of the last 75 days
a run is planned, the formal notices awaiting approval are approved, and the worker sends
everything through the capture backend at 9:00 that day, keeping the archived copy. So
the levels the next run starts from are exactly those relance itself would have reached.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from relance.creditors.models import Creditor
from relance.customers.models import Customer
from relance.domain import dunning as dd
from relance.dunning.models import Action, ActionStatus, PolicyAssignment
from relance.dunning.outbox import dispatch
from relance.dunning.services import ensure_default_policy, plan_run, save_policy
from relance.ledger.models import Invoice
from relance.negotiation.disputes import open_dispute
from relance.negotiation.models import DisputeReason

HISTORY_DAYS = 75

#: Large accounts pay through slow approval circuits: fewer, later, more formal reminders.
KEY_ACCOUNTS = dd.Policy(
    key="grands-comptes",
    name="Grands comptes",
    steps=(
        dd.Step("j+5", 5, (dd.Channel.EMAIL,), dd.Tone.COURTEOUS),
        dd.Step("j+20", 20, (dd.Channel.EMAIL, dd.Channel.CALL), dd.Tone.FIRM),
        dd.Step("j+40", 40, (dd.Channel.LETTER,), dd.Tone.FIRM, states_penalties=True),
        dd.Step(
            "j+60",
            60,
            (dd.Channel.REGISTERED_LETTER,),
            dd.Tone.FORMAL,
            kind=dd.StepKind.FORMAL_NOTICE,
            needs_approval=True,
            states_penalties=True,
        ),
    ),
    repeat=dd.Repeat(every_days=30, max_times=2),
)


def seed_dunning(creditor: Creditor, as_of: date, disputed: Iterable[int]) -> int:
    """Policies, disputes over the disputed invoices, and the history up to the day before
    `as_of`.

    Returns the number of actions sent.
    """
    ensure_default_policy(creditor)
    key_accounts = save_policy(creditor, KEY_ACCOUNTS)
    PolicyAssignment.objects.create(
        creditor=creditor, policy=key_accounts, segment="grands comptes"
    )
    # One dispute per customer over its disputed invoices (their pauses hold them back), some
    # past the date to resolve them by.
    opened = as_of - timedelta(days=HISTORY_DAYS)
    by_customer: dict[int, list[int]] = {}
    for customer_id, invoice_id in (
        Invoice.objects.filter(pk__in=list(disputed))
        .order_by("customer_id", "pk")
        .values_list("customer_id", "pk")
    ):
        by_customer.setdefault(customer_id, []).append(invoice_id)
    customers = Customer.objects.in_bulk(list(by_customer))
    for customer_id, ids in sorted(by_customer.items()):
        open_dispute(
            customers[customer_id],
            items=[(pk, None) for pk in ids],
            reason=DisputeReason.QUANTITY,
            opened_on=opened,
            due_on=as_of + timedelta(days=customer_id % 30 - 10),
            description="quantités livrées contestées",
        )
    for back in range(HISTORY_DAYS, 0, -1):
        day = as_of - timedelta(days=back)
        plan_run(creditor, day)
        Action.objects.filter(
            creditor=creditor, as_of=day, status=ActionStatus.NEEDS_APPROVAL
        ).update(status=ActionStatus.PLANNED)
        nine = datetime.combine(day, time(9), tzinfo=timezone.get_current_timezone())
        dispatch(now=nine)
    return Action.objects.filter(creditor=creditor, status=ActionStatus.SENT).count()
