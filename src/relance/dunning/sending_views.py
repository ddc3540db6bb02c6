"""Pages for what people send by hand: a reminder now, a statement, the evidence file; an
action's preview and its edit in the review queue; the template preview for a customer.

Every message shown is rendered by the worker's own function (relance.dunning.manual.preview,
messages.render), so what the page shows is what goes out.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import visible_customers
from relance.accounts.models import Membership
from relance.channels.base import Outbound
from relance.core.errors import BadInput
from relance.customers.models import Contact, Customer
from relance.domain import dunning as dd
from relance.dunning.documents import build_statement
from relance.dunning.evidence import export_evidence
from relance.dunning.manual import (
    MANUAL_CHANNELS,
    change_summary,
    edit,
    policy_for,
    preview,
    preview_manual,
    preview_template,
    send_now,
    step_channels,
)
from relance.dunning.messages import LANGUAGES, Unsendable
from relance.dunning.models import LABELS, Action, ActionStatus
from relance.dunning.sending import STATEMENT_CHANNELS, plan_statement
from relance.web.access import member_required

TONES = tuple(dd.Tone)


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _customer(request: HttpRequest, pk: int) -> Customer:
    return get_object_or_404(
        visible_customers(_membership(request)).select_related("creditor"), pk=pk
    )


def _pdf(message: Outbound) -> HttpResponse:
    if not message.attachments:
        raise Http404
    first = message.attachments[0]
    response = HttpResponse(first.content, content_type=first.mimetype)
    response["Content-Disposition"] = f'inline; filename="{first.filename}"'
    return response


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, str(LABELS.get(v, v))) for v in values]


def _manual_form(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else request.GET
    contact_id = data.get("contact", "")
    contact = customer.contacts.filter(pk=int(contact_id)).first() if contact_id.isdigit() else None
    return {
        "currency": data.get("currency", customer.currency).strip().upper(),
        "channel": data.get("channel", dd.Channel.EMAIL),
        "tone": data.get("tone", dd.Tone.COURTEOUS),
        "note": data.get("note", "")[:2000],
        "contact": contact,
    }


@member_required
def send_reminder(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose channel and tone, see the message as it will go out, confirm."""
    membership = _membership(request)
    if not membership.can_write:
        raise PermissionDenied
    customer = _customer(request, pk)
    form = _manual_form(request, customer)
    today = timezone.localdate()
    shown: Outbound | None = None
    error = ""
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            # Refuse now what the worker would cancel (no recipient, wording refused).
            preview_manual(customer, form["currency"], today, **_args(form))
            action = send_now(customer, form["currency"], today, user=request.user, **_args(form))
        except (BadInput, Unsendable) as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("Reminder %(id)s written: the worker sends it within minutes.")
                % {"id": action.pk},
            )
            return HttpResponseRedirect(reverse("customer", args=[customer.pk]))
    elif "channel" in request.GET:
        try:
            shown = preview_manual(customer, form["currency"], today, **_args(form))
        except (BadInput, Unsendable) as exc:
            error = str(exc)
    context = {
        "customer": customer,
        "form": form,
        "shown": shown,
        "error": error,
        "channels": _choices(MANUAL_CHANNELS),
        "tones": _choices(TONES),
        "contacts": customer.contacts.all(),
    }
    return render(request, "dunning/send.html", context)


def _args(form: dict[str, Any]) -> dict[str, Any]:
    contact: Contact | None = form["contact"]
    return {
        "channel": form["channel"],
        "tone": form["tone"],
        "note": form["note"],
        "contact": contact,
    }


@member_required
@require_POST
def send_statement(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    if not membership.can_write:
        raise PermissionDenied
    customer = _customer(request, pk)
    channel = request.POST.get("channel", dd.Channel.EMAIL)
    currency = request.POST.get("currency", customer.currency).strip().upper()
    try:
        planned = plan_statement(
            customer, currency, timezone.localdate(), channel=channel, user=request.user
        )
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        if planned.created:
            messages.success(request, _("Account statement written: the worker sends it."))
        else:
            messages.info(request, _("Today's account statement was already sent or planned."))
    return HttpResponseRedirect(reverse("customer", args=[customer.pk]))


@member_required
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Today's statement as it would be sent (a preview: nothing is written)."""
    customer = _customer(request, pk)
    currency = request.GET.get("currency", customer.currency).strip().upper()
    if not build_statement(customer, currency, timezone.localdate()).items:
        raise Http404
    shown = preview_template(customer, kind="statement", currency=currency)
    return _pdf(shown)


@member_required
def evidence_zip(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    result = export_evidence(customer)
    response = HttpResponse(result.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-{customer.pk}.zip"'
    response["X-Relance-Tampered"] = ",".join(str(x) for x in result.tampered)
    return response


def _action(request: HttpRequest, pk: int) -> Action:
    membership = _membership(request)
    return get_object_or_404(
        Action.objects.filter(
            creditor_id=membership.creditor_id, customer__in=visible_customers(membership)
        ).select_related("customer", "policy", "contact"),
        pk=pk,
    )


@member_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An action's message as the worker renders it today; its edits; the edit form."""
    membership = _membership(request)
    action = _action(request, pk)
    shown: Outbound | None = None
    error = ""
    try:
        shown = preview(action, timezone.localdate())
    except Unsendable as exc:
        error = str(exc)
    context = {
        "action": action,
        "shown": shown,
        "error": error,
        "edits": change_summary(action),
        "can_edit": membership.can_import and action.status == ActionStatus.NEEDS_APPROVAL,
        "channels": _choices(step_channels(action)),
        "tones": _choices(TONES),
        "contacts": action.customer.contacts.all(),
        "channel_label": LABELS.get(action.channel, action.channel),
        "tone_label": LABELS.get(action.tone, action.tone),
    }
    return render(request, "dunning/action.html", context)


@member_required
def action_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        shown = preview(_action(request, pk), timezone.localdate())
    except Unsendable as exc:
        raise Http404 from exc
    return _pdf(shown)


@member_required
@require_POST
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    if not membership.can_import:
        raise PermissionDenied
    action = _action(request, pk)
    post = request.POST
    contact = post.get("contact", "")
    try:
        edit(
            membership.creditor_id,
            action.pk,
            reason=post.get("reason", ""),
            user=request.user,
            channel=post.get("channel") or None,
            tone=post.get("tone") or None,
            note=post.get("note"),
            contact_id=int(contact) if contact.isdigit() else None,
        )
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Reminder edited; it still awaits approval."))
    return HttpResponseRedirect(reverse("reminders_action", args=[action.pk]))


@member_required
def template_preview(request: HttpRequest) -> HttpResponse:
    """A step, tone and language rendered for a chosen customer's open items."""
    membership = _membership(request)
    g = request.GET
    customers = visible_customers(membership).order_by("legal_name")
    raw = g.get("customer", "")
    customer = customers.filter(pk=int(raw)).first() if raw.isdigit() else None
    steps: list[tuple[str, str]] = []
    shown: Outbound | None = None
    error = ""
    choice = {
        "step": g.get("step", ""),
        "tone": g.get("tone", ""),
        "lang": g.get("lang", ""),
        "channel": g.get("channel", ""),
    }
    if customer is not None:
        policy = policy_for(customer)
        steps = [
            (s.key, f"{s.key} – {', '.join(str(LABELS[c]) for c in s.channel_list())}")
            for s in policy.steps.order_by("offset_days")
        ]
        if choice["step"]:
            try:
                shown = preview_template(
                    customer,
                    step_key=choice["step"],
                    tone=choice["tone"] or None,
                    lang=choice["lang"] or None,
                    channel=choice["channel"] or None,
                )
            except (BadInput, Unsendable) as exc:
                error = str(exc)
    context = {
        "customers": customers[:500],
        "customer": customer,
        "steps": steps,
        "choice": choice,
        "tones": _choices(TONES),
        "languages": LANGUAGES,
        "channels": _choices(tuple(dd.Channel)),
        "statement_channels": STATEMENT_CHANNELS,
        "shown": shown,
        "error": error,
    }
    return render(request, "dunning/template_preview.html", context)


@member_required
def template_pdf(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    g = request.GET
    raw = g.get("customer", "")
    customer = visible_customers(membership).filter(pk=int(raw)).first() if raw.isdigit() else None
    if customer is None:
        raise Http404
    try:
        shown = preview_template(
            customer,
            step_key=g.get("step", ""),
            tone=g.get("tone") or None,
            lang=g.get("lang") or None,
            channel=g.get("channel") or None,
        )
    except (BadInput, Unsendable) as exc:
        raise Http404 from exc
    return _pdf(shown)
