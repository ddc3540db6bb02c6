"""The negotiation's own messages, sent through the dunning outbox like any reminder.

    plan_promise_reminder(promise, day)     the courtesy reminder the day before the date
    plan_instalment_reminder(instalment, day)
    plan_agreement_message(agreement, day, user=None)   the agreement PDF to the debtor

Each is one run-less `Action` (kinds in relance.dunning.models.NEGOTIATION_KINDS) with an
idempotency key per object (`promise:<id>:reminder`, `instalment:<id>:reminder`,
`agreement:<id>`): planning twice returns the first one. The worker sends them like the
other documents: committed first, re-checked when claimed (paid, customer paused; the
object's own invoice pauses do not hold them back), the same backends, archived in
`Correspondence`.

The channel: email when the customer has a usable email contact (not opted out, not flagged
undeliverable), else SMS to a usable mobile number, else no reminder (counted as
`no_channel` by the daily evaluation). The agreement goes by email only (it is a PDF).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.template.loader import render_to_string

from relance.channels.base import Attachment
from relance.domain import dunning as dd
from relance.domain.sms import fits
from relance.dunning.messages import (
    KIND_RENDERERS,
    NoRecipient,
    Rendered,
    Unsendable,
    _day,
    _money,
    recipient,
)
from relance.dunning.models import (
    INSTALMENT_REMINDER_KIND,
    PLAN_AGREEMENT_KIND,
    PROMISE_REMINDER_KIND,
    Action,
    Origin,
)
from relance.dunning.sending import _document_action
from relance.ledger.models import Invoice
from relance.negotiation.models import Instalment, PlanAgreement, Promise

SUBJECTS = {
    "fr": {
        PROMISE_REMINDER_KIND: "Votre règlement prévu le {day} – {creditor}",
        INSTALMENT_REMINDER_KIND: "Échéance du {day} – {creditor}",
        PLAN_AGREEMENT_KIND: "Votre échéancier de paiement – {creditor}",
    },
    "en": {
        PROMISE_REMINDER_KIND: "Your payment planned for {day} – {creditor}",
        INSTALMENT_REMINDER_KIND: "Instalment due on {day} – {creditor}",
        PLAN_AGREEMENT_KIND: "Your payment plan – {creditor}",
    },
}


def reminder_channel(customer: Any) -> str | None:
    """Email if a contact can receive it, else SMS, else None."""
    contacts = list(customer.contacts.all())
    for channel in (dd.Channel.EMAIL, dd.Channel.SMS):
        try:
            recipient(channel, customer, contacts)
        except NoRecipient:
            continue
        return str(channel)
    return None


def _listed(invoices: list[Invoice]) -> list[list[object]]:
    return [[i.pk, "", i.total_incl_tax_minor - i.allocated_minor] for i in invoices]


def plan_promise_reminder(promise: Promise, day: date) -> Action | None:
    """Plan the courtesy reminder of a pending promise (None without a usable channel)."""
    if promise.reminder_action_id is not None:
        return promise.reminder_action
    channel = reminder_channel(promise.customer)
    if channel is None:
        return None
    invoices = list(promise.invoices.order_by("due_date", "id"))
    planned = _document_action(
        customer=promise.customer,
        currency=promise.currency,
        as_of=day,
        kind=PROMISE_REMINDER_KIND,
        channel=channel,
        key=f"promise:{promise.pk}:reminder",
        origin=Origin.SCHEDULE,
        listed=_listed(invoices),
        total_minor=promise.amount_minor,
        overdue_minor=0,
        user=None,
    )
    Promise.objects.filter(pk=promise.pk).update(reminder_action=planned.action)
    promise.reminder_action = planned.action
    return planned.action


def plan_instalment_reminder(instalment: Instalment, day: date) -> Action | None:
    if instalment.reminder_action_id is not None:
        return instalment.reminder_action
    plan = instalment.plan
    channel = reminder_channel(plan.customer)
    if channel is None:
        return None
    planned = _document_action(
        customer=plan.customer,
        currency=plan.currency,
        as_of=day,
        kind=INSTALMENT_REMINDER_KIND,
        channel=channel,
        key=f"instalment:{instalment.pk}:reminder",
        origin=Origin.SCHEDULE,
        listed=_listed(list(plan.invoices.order_by("due_date", "id"))),
        total_minor=instalment.amount_minor - instalment.paid_minor,
        overdue_minor=0,
        user=None,
    )
    Instalment.objects.filter(pk=instalment.pk).update(reminder_action=planned.action)
    instalment.reminder_action = planned.action
    return planned.action


def plan_agreement_message(agreement: PlanAgreement, day: date, *, user: Any = None) -> Action:
    """Plan the email that sends the agreement PDF (once per agreement)."""
    if agreement.action_id is not None and agreement.action is not None:
        return agreement.action
    plan = agreement.plan
    contacts = list(plan.customer.contacts.all())
    try:
        recipient(dd.Channel.EMAIL, plan.customer, contacts)
    except NoRecipient as exc:
        from relance.core.errors import BadInput

        raise BadInput(f"the agreement goes by email: {exc}") from exc
    planned = _document_action(
        customer=plan.customer,
        currency=plan.currency,
        as_of=day,
        kind=PLAN_AGREEMENT_KIND,
        channel=dd.Channel.EMAIL,
        key=f"agreement:{agreement.pk}",
        origin=Origin.MANUAL,
        listed=_listed(list(plan.invoices.order_by("due_date", "id"))),
        total_minor=plan.total_minor,
        overdue_minor=0,
        user=user,
    )
    PlanAgreement.objects.filter(pk=agreement.pk).update(action=planned.action)
    agreement.action = planned.action
    return planned.action


# --------------------------------------------------------------------------- rendering


def _numbers(action: Action) -> str:
    ids = [line.invoice_id for line in action.lines()]
    found = Invoice.objects.in_bulk(ids)
    return ", ".join(found[i].number for i in ids if i in found)


def _sms(lang: str, text_fr: str, text_en: str) -> str:
    text = text_fr if lang == "fr" else text_en
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    while text and not fits(text, 2):
        text = text[:-1]
    return text


def _body(template: str, lang: str, context: dict[str, Any]) -> str:
    text = render_to_string(f"negotiation/messages/{lang}/{template}.txt", context)
    return text.strip() + "\n"


def render_promise_reminder(action: Action, as_of: date, lang: str, greeting: str) -> Rendered:
    promise = Promise.objects.filter(reminder_action=action).first()
    if promise is None:
        raise Unsendable("no promise refers to this reminder")
    creditor = action.creditor
    name = creditor.trade_name or creditor.legal_name
    amount = _money(promise.amount_minor, promise.currency, lang)
    day = _day(promise.promised_on, lang)
    subject = SUBJECTS[lang][PROMISE_REMINDER_KIND].format(day=day, creditor=name)
    if action.channel == dd.Channel.SMS:
        body = _sms(
            lang,
            f"{name} : merci pour votre règlement de {amount} prévu le {day}. "
            "S'il est déjà parti, ne tenez pas compte de ce message.",
            f"{name}: thank you for your payment of {amount} planned for {day}. "
            "If it is already on its way, please ignore this message.",
        )
        return Rendered(subject, body)
    context = {
        "greeting": greeting,
        "creditor": creditor,
        "amount": amount,
        "promised_on": day,
        "taken_on": _day(promise.taken_on, lang),
        "numbers": _numbers(action),
    }
    return Rendered(subject, _body("promise_reminder", lang, context))


def render_instalment_reminder(action: Action, as_of: date, lang: str, greeting: str) -> Rendered:
    instalment = Instalment.objects.filter(reminder_action=action).select_related("plan").first()
    if instalment is None:
        raise Unsendable("no instalment refers to this reminder")
    plan = instalment.plan
    creditor = action.creditor
    name = creditor.trade_name or creditor.legal_name
    amount = _money(instalment.amount_minor - instalment.paid_minor, plan.currency, lang)
    day = _day(instalment.due_on, lang)
    later = sum(
        i.amount_minor - i.paid_minor for i in plan.instalments.filter(number__gt=instalment.number)
    )
    subject = SUBJECTS[lang][INSTALMENT_REMINDER_KIND].format(day=day, creditor=name)
    if action.channel == dd.Channel.SMS:
        body = _sms(
            lang,
            f"{name} : l'échéance n° {instalment.number} de votre échéancier, {amount}, "
            f"arrive le {day}. Merci de votre règlement.",
            f"{name}: instalment no. {instalment.number} of your payment plan, {amount}, "
            f"is due on {day}. Thank you for your payment.",
        )
        return Rendered(subject, body)
    context = {
        "greeting": greeting,
        "creditor": creditor,
        "amount": amount,
        "due_on": day,
        "number": instalment.number,
        "agreed_on": _day(plan.agreed_on, lang),
        "remaining": _money(later, plan.currency, lang),
        "numbers": _numbers(action),
    }
    return Rendered(subject, _body("instalment_reminder", lang, context))


def render_agreement(action: Action, as_of: date, lang: str, greeting: str) -> Rendered:
    agreement = PlanAgreement.objects.filter(action=action).select_related("plan").first()
    if agreement is None:
        raise Unsendable("no agreement refers to this message")
    plan = agreement.plan
    creditor = action.creditor
    name = creditor.trade_name or creditor.legal_name
    instalments = list(plan.instalments.order_by("number"))
    context = {
        "greeting": greeting,
        "creditor": creditor,
        "agreed_on": _day(plan.agreed_on, lang),
        "count": len(instalments),
        "total": _money(plan.total_minor, plan.currency, lang),
        "first_on": _day(instalments[0].due_on, lang) if instalments else "",
    }
    subject = SUBJECTS[lang][PLAN_AGREEMENT_KIND].format(creditor=name)
    filename = ("echeancier" if lang == "fr" else "payment-plan") + f"-{plan.pk}.pdf"
    attachment = Attachment(filename, bytes(agreement.pdf), "application/pdf")
    return Rendered(subject, _body("plan_agreement", lang, context), (attachment,))


def register() -> None:
    KIND_RENDERERS[PROMISE_REMINDER_KIND] = render_promise_reminder
    KIND_RENDERERS[INSTALMENT_REMINDER_KIND] = render_instalment_reminder
    KIND_RENDERERS[PLAN_AGREEMENT_KIND] = render_agreement
