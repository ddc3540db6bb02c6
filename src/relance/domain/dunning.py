"""Dunning policies, and which step each open item has reached (pure, no Django).

A policy is an ordered list of steps placed relative to the due date (negative
offsets come before it). What an item is due for is decided from the as-of date
and the history of its effective sends only, never from counters frozen at
invoice creation, so running the planner twice, or more often than daily,
changes nothing.

Rules (documented in docs/dunning.md):

- Steps are never skipped once an item is overdue: an item found 100 days late
  that was never reminded starts at the first step after the due date. Before the
  due date only the latest step reached is sent (two courtesy reminders on one
  day would be absurd), and steps placed before the due date are not sent once it
  has passed.
- The spacing between steps is kept: the next step is due when the item has
  reached its offset *and* the gap between the two offsets has passed since the
  previous step was actually sent.
- After the last step the policy may repeat it every N days, at most M times.
- A customer's items are grouped per currency into one message. Its step is the
  highest step any of its items advances to; it lists every overdue item at its
  own level (and items before their due date only when they advance).
- Items held (paid, disputed, paused, promise pending…) are never listed; the
  caller gives the reason, and it is reported.
- After a broken promise or a breached payment plan, the first message for an overdue
  item is at least its *firmer step* (`firmer_step`): the next step after its level, and
  not a courteous one when a firmer step follows; it is due at once (the promise held the
  schedule back). The caller passes these floors to `plan_rows`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

from relance.domain.money import exponent


class PolicyError(ValueError):
    """A policy that cannot be used as written."""


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"
    REGISTERED_LETTER = "registered_letter"
    CALL = "call"  # a phone-call task for the assigned collector
    MEETING = "meeting"  # a meeting task
    TASK = "task"  # an internal task (a decision), no contact with the debtor


#: Channels that reach the debtor (tasks are for people at the creditor).
DEBTOR_CHANNELS = frozenset(
    {Channel.EMAIL, Channel.SMS, Channel.LETTER, Channel.REGISTERED_LETTER, Channel.CALL}
)


class Tone(StrEnum):
    COURTEOUS = "courteous"
    FIRM = "firm"
    FORMAL = "formal"


class StepKind(StrEnum):
    REMINDER = "reminder"
    PENALTY_INVOICE = "penalty_invoice"
    FORMAL_NOTICE = "formal_notice"
    CREDIT_HOLD = "credit_hold"
    ESCALATION = "escalation"


class Audience(StrEnum):
    ALL = "all"
    B2B = "b2b"
    B2C = "b2c"


#: The days a formal notice gives to pay (docs/legal-cases.md): eight, the usual minimum, or
#: fifteen.
NOTICE_PERIODS = (8, 15)


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    offset_days: int
    channels: tuple[Channel, ...]
    tone: Tone
    kind: StepKind = StepKind.REMINDER
    #: below this total (in the message's currency) the step is held back
    min_amount: Decimal = Decimal(0)
    needs_approval: bool = False
    audience: Audience = Audience.ALL
    #: the message states the late-payment penalties and the recovery indemnity
    states_penalties: bool = False
    #: a formal-notice step: the days the notice gives to pay (NOTICE_PERIODS)
    notice_days: int = 15

    @property
    def before_due(self) -> bool:
        return self.offset_days <= 0

    def applies_to(self, customer_kind: str) -> bool:
        return self.audience == Audience.ALL or self.audience.value == customer_kind


@dataclass(frozen=True, slots=True)
class Repeat:
    """After the last step: send it again every `every_days`, at most `max_times` times."""

    every_days: int
    max_times: int


@dataclass(frozen=True, slots=True)
class Policy:
    key: str
    name: str
    steps: tuple[Step, ...]
    repeat: Repeat | None = None
    #: derived lookups, filled on first use: step index by key, usable steps by kind
    _index: dict[str, int] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _usable: dict[tuple[str, bool], tuple[int, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _due: dict[tuple[int, int | None, int, int, str], Due | None] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if not self.steps:
            raise PolicyError(f"policy {self.key}: a policy needs at least one step")
        keys = [s.key for s in self.steps]
        if len(set(keys)) != len(keys):
            raise PolicyError(f"policy {self.key}: two steps share a key")
        offsets = [s.offset_days for s in self.steps]
        if any(b <= a for a, b in pairwise(offsets)):
            raise PolicyError(
                f"policy {self.key}: step offsets must increase strictly (got {offsets})"
            )
        for step in self.steps:
            if not step.channels:
                raise PolicyError(f"policy {self.key}: step {step.key} has no channel")
            if len(set(step.channels)) != len(step.channels):
                raise PolicyError(f"policy {self.key}: step {step.key} repeats a channel")
            if step.min_amount < 0:
                raise PolicyError(f"policy {self.key}: step {step.key} has a negative minimum")
            if step.notice_days not in NOTICE_PERIODS:
                raise PolicyError(
                    f"policy {self.key}: step {step.key}: a formal notice gives "
                    f"{' or '.join(map(str, NOTICE_PERIODS))} days to pay, not {step.notice_days}"
                )
        if self.repeat is not None and (self.repeat.every_days < 1 or self.repeat.max_times < 0):
            raise PolicyError(f"policy {self.key}: repeat needs every_days ≥ 1 and max_times ≥ 0")

    def index(self, key: str) -> int:
        found = self._index.get(key)
        if found is None:
            found = next((i for i, step in enumerate(self.steps) if step.key == key), -1)
            self._index[key] = found
        if found == -1:
            raise PolicyError(f"policy {self.key} has no step {key}")
        return found

    def usable(self, customer_kind: str, overdue: bool) -> tuple[int, ...]:
        """Indices of the steps that apply to this kind of customer (steps before the due
        date only while the item is not overdue)."""
        found = self._usable.get((customer_kind, overdue))
        if found is None:
            found = tuple(
                i
                for i, s in enumerate(self.steps)
                if s.applies_to(customer_kind) and not (overdue and s.before_due)
            )
            self._usable[(customer_kind, overdue)] = found
        return found

    def due(
        self, days: int, last_step: int | None, since: int, repeats: int, customer_kind: str
    ) -> Due | None:
        """`due_in_days` remembered: a run asks the same few questions for every item."""
        key = (days, last_step, since, repeats, customer_kind)
        try:
            return self._due[key]
        except KeyError:
            found = self._due[key] = due_in_days(
                self, days, last_step, since, repeats, customer_kind
            )
            return found


@dataclass(frozen=True, slots=True)
class History:
    """What was effectively sent for one item (from the archive of sends)."""

    last_step: int | None = None  # index in the policy of the last step sent
    last_sent_on: date | None = None
    repeats: int = 0  # times the last step was sent again after it

    def __post_init__(self) -> None:
        if (self.last_step is None) != (self.last_sent_on is None):
            raise ValueError("a history has both a last step and its date, or neither")


@dataclass(frozen=True, slots=True)
class Due:
    step: int
    repeat: int = 0  # 0: first send of this step; n: its nth repetition


def next_due(
    policy: Policy, due_date: date, history: History, as_of: date, customer_kind: str = "b2b"
) -> Due | None:
    """The step an item should receive on `as_of`, or None."""
    days = (as_of - due_date).days
    if history.last_step is None or history.last_sent_on is None:
        return due_in_days(policy, days, None, 0, 0, customer_kind)
    since = (as_of - history.last_sent_on).days
    return due_in_days(policy, days, history.last_step, since, history.repeats, customer_kind)


def due_in_days(
    policy: Policy,
    days: int,
    last_step: int | None,
    since: int,
    repeats: int,
    customer_kind: str = "b2b",
) -> Due | None:
    """`next_due` in days: `days` past the due date (negative before it), the last step sent
    (None: never) `since` days ago, repeated `repeats` times. Only differences of dates
    matter, which is what lets a run remember the answers (`Policy.due`)."""
    usable = policy.usable(customer_kind, days > 0)
    if last_step is None:
        reached = [i for i in usable if policy.steps[i].offset_days <= days]
        if not reached:
            return None
        # Before the due date: the latest courtesy step; after it: the first overdue step.
        return Due(reached[-1] if days <= 0 else reached[0])
    last = last_step
    later = [i for i in usable if i > last]
    if later:
        nxt = later[0]
        gap = policy.steps[nxt].offset_days - policy.steps[last].offset_days
        if days >= policy.steps[nxt].offset_days and since >= gap:
            return Due(nxt)
        return None
    repeat = policy.repeat
    if (
        repeat is not None
        and last == len(policy.steps) - 1
        and repeats < repeat.max_times
        and since >= repeat.every_days
    ):
        return Due(last, repeats + 1)
    return None


# --------------------------------------------------------------------------- grouping


@dataclass(frozen=True, slots=True)
class OpenItem:
    invoice_id: int
    customer_id: int
    currency: str
    due_date: date
    open_amount: Decimal
    history: History = field(default_factory=History)
    #: why the item must not be dunned now ("disputed", "paused until …"); empty: free
    held: str = ""


@dataclass(frozen=True, slots=True)
class Line:
    """An item listed in a message: at the step it advances to, or at its current level."""

    item: OpenItem
    level: int | None  # policy step index (None: never reminded, listed as overdue)
    advances: Due | None  # set when this message moves the item to a step


@dataclass(frozen=True, slots=True)
class Message:
    customer_id: int
    currency: str
    step: int
    repeat: int
    lines: tuple[Line, ...]
    total: Decimal  # sum of the listed items' open amounts
    overdue_total: Decimal


@dataclass(frozen=True, slots=True)
class Held:
    customer_id: int
    currency: str
    invoice_id: int | None  # None: the whole message was held back
    reason: str
    step: int | None = None


@dataclass(frozen=True, slots=True)
class CustomerPlan:
    messages: tuple[Message, ...]
    held: tuple[Held, ...]


def plan_customer(
    policy: Policy, items: Iterable[OpenItem], as_of: date, customer_kind: str = "b2b"
) -> CustomerPlan:
    """One message per currency for one customer's open items, and what was held back."""
    by_currency: dict[str, list[OpenItem]] = defaultdict(list)
    held: list[Held] = []
    customer_id: int | None = None
    for item in items:
        if customer_id is None:
            customer_id = item.customer_id
        elif item.customer_id != customer_id:
            raise ValueError("plan_customer takes the items of one customer")
        if item.open_amount <= 0:
            continue
        if item.held:
            held.append(Held(item.customer_id, item.currency, item.invoice_id, item.held))
            continue
        by_currency[item.currency].append(item)
    messages: list[Message] = []
    for currency in sorted(by_currency):
        message, refused = _message(policy, by_currency[currency], as_of, customer_kind)
        if message is not None:
            messages.append(message)
        if refused is not None:
            held.append(refused)
    return CustomerPlan(tuple(messages), tuple(held))


def _message(
    policy: Policy, items: Sequence[OpenItem], as_of: date, customer_kind: str
) -> tuple[Message | None, Held | None]:
    lines: list[Line] = []
    best: Due | None = None
    for item in sorted(items, key=lambda i: (i.due_date, i.invoice_id)):
        due = next_due(policy, item.due_date, item.history, as_of, customer_kind)
        overdue = item.due_date < as_of
        if due is not None:
            lines.append(Line(item, due.step, due))
            if best is None or (due.step, due.repeat) > (best.step, best.repeat):
                best = due
        elif overdue:
            lines.append(Line(item, item.history.last_step, None))
    if best is None:
        return None, None
    first = items[0]
    total = sum((line.item.open_amount for line in lines), Decimal(0))
    overdue_total = sum(
        (line.item.open_amount for line in lines if line.item.due_date < as_of), Decimal(0)
    )
    step = policy.steps[best.step]
    if total < step.min_amount:
        reason = f"below the minimum of {step.min_amount} {first.currency} for step {step.key}"
        return None, Held(first.customer_id, first.currency, None, reason, best.step)
    message = Message(
        customer_id=first.customer_id,
        currency=first.currency,
        step=best.step,
        repeat=best.repeat,
        lines=tuple(lines),
        total=total,
        overdue_total=overdue_total,
    )
    return message, None


# --------------------------------------------------------------------------- many items

#: An open item as plain values, for runs over very many items (see `plan_rows`):
#: (invoice id, currency, days past the due date (negative before it), open amount in minor
#: units, last step sent (None: never), days since that send, repeats of the last step,
#: why it is held ("" if free)).
Row = tuple[int, str, int, int, int | None, int, int, str]

#: A line of a `RowMessage`: (invoice id, level, repetition it advances to (None: listed at its
#: level only), open amount in minor units, overdue).
RowLine = tuple[int, int | None, int | None, int, bool]


@dataclass(frozen=True, slots=True)
class RowMessage:
    """`Message` in minor units, its lines as `RowLine` tuples."""

    currency: str
    step: int
    repeat: int
    lines: tuple[RowLine, ...]
    total_minor: int
    overdue_total_minor: int


def firmer_step(policy: Policy, last_step: int | None, customer_kind: str = "b2b") -> int | None:
    """The step an overdue item gets at once after a broken promise: the first step after
    its level (`last_step`, None if never reminded) that is not courteous, else the first
    step after its level; None when it already stands at the last step."""
    usable = policy.usable(customer_kind, True)
    after = [i for i in usable if last_step is None or i > last_step]
    if not after:
        return None
    firm = [i for i in after if policy.steps[i].tone != Tone.COURTEOUS]
    return firm[0] if firm else after[0]


def plan_rows(
    policy: Policy,
    rows: Iterable[Row],
    customer_kind: str = "b2b",
    floors: Mapping[int, int] | None = None,
) -> tuple[list[RowMessage], list[Held]]:
    """`plan_customer` over plain tuples, for one customer: the same messages, in the same
    order, and the same held items (their `customer_id` is 0: the caller knows it).

    `floors` (invoice id → step index, see `firmer_step`): an overdue item listed there is
    due for at least that step today.

    A run calls this for every customer of a portfolio of millions of items: no object per
    item, amounts stay integers, and the step due is looked up in `Policy.due`.
    """
    by_currency: dict[str, list[Row]] = {}
    held: list[Held] = []
    for row in rows:
        if row[3] <= 0:
            continue
        if row[7]:
            held.append(Held(0, row[1], row[0], row[7]))
            continue
        found = by_currency.get(row[1])
        if found is None:
            by_currency[row[1]] = [row]
        else:
            found.append(row)
    messages: list[RowMessage] = []
    due_of = policy.due
    for currency in sorted(by_currency):
        lines: list[RowLine] = []
        best: Due | None = None
        total = overdue_total = 0
        group = by_currency[currency]
        if len(group) > 1:
            group.sort(key=lambda r: (-r[2], r[0]))  # by due date, then invoice
        for invoice_id, _cur, days, minor, last, since, repeats, _held in group:
            due = due_of(days, last, since, repeats, customer_kind)
            if floors and days > 0:
                floor = floors.get(invoice_id)
                if floor is not None and (due is None or due.step < floor):
                    due = Due(floor)
            if due is not None:
                lines.append((invoice_id, due.step, due.repeat, minor, days > 0))
                if best is None or (due.step, due.repeat) > (best.step, best.repeat):
                    best = due
            elif days > 0:
                lines.append((invoice_id, last, None, minor, True))
            else:
                continue
            total += minor
            if days > 0:
                overdue_total += minor
        if best is None:
            continue
        step = policy.steps[best.step]
        if step.min_amount and Decimal(total).scaleb(-exponent(currency)) < step.min_amount:
            reason = f"below the minimum of {step.min_amount} {currency} for step {step.key}"
            held.append(Held(0, currency, None, reason, best.step))
            continue
        messages.append(
            RowMessage(currency, best.step, best.repeat, tuple(lines), total, overdue_total)
        )
    return messages, held


# --------------------------------------------------------------------------- default


def default_policy() -> Policy:
    """The French default: courteous before the due date, firmer after, formal at the end."""
    return Policy(
        key="default-fr",
        name="Relance standard",
        steps=(
            Step("j-5", -5, (Channel.EMAIL,), Tone.COURTEOUS),
            Step("j+1", 1, (Channel.EMAIL,), Tone.COURTEOUS),
            Step("j+8", 8, (Channel.EMAIL, Channel.SMS), Tone.FIRM),
            Step("j+15", 15, (Channel.CALL,), Tone.FIRM),
            Step("j+30", 30, (Channel.LETTER,), Tone.FIRM, states_penalties=True),
            Step(
                "j+45",
                45,
                (Channel.REGISTERED_LETTER,),
                Tone.FORMAL,
                kind=StepKind.FORMAL_NOTICE,
                needs_approval=True,
                states_penalties=True,
            ),
            Step("j+60", 60, (Channel.TASK,), Tone.FORMAL, kind=StepKind.ESCALATION),
        ),
        repeat=Repeat(every_days=15, max_times=4),
    )
