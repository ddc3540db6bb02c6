"""The demo's dunning state: policies, disputes as pauses, and 75 days of reminders sent.

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
from relance.domain import dunning as dd
from relance.dunning.models import Action, ActionStatus, Pause, PolicyAssignment
from relance.dunning.outbox import dispatch
from relance.dunning.services import ensure_default_policy, plan_run, save_policy

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
    """Policies, pauses for disputed invoices, and the history up to the day before `as_of`.

    Returns the number of actions sent.
    """
    ensure_default_policy(creditor)
    key_accounts = save_policy(creditor, KEY_ACCOUNTS)
    PolicyAssignment.objects.create(
        creditor=creditor, policy=key_accounts, segment="grands comptes"
    )
    Pause.objects.bulk_create(
        Pause(
            creditor=creditor,
            invoice_id=invoice_id,
            reason="litige : quantités livrées contestées",
        )
        for invoice_id in sorted(disputed)
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
