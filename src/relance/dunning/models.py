"""Dunning policies and their assignment, pauses, runs and the actions they plan.

A policy is stored as rows (Policy + PolicyStep) and evaluated as the domain's
frozen `relance.domain.dunning.Policy` (`Policy.to_domain()`).

A Run is the plan of one creditor for one as-of date: unique per (creditor,
as_of), so running twice, or twice at once, gives one plan. An Action is one
message on one channel to one customer in one currency; its ActionItems list the
invoices it covers, each at its own level. Holdbacks record what the run did not
plan and why. Only actions with status `sent` count as the history of a debtor's
reminders (see relance.dunning.services.histories).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relance.core.models import Timestamped
from relance.domain import dunning as dd
from relance.domain.money import Money

#: Labels shown in the UI (the domain enums carry only the stored values).
LABELS: dict[str, Any] = {
    dd.Channel.EMAIL: _("email"),
    dd.Channel.SMS: _("SMS"),
    dd.Channel.LETTER: _("letter"),
    dd.Channel.REGISTERED_LETTER: _("registered letter"),
    dd.Channel.CALL: _("phone call"),
    dd.Channel.MEETING: _("meeting"),
    dd.Channel.TASK: _("task"),
    dd.Tone.COURTEOUS: _("courteous"),
    dd.Tone.FIRM: _("firm"),
    dd.Tone.FORMAL: _("formal"),
    dd.StepKind.REMINDER: _("reminder"),
    dd.StepKind.PENALTY_INVOICE: _("penalty invoice"),
    dd.StepKind.FORMAL_NOTICE: _("formal notice"),
    dd.StepKind.CREDIT_HOLD: _("credit hold"),
    dd.StepKind.ESCALATION: _("escalation decision"),
    dd.Audience.ALL: _("all customers"),
    dd.Audience.B2B: _("businesses"),
    dd.Audience.B2C: _("consumers"),
}


def _choices(enum: type[StrEnum]) -> list[tuple[str, Any]]:
    return [(member.value, LABELS[member]) for member in enum]


class Policy(Timestamped):
    creditor = models.ForeignKey(
        "creditors.Creditor", on_delete=models.CASCADE, related_name="policies"
    )
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default policy"), default=False)
    repeat_every_days = models.PositiveSmallIntegerField(
        _("repeat the last step every (days)"), null=True, blank=True
    )
    repeat_max = models.PositiveSmallIntegerField(_("repeat at most (times)"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "policies"
        constraints = [
            models.UniqueConstraint(fields=["creditor", "key"], name="policy_unique_key"),
            models.UniqueConstraint(
                fields=["creditor"], condition=Q(is_default=True), name="policy_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def to_domain(self, currency: str = "EUR") -> dd.Policy:
        """The frozen domain policy (raises domain.dunning.PolicyError when inconsistent)."""
        repeat = (
            dd.Repeat(self.repeat_every_days, self.repeat_max) if self.repeat_every_days else None
        )
        steps = tuple(step.to_domain(currency) for step in self.steps.order_by("offset_days"))
        return dd.Policy(self.key, self.name, steps, repeat)


class PolicyStep(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="steps")
    key = models.SlugField(_("key"), max_length=40)
    offset_days = models.SmallIntegerField(_("days after the due date (negative: before)"))
    #: comma-separated channel names (relance.domain.dunning.Channel), in sending order
    channels = models.CharField(_("channels"), max_length=120)
    tone = models.CharField(_("tone"), max_length=12, choices=_choices(dd.Tone))
    kind = models.CharField(
        _("kind"), max_length=20, choices=_choices(dd.StepKind), default=dd.StepKind.REMINDER.value
    )
    #: in the creditor's currency, minor units
    min_amount_minor = models.BigIntegerField(_("minimum amount"), default=0)
    needs_approval = models.BooleanField(_("needs approval"), default=False)
    audience = models.CharField(
        _("audience"), max_length=3, choices=_choices(dd.Audience), default=dd.Audience.ALL.value
    )
    states_penalties = models.BooleanField(_("states the penalties"), default=False)
    #: a formal-notice step: the days the notice gives to pay
    notice_period_days = models.PositiveSmallIntegerField(
        _("days the formal notice gives to pay"),
        choices=[(n, str(n)) for n in dd.NOTICE_PERIODS],
        default=15,
    )

    class Meta:
        ordering = ["policy", "offset_days"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "key"], name="step_unique_key"),
            models.UniqueConstraint(fields=["policy", "offset_days"], name="step_unique_offset"),
            models.CheckConstraint(
                condition=Q(min_amount_minor__gte=0), name="step_min_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(notice_period_days__in=dd.NOTICE_PERIODS),
                name="step_notice_period_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.key}/{self.key}"

    def channel_list(self) -> tuple[dd.Channel, ...]:
        try:
            return tuple(dd.Channel(c.strip()) for c in self.channels.split(",") if c.strip())
        except ValueError as exc:
            raise dd.PolicyError(f"step {self}: unknown channel in '{self.channels}'") from exc

    def to_domain(self, currency: str = "EUR") -> dd.Step:
        return dd.Step(
            key=self.key,
            offset_days=self.offset_days,
            channels=self.channel_list(),
            tone=dd.Tone(self.tone),
            kind=dd.StepKind(self.kind),
            min_amount=Money.from_minor(self.min_amount_minor, currency).amount,
            needs_approval=self.needs_approval,
            audience=dd.Audience(self.audience),
            states_penalties=self.states_penalties,
            notice_days=self.notice_period_days,
        )


class PolicyAssignment(models.Model):
    """Which policy a customer follows: per customer (override), else per segment."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="assignments")
    segment = models.CharField(_("segment"), max_length=40, blank=True)
    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dunning_policy",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(customer__isnull=True) & ~Q(segment=""))
                | (Q(customer__isnull=False) & Q(segment="")),
                name="assignment_segment_xor_customer",
            ),
            models.UniqueConstraint(
                fields=["creditor", "segment"],
                condition=Q(customer__isnull=True),
                name="assignment_unique_segment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} ← {self.segment or self.customer}"


class Pause(Timestamped):
    """A customer or one invoice excluded from dunning, with a reason, until a date (or not)."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    invoice = models.ForeignKey(
        "ledger.Invoice", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200)
    #: last day of the pause; empty: excluded until lifted
    until = models.DateField(_("until"), null=True, blank=True)
    #: an invoice pause that holds back only this part of its open amount (a dispute over
    #: part of an invoice): the rest is still reminded. Empty: the whole invoice.
    amount_minor = models.BigIntegerField(_("amount paused"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=True, invoice__isnull=False)
                | Q(customer__isnull=False, invoice__isnull=True),
                name="pause_customer_xor_invoice",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="pause_needs_reason"),
            models.CheckConstraint(
                condition=Q(amount_minor__isnull=True)
                | Q(amount_minor__gt=0, invoice__isnull=False),
                name="pause_amount_on_invoice_positive",
            ),
        ]


class Run(models.Model):
    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField(_("as-of date"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    messages = models.PositiveIntegerField(default=0)
    actions = models.PositiveIntegerField(default=0)
    holdbacks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "as_of"], name="run_unique_date"),
        ]

    def __str__(self) -> str:
        return f"run {self.as_of.isoformat()}"


@dataclass(frozen=True, slots=True)
class Line:
    invoice_id: int
    level_key: str
    advances: bool
    open_minor: int


#: Action kinds that are not dunning steps: documents sent to the customer (see
#: relance.dunning.documents). They list invoices without moving them to a level.
INVOICE_KIND = "invoice"
STATEMENT_KIND = "statement"
#: Negotiation messages (relance.negotiation.reminders): the courtesy reminder the day before
#: a promised payment, the reminder before a plan's instalment, a plan's agreement sent to
#: the debtor. Rendered by relance.negotiation (see messages.KIND_RENDERERS); the pauses of
#: the promise or plan they belong to do not hold them back.
PROMISE_REMINDER_KIND = "promise_reminder"
INSTALMENT_REMINDER_KIND = "instalment_reminder"
PLAN_AGREEMENT_KIND = "plan_agreement"
NEGOTIATION_KINDS = frozenset(
    {PROMISE_REMINDER_KIND, INSTALMENT_REMINDER_KIND, PLAN_AGREEMENT_KIND}
)
DOCUMENT_KINDS = frozenset({INVOICE_KIND, STATEMENT_KIND}) | NEGOTIATION_KINDS
#: Idempotency-key prefix of an invoice copy a customer asked for (relance.dunning.sending
#: `plan_invoice_copy`): sent even while the invoice is paused (a dispute, a promise).
COPY_KEY = "invoice-copy:"
ACTION_KINDS: list[tuple[str, Any]] = [
    *_choices(dd.StepKind),
    (INVOICE_KIND, _("invoice")),
    (STATEMENT_KIND, _("account statement")),
    (PROMISE_REMINDER_KIND, _("promise reminder")),
    (INSTALMENT_REMINDER_KIND, _("instalment reminder")),
    (PLAN_AGREEMENT_KIND, _("payment plan agreement")),
]


class Origin(models.TextChoices):
    """Who asked for an action: the daily run, a person (manual send), or a schedule."""

    RUN = "run", _("daily run")
    MANUAL = "manual", _("manual send")
    SCHEDULE = "schedule", _("schedule")


class ActionStatus(models.TextChoices):
    NEEDS_APPROVAL = "needs_approval", _("needs approval")
    PLANNED = "planned", _("planned")
    SENDING = "sending", _("sending")
    SKIPPED = "skipped", _("skipped")
    CANCELLED = "cancelled", _("cancelled")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Action(models.Model):
    # Indexes: a run writes one row per message and channel (about 120,000 at a million
    # invoices), so every index costs. The run and the creditor are served by the unique
    # (run, customer, currency, channel) and the (creditor, status) indexes that start with
    # them; the policy has none (deleting a policy, rare, scans the actions); the columns
    # that are empty on almost every row (decided_by, contact, created_by) have partial
    # indexes over the rows that use them.
    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    creditor = models.ForeignKey(
        "creditors.Creditor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="dunning_actions"
    )
    currency = models.CharField(max_length=3)
    as_of = models.DateField()
    policy = models.ForeignKey(
        Policy, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    step_key = models.CharField(max_length=40)
    #: kept so that history survives edits of the policy (see services.histories)
    step_offset = models.SmallIntegerField()
    repeat = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(max_length=20, choices=_choices(dd.Channel))
    tone = models.CharField(max_length=12, choices=_choices(dd.Tone))
    kind = models.CharField(max_length=20, choices=ACTION_KINDS)
    states_penalties = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=ActionStatus.choices)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.RUN)
    total_minor = models.BigIntegerField()
    overdue_total_minor = models.BigIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    #: unique (a constraint rather than unique=True: on PostgreSQL that would also build a
    #: second, pattern-matching index that nothing uses)
    idempotency_key = models.CharField(max_length=120)
    #: the invoices listed at the level they already stand at (this message does not move
    #: them): [[invoice id, level key, open minor], …]. Invoices it moves are ActionItems.
    listed = models.JSONField(default=list, blank=True)
    sent_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: review queue: who approved or skipped the action, when
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    #: outbox: attempts made, when the next one may start, when the current one was claimed
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    #: a person's additions (manual send, review-queue edit): a note added to the message,
    #: the contact chosen as recipient (else the ranking of messages.recipient applies)
    note = models.TextField(blank=True)
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    #: review-queue edits, oldest first: [{"by", "at", "reason", "changes": {field: [old, new]}}]
    edits = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["customer_id", "currency", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "customer", "currency", "channel"], name="action_unique_in_run"
            ),
            models.UniqueConstraint(fields=["idempotency_key"], name="action_unique_key"),
            models.CheckConstraint(
                condition=Q(status="sent", sent_on__isnull=False)
                | (~Q(status="sent") & Q(sent_on__isnull=True)),
                name="action_sent_on_iff_sent",
            ),
        ]
        indexes = [
            models.Index(fields=["creditor", "status"], name="action_status_idx"),
            # the worker's queue: actions waiting to be sent, by their next attempt
            models.Index(
                fields=["status", "next_attempt_at"],
                name="action_queue_idx",
                condition=Q(status__in=["planned", "sending"]),
            ),
            models.Index(
                fields=["decided_by"],
                name="action_decided_by_idx",
                condition=Q(decided_by__isnull=False),
            ),
            models.Index(
                fields=["contact"], name="action_contact_idx", condition=Q(contact__isnull=False)
            ),
            models.Index(
                fields=["created_by"],
                name="action_created_by_idx",
                condition=Q(created_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step_key} {self.channel} → customer {self.customer_id} ({self.status})"

    def lines(self) -> list[Line]:
        """Every invoice of the message: those it moves (items) and those it lists."""
        moved = [Line(i.invoice_id, i.level_key, True, i.open_minor) for i in self.items.all()]
        listed = [
            Line(int(inv), str(level), False, int(minor)) for inv, level, minor in self.listed
        ]
        return moved + listed


class ActionItem(models.Model):
    # No index of their own: the unique (action, invoice) and the (invoice, advances) indexes
    # below start with them (fewer indexes to maintain on a run's bulk insert).
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    invoice = models.ForeignKey(
        "ledger.Invoice", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    #: the step the invoice stands at in this message ("" if never reminded), its offset
    #: (kept so that history survives edits of the policy) and its repetition
    level_key = models.CharField(max_length=40, blank=True)
    level_offset = models.SmallIntegerField(null=True, blank=True)
    repeat = models.PositiveSmallIntegerField(default=0)
    #: this message moves the invoice to that step (else it is only listed)
    advances = models.BooleanField(default=False)
    open_minor = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "invoice"], name="action_item_unique"),
            models.CheckConstraint(
                condition=Q(advances=False) | Q(level_offset__isnull=False),
                name="action_item_advances_to_a_step",
            ),
        ]
        indexes = [models.Index(fields=["invoice", "advances"], name="action_item_invoice_idx")]

    def __str__(self) -> str:
        return f"invoice {self.invoice_id} at {self.level_key or '-'}"


class Holdback(models.Model):
    """Something a run did not plan, and why (shown on the run screen)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="holdback_rows")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3, blank=True)
    invoice = models.ForeignKey(
        "ledger.Invoice", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    step_key = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.reason


class AttemptOutcome(models.TextChoices):
    STARTED = "started", _("started")  # never finished: the worker stopped during the send
    SENT = "sent", _("sent")
    TRANSIENT = "transient", _("temporary failure")
    PERMANENT = "permanent", _("permanent failure")
    CANCELLED = "cancelled", _("cancelled before sending")


class Attempt(models.Model):
    """One try at sending an action: every try ends in a state, or shows it never finished."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=AttemptOutcome.choices)
    backend = models.CharField(max_length=40, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["action", "number"]
        constraints = [
            models.UniqueConstraint(fields=["action", "number"], name="attempt_unique_number"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of action {self.action_id}: {self.outcome}"


class SendingSettings(models.Model):
    """A creditor's settings for documents sent outside the dunning steps (off by default).

    `statement_day`: the day of the month (1-28) on which the daily tick plans an account
    statement for every customer with open items; empty: no scheduled statements.
    `send_invoices`: the daily tick plans an email sending each invoice on its issue date.
    """

    creditor = models.OneToOneField(
        "creditors.Creditor", on_delete=models.CASCADE, related_name="sending_settings"
    )
    statement_day = models.PositiveSmallIntegerField(
        _("send account statements on day of month"), null=True, blank=True
    )
    statement_channel = models.CharField(
        _("channel of account statements"),
        max_length=20,
        choices=[(c, LABELS[c]) for c in (dd.Channel.EMAIL, dd.Channel.LETTER)],
        default=dd.Channel.EMAIL.value,
    )
    send_invoices = models.BooleanField(_("send invoices on their issue date"), default=False)

    class Meta:
        verbose_name_plural = "sending settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(statement_day__isnull=True)
                | Q(statement_day__gte=1, statement_day__lte=28),
                name="sending_statement_day_range",
            ),
        ]

    def __str__(self) -> str:
        return f"sending settings of {self.creditor_id}"
