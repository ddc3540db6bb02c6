"""Pages of disputes and calls: the call screen of a customer, the dispute form, the list of
disputes and a dispute's page. Collectors see their customers only; read-only users change
nothing (403); a customer or dispute out of sight is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from relance.accounts.access import visible_customers
from relance.accounts.models import Membership
from relance.core.errors import BadInput
from relance.customers.models import Contact, Customer
from relance.dunning.models import LABELS, Action
from relance.ledger.models import CreditNote, Invoice
from relance.negotiation import inputs
from relance.negotiation.calls import (
    DisputeIn,
    PromiseIn,
    clear_wrong_number,
    open_tasks,
    record_call,
)
from relance.negotiation.disputes import ACTIVE, change, open_dispute, resolve
from relance.negotiation.models import (
    CallDirection,
    CallKind,
    CallOutcome,
    Dispute,
    DisputeItem,
    DisputeReason,
    DisputeResolution,
    DisputeStatus,
)
from relance.negotiation.notes import add_note
from relance.negotiation.screens import history, members_who_act, open_items, script_for
from relance.web.access import member_required

PAGE = 50


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _customer(request: HttpRequest, pk: int) -> Customer:
    return get_object_or_404(
        visible_customers(_membership(request)).select_related("creditor"), pk=pk
    )


def _can_write(request: HttpRequest) -> None:
    if not _membership(request).can_write:
        raise PermissionDenied


def _dispute(request: HttpRequest, pk: int) -> Dispute:
    found = (
        Dispute.objects.filter(pk=pk, customer__in=visible_customers(_membership(request)))
        .select_related("customer", "owner", "credit_note", "corrected_invoice")
        .first()
    )
    if found is None:
        raise Http404
    return found


def _ids(data: QueryDict, name: str) -> list[int]:
    values = data.getlist(name)
    bad = [v for v in values if not v.isdigit()]
    if bad:
        raise BadInput(_("%(field)s: not an invoice: %(value)s") % {"field": name, "value": bad[0]})
    return [int(v) for v in values]


def _items(data: QueryDict, customer: Customer, prefix: str) -> list[tuple[int, int | None]]:
    """The invoices ticked in a dispute form, each with its amount (empty: all that is open)."""
    return [
        (
            pk,
            inputs.optional_minor(
                data.get(f"{prefix}amount_{pk}", ""), customer.currency, _("amount")
            ),
        )
        for pk in _ids(data, f"{prefix}invoice")
    ]


def _user_of(membership: Membership, raw: str) -> Any:
    if not raw.strip():
        return None
    if not raw.isdigit():
        raise BadInput(_("owner: not a user"))
    for user in members_who_act(membership.creditor_id):
        if user.pk == int(raw):
            return user
    raise BadInput(_("owner: not a member of this creditor who may act on disputes"))


def _choices(choices: Any) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in choices]


# ---------------------------------------------------------------- the call screen


def _call_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    as_of = timezone.localdate()
    data = request.POST if request.method == "POST" else request.GET
    contacts = list(customer.contacts.all())
    chosen = data.get("contact", "")
    contact = next((c for c in contacts if str(c.pk) == chosen), None)
    if contact is None:
        contact = next((c for c in contacts if c.callable), None)
    tasks = list(open_tasks(Customer.objects.filter(pk=customer.pk))[:10])
    # the task the call carries out: the one named (a worklist link, a form sent back), else
    # the latest
    named = data.get("action", "")
    chosen_task = next((t.pk for t in tasks if str(t.pk) == named), None)
    if chosen_task is None and tasks and "action" not in data:
        chosen_task = tasks[0].pk
    return {
        "customer": customer,
        "contacts": contacts,
        "contact": contact,
        "script": script_for(customer, as_of, contact),
        "items": open_items(customer, as_of),
        "history": history(customer),
        "tasks": [(t, LABELS.get(t.channel, t.channel)) for t in tasks],
        "chosen_task": chosen_task,
        "outcomes": _choices(CallOutcome.choices),
        "kinds": _choices(CallKind.choices),
        "directions": _choices(CallDirection.choices),
        "reasons": _choices(DisputeReason.choices),
        "outcome": data.get("outcome", ""),
        "data": data,
        "today": as_of,
        "error": "",
    }


@member_required
def call_screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The call screen: contacts and numbers, the call script, open items, the history, and
    the outcome form (POST logs the call)."""
    customer = _customer(request, pk)
    if request.method == "POST":
        _can_write(request)
        try:
            log = _log_call(request, customer)
        except BadInput as exc:
            context = _call_context(request, customer)
            context["error"] = str(exc)
            return render(request, "negotiation/call.html", context, status=422)
        messages.success(
            request,
            _("Call recorded: %(outcome)s.") % {"outcome": log.get_outcome_display()},
        )
        return HttpResponseRedirect(reverse("call_screen", args=[customer.pk]))
    return render(request, "negotiation/call.html", _call_context(request, customer))


def _log_call(request: HttpRequest, customer: Customer) -> Any:
    post = request.POST
    contact = None
    raw = post.get("contact", "").strip()
    if raw:
        contact = customer.contacts.filter(pk=int(raw)).first() if raw.isdigit() else None
        if contact is None:
            raise BadInput(_("contact: not a contact of this customer"))
    task = None
    raw = post.get("action", "").strip()
    if raw:
        task = (
            Action.objects.filter(pk=int(raw), customer=customer).first() if raw.isdigit() else None
        )
        if task is None:
            raise BadInput(_("action: not a task of this customer"))
    outcome = post.get("outcome", "")
    new_promise = None
    new_dispute = None
    if outcome == CallOutcome.PROMISE:
        amount = inputs.optional_minor(
            post.get("promise_amount", ""), customer.currency, _("amount promised")
        )
        if amount is None:
            raise BadInput(_("amount promised: required"))
        new_promise = PromiseIn(
            amount,
            inputs.day(post.get("promise_on", ""), _("promised payment date")),
            _ids(post, "promise_invoice") or None,
        )
    if outcome == CallOutcome.DISPUTE:
        new_dispute = DisputeIn(
            post.get("dispute_reason", ""),
            _items(post, customer, "dispute_"),
            post.get("dispute_description", "")[:2000],
        )
    with transaction.atomic():
        return record_call(
            customer,
            user=request.user,
            at=timezone.now(),
            outcome=outcome,
            new_promise=new_promise,
            new_dispute=new_dispute,
            contact=contact,
            kind=post.get("kind", CallKind.CALL),
            direction=post.get("direction", CallDirection.OUTBOUND),
            note=post.get("note", "")[:2000],
            call_back_on=inputs.optional_day(post.get("call_back_on", ""), _("call back on")),
            action=task,
            invoices=_ids(post, "copy_invoice") if outcome == CallOutcome.COPY_REQUESTED else None,
        )


@member_required
def call_fields(request: HttpRequest, pk: int) -> HttpResponse:
    """The fields the chosen outcome needs (htmx swaps them into the call form)."""
    customer = _customer(request, pk)
    context = _call_context(request, customer)
    return render(request, "negotiation/_outcome_fields.html", context)


@member_required
@require_POST
def phone_checked(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact's number was checked or corrected: calls may use it again."""
    _can_write(request)
    contact = get_object_or_404(
        Contact.objects.filter(customer__in=visible_customers(_membership(request))), pk=pk
    )
    clear_wrong_number(contact)
    messages.success(request, _("The number of %(name)s may be called again.") % {"name": contact})
    return HttpResponseRedirect(reverse("call_screen", args=[contact.customer_id]))


# ---------------------------------------------------------------- disputes


@member_required
def dispute_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The form opening a dispute on invoices of the customer, or amounts of them."""
    _can_write(request)
    customer = _customer(request, pk)
    membership = _membership(request)
    error = ""
    if request.method == "POST":
        post = request.POST
        try:
            dispute = open_dispute(
                customer,
                items=_items(post, customer, ""),
                reason=post.get("reason", ""),
                opened_on=timezone.localdate(),
                user=request.user,
                owner=_user_of(membership, post.get("owner", "")),
                due_on=inputs.optional_day(post.get("due_on", ""), _("to resolve by")),
                description=post.get("description", "")[:2000],
                note=post.get("note", "")[:5000],
            )
        except BadInput as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("Dispute %(id)s opened: dunning holds back the disputed amounts.")
                % {"id": dispute.pk},
            )
            return HttpResponseRedirect(reverse("dispute", args=[dispute.pk]))
    context = {
        "customer": customer,
        "items": open_items(customer, timezone.localdate()),
        "reasons": _choices(DisputeReason.choices),
        "owners": members_who_act(membership.creditor_id),
        "data": request.POST,
        "error": error,
    }
    return render(request, "negotiation/dispute_new.html", context, status=422 if error else 200)


VIEWS = ("active", "overdue", "resolved", "all")


@member_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    """Disputes: open ones by the date to resolve them by, the overdue ones, the resolved."""
    membership = _membership(request)
    today = timezone.localdate()
    g = request.GET
    view = g.get("view", "active") if g.get("view") in VIEWS else "active"
    qs = Dispute.objects.filter(customer__in=visible_customers(membership)).select_related(
        "customer", "owner"
    )
    if view == "active":
        qs = qs.filter(status__in=ACTIVE).order_by("due_on", "opened_on", "pk")
    elif view == "overdue":
        qs = qs.filter(status__in=ACTIVE, due_on__lt=today).order_by("due_on", "pk")
    elif view == "resolved":
        qs = qs.filter(status=DisputeStatus.RESOLVED).order_by("-resolved_on", "-pk")
    else:
        qs = qs.order_by("-opened_on", "-pk")
    if g.get("reason") in DisputeReason.values:
        qs = qs.filter(reason=g["reason"])
    if g.get("status") in DisputeStatus.values:
        qs = qs.filter(status=g["status"])
    owner = g.get("owner", "")
    if owner == "me":
        qs = qs.filter(owner_id=membership.user_id)
    elif owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif owner.isdigit():
        qs = qs.filter(owner_id=int(owner))
    customer = None
    if g.get("customer", "").isdigit():
        customer = visible_customers(membership).filter(pk=int(g["customer"])).first()
        qs = qs.filter(customer_id=customer.pk if customer else 0)
    q = g.get("q", "").strip()
    if q:
        numbered = DisputeItem.objects.filter(invoice__number__icontains=q).values("dispute_id")
        qs = qs.filter(Q(customer__legal_name__icontains=q) | Q(pk__in=numbered))
    total = qs.count()
    rows = list(qs.annotate(disputed=Sum("items__amount_minor"))[:PAGE])
    return render(
        request,
        "negotiation/disputes.html",
        {
            "rows": rows,
            "total": total,
            "shown": len(rows),
            "view": view,
            "views": [
                ("active", pgettext("disputes", "open")),
                ("overdue", _("past their date")),
                ("resolved", pgettext("disputes", "resolved")),
                ("all", pgettext("disputes", "all")),
            ],
            "reasons": _choices(DisputeReason.choices),
            "statuses": _choices(DisputeStatus.choices),
            "owners": members_who_act(membership.creditor_id),
            "customer": customer,
            "q": q,
            "today": today,
        },
    )


@member_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _dispute(request, pk)
    membership = _membership(request)
    items = list(dispute.items.select_related("invoice", "pause").order_by("invoice__due_date"))
    invoice_ids = [i.invoice_id for i in items]
    credit_notes = CreditNote.objects.filter(customer=dispute.customer).filter(
        Q(invoice_id__in=invoice_ids) | Q(allocations__invoice_id__in=invoice_ids)
    )
    return render(
        request,
        "negotiation/dispute.html",
        {
            "dispute": dispute,
            "items": items,
            "notes": dispute.notes.select_related("author").order_by("-created_at"),
            "can_change": membership.can_write and dispute.status != DisputeStatus.RESOLVED,
            "statuses": [
                (v, str(label)) for v, label in DisputeStatus.choices if v != DisputeStatus.RESOLVED
            ],
            "resolutions": [
                (v, str(label))
                for v, label in DisputeResolution.choices
                if v != DisputeResolution.PAID
            ],
            "owners": members_who_act(membership.creditor_id),
            "credit_notes": credit_notes.distinct().order_by("-issue_date", "-pk"),
            "invoices": Invoice.objects.filter(customer=dispute.customer)
            .exclude(pk__in=invoice_ids)
            .order_by("-issue_date", "-pk")[:50],
            "today": timezone.localdate(),
        },
    )


def _back(dispute: Dispute) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("dispute", args=[dispute.pk]))


@member_required
@require_POST
def dispute_change(request: HttpRequest, pk: int) -> HttpResponse:
    _can_write(request)
    dispute = _dispute(request, pk)
    post = request.POST
    try:
        kwargs: dict[str, Any] = {
            "status": post.get("status") or None,
            "due_on": inputs.optional_day(post.get("due_on", ""), _("to resolve by")),
        }
        if "owner" in post:
            kwargs["owner"] = _user_of(_membership(request), post["owner"])
        change(dispute, user=request.user, **kwargs)
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Dispute updated."))
    return _back(dispute)


@member_required
@require_POST
def dispute_note(request: HttpRequest, pk: int) -> HttpResponse:
    _can_write(request)
    dispute = _dispute(request, pk)
    try:
        add_note(dispute.customer, request.POST.get("text", ""), user=request.user, dispute=dispute)
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Note added."))
    return _back(dispute)


@member_required
@require_POST
def dispute_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    _can_write(request)
    dispute = _dispute(request, pk)
    post = request.POST
    try:
        credit_note = None
        if post.get("credit_note", "").isdigit():
            credit_note = CreditNote.objects.filter(
                pk=int(post["credit_note"]), creditor_id=dispute.creditor_id
            ).first()
            if credit_note is None:
                raise BadInput(_("credit_note: not a credit note of this creditor"))
        corrected = None
        if post.get("corrected_invoice", "").isdigit():
            corrected = Invoice.objects.filter(
                pk=int(post["corrected_invoice"]), creditor_id=dispute.creditor_id
            ).first()
            if corrected is None:
                raise BadInput(_("corrected_invoice: not an invoice of this creditor"))
        resolve(
            dispute,
            post.get("resolution", ""),
            on=inputs.optional_day(post.get("on", ""), _("resolved on")) or timezone.localdate(),
            user=request.user,
            note=post.get("note", "")[:5000],
            credit_note=credit_note,
            corrected_invoice=corrected,
        )
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Dispute resolved: dunning resumes on what is still due."))
    return _back(dispute)
