"""The legal steps of a policy: the penalty invoice and the formal notice, issued when sent.

A step of kind `penalty_invoice` or `formal_notice` is planned like any other (its items
move to its level, the review queue holds it when it needs approval). What differs is what
its message carries. When the worker claims one of its actions on a channel that carries
documents (email, letter, registered letter: `messages.carries_legal_document`),
`document_for(action, today)` runs in the claim's transaction, just before rendering:

- `penalty_invoice`: the customer's penalty invoice for the action's currency, billing the
  days not billed yet up to `today` (relance.legal.penalty_invoices.issue_penalty_invoice:
  its own gap-free numbering, Factur-X embedded). Nothing left to bill (no interest, no
  indemnity due: a consumer without formal notice, days already billed) cancels the action
  with the reason. A penalty invoice waived since cancels the actions still to carry it.
- `formal_notice`: the customer's open legal case, else a new one of route `undecided`
  (relance.legal.services.open_for_notice: no pause, the escalation decision is still to
  come), and the formal notice recorded on it (relance.legal.notice.record_notice): dated
  `today`, the step's notice period (`PolicyStep.notice_period_days`, 8 or 15 days) to
  pay, signed in the name of the person who approved the step, addressed like the
  registered letter, with the note a person added to the action
  (review queue, manual send). Recording it adds the `notice_sent` stage,
  sets the case's deadline and, for a consumer, starts interest (relance.legal.accrual).

**One document per message.** A message goes out as one action per channel (email and
registered letter, say), and an action may be sent again (a retry after a temporary
failure, a takeover after a worker died). The document is stored under the message's key
(`message_key`: the run, customer and currency, or the manual action's idempotency key), a
unique column: every action of the message, every attempt, finds the document already
issued and carries that one. The claim locks the customers of its legal actions first, in
id order, so two workers never issue for one customer at once (nor deadlock).

The worker calls this inside a savepoint with the rendering: a message that cannot go (no
recipient, wording refused) leaves no document behind and uses no number. Once issued, a
document stays even if the sending then fails for good: an invoice number is never
withdrawn (waive the penalty invoice if it must not stand).

`acknowledged(correspondence, on)` is called when a registered letter's acknowledgment is
recorded (relance.channels.registered.update_tracking): for a formal notice, the case gets
its `ack_received` stage.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from relance.channels.models import Correspondence
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.domain import dunning as dd
from relance.domain.legal_case import Stage
from relance.dunning.messages import (
    LegalDocument,
    NoRecipient,
    Unsendable,
    carries_legal_document,
    recipient,
)
from relance.dunning.models import Action, PolicyStep
from relance.legal.models import FormalNotice, PenaltyInvoice, PenaltyStatus
from relance.legal.notice import record_notice
from relance.legal.penalty_invoices import issue_penalty_invoice
from relance.legal.services import open_for_notice, record_event

#: Days the formal notice gives to pay when its step is not known any more (a policy
#: deleted, a manual send): the step's own `notice_period_days` (8 or 15) otherwise. Fifteen
#: leaves the notice's period to run before the default policy's escalation decision
#: (J+45 → J+60).
NOTICE_PERIOD_DAYS = 15


def notice_period(action: Action) -> int:
    """The days the formal notice of `action`'s step gives to pay."""
    if action.policy_id is None:
        return NOTICE_PERIOD_DAYS
    found = (
        PolicyStep.objects.filter(policy_id=action.policy_id, key=action.step_key)
        .values_list("notice_period_days", flat=True)
        .first()
    )
    return int(found) if found is not None else NOTICE_PERIOD_DAYS


#: Who signs when nobody approved the step (nor asked for the send).
DEFAULT_SIGNATORY = "Service comptabilité clients"


def message_key(action: Action) -> str:
    """The key of the message `action` is one channel of (see the module docstring)."""
    if action.run_id is not None:
        return f"run:{action.run_id}:{action.customer_id}:{action.currency}"
    return action.idempotency_key


def lock_customers(actions: Iterable[Action]) -> None:
    """Lock the customers of the actions that carry a legal document, in id order."""
    ids = sorted({a.customer_id for a in actions if carries_legal_document(a)})
    if ids:
        list(
            Customer.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _person(action: Action) -> Any:
    return action.decided_by or action.created_by


def _signatory(action: Action) -> str:
    who = _person(action)
    if who is None:
        return DEFAULT_SIGNATORY
    return str(who.get_full_name() or who.get_username())


def _address(action: Action) -> list[str] | None:
    """The notice's address block: the registered letter's, else the customer's own."""
    contacts = list(action.customer.contacts.all())
    if action.contact_id is not None:
        contacts = [c for c in contacts if c.pk == action.contact_id] or contacts
    try:
        block = recipient(dd.Channel.REGISTERED_LETTER, action.customer, contacts).address
    except NoRecipient:
        return None
    return block.splitlines()


def document_for(action: Action, today: date) -> LegalDocument | None:
    """The penalty invoice or formal notice `action` carries, issued now if its message has
    none yet (None for any other action). Must run in a transaction; raises Unsendable with
    the reason when there is nothing to issue."""
    if not carries_legal_document(action):
        return None
    lock_customers([action])
    key = message_key(action)
    if action.kind == dd.StepKind.PENALTY_INVOICE:
        found = PenaltyInvoice.objects.filter(dunning_key=key).first()
        if found is None:
            try:
                found = issue_penalty_invoice(
                    action.customer,
                    today,
                    user=_person(action),
                    currency=action.currency,
                    dunning_key=key,
                )
            except BadInput as exc:
                raise Unsendable(f"no penalty invoice: {exc}") from exc
        elif found.status == PenaltyStatus.WAIVED:
            raise Unsendable(f"penalty invoice {found.number} was waived")
        return found
    notice = FormalNotice.objects.select_related("case").filter(dunning_key=key).first()
    if notice is None:
        try:
            case = open_for_notice(action.customer, today, action.currency, user=_person(action))
            notice = record_notice(
                case,
                today,
                notice_period(action),
                _signatory(action),
                user=_person(action),
                address=_address(action),
                note=action.note,
                dunning_key=key,
            )
        except BadInput as exc:
            raise Unsendable(f"no formal notice: {exc}") from exc
    return notice


def documents_of(actions: Iterable[Action]) -> dict[int, LegalDocument]:
    """The document each of `actions` carried, by action id (two queries: for pages that
    list actions, such as the customer's reminders)."""
    keys = {a.pk: message_key(a) for a in actions if carries_legal_document(a)}
    if not keys:
        return {}
    wanted = set(keys.values())
    found: dict[str, LegalDocument] = {}
    for pi in PenaltyInvoice.objects.filter(dunning_key__in=wanted).only(
        "pk", "number", "dunning_key"
    ):
        found[pi.dunning_key] = pi
    for notice in FormalNotice.objects.filter(dunning_key__in=wanted).only(
        "pk", "case_id", "sent_on", "deadline", "dunning_key"
    ):
        found[notice.dunning_key] = notice
    return {pk: found[key] for pk, key in keys.items() if key in found}


def acknowledged(correspondence: Correspondence, on: date, *, user: Any = None) -> None:
    """A registered letter was signed for on `on`: when it carried a formal notice, add the
    `ack_received` stage to its case (once; nothing when the case is closed)."""
    if correspondence.action_id is None:
        return
    action = Action.objects.filter(pk=correspondence.action_id).first()
    if action is None or action.kind != dd.StepKind.FORMAL_NOTICE:
        return
    notice = (
        FormalNotice.objects.select_related("case").filter(dunning_key=message_key(action)).first()
    )
    if notice is None or notice.case.closed_on is not None:
        return
    if notice.case.events.filter(stage=Stage.ACK_RECEIVED.value, on__gte=notice.sent_on).exists():
        return
    tracking = getattr(getattr(correspondence, "registered", None), "tracking_number", "")
    record_event(
        notice.case,
        Stage.ACK_RECEIVED.value,
        on,
        user=user if getattr(user, "pk", None) else None,
        note=f"AR {tracking}".strip(),
    )
