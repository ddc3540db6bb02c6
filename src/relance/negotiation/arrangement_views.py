"""Negotiation pages: take a promise, propose a plan, offer a settlement (from the customer
page), a plan's page, the approvals queue, the margins settings, the SEPA file, write-offs.

Every customer is looked up among `relance.accounts.access.visible_customers`; changes need
a role that writes; approvals are for credit managers and administrators; margins for
administrators; the SEPA file for administrators and credit managers.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import visible_customers
from relance.accounts.models import Membership, Role
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.domain.money import Money
from relance.ledger.models import Invoice, InvoiceStatus
from relance.negotiation import approvals, inputs
from relance.negotiation.margins import (
    APPROVER_ROLES,
    EDITABLE_ROLES,
    Margin,
    NotAllowed,
    PortalLimits,
    margin_for,
    portal_margin_for,
    set_margin,
    set_portal_margin,
)
from relance.negotiation.models import (
    ApprovalRequest,
    PaymentPlan,
    PlanAgreement,
    Promise,
    PromiseStatus,
    Settlement,
    SettlementStatus,
    Source,
)
from relance.negotiation.plans import cancel_plan, equal_instalments, propose_plan
from relance.negotiation.promises import cancel_promise, take_promise
from relance.negotiation.reminders import plan_agreement_message
from relance.negotiation.sepa import debit_file, set_creditor_identifier
from relance.negotiation.settlements import (
    accept_settlement,
    close_settlement,
    offer_settlement,
    write_offs_csv,
)
from relance.web.access import member_required

ROLE_LABELS = dict(Role.choices)


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _customer(request: HttpRequest, pk: int, *, write: bool = False) -> Customer:
    membership = _membership(request)
    if write and not membership.can_write:
        raise PermissionDenied
    found = visible_customers(membership).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _open(customer: Customer) -> QuerySet[Invoice]:
    return Invoice.objects.filter(
        customer=customer, status=InvoiceStatus.ISSUED, open_minor__gt=0
    ).order_by("due_date", "id")


def _chosen(request: HttpRequest) -> list[int]:
    return [int(v) for v in request.POST.getlist("invoices") if v.isdigit()]


def _refuse(
    request: HttpRequest, template: str, context: dict[str, Any], exc: Exception
) -> HttpResponse:
    messages.error(request, str(exc))
    return render(request, template, context, status=422)


def _sources() -> list[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in Source.choices]


# --------------------------------------------------------------------------- promises


@member_required
def promise_new(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk, write=True)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "customer": customer,
        "invoices": _open(customer),
        "sources": _sources(),
        "pending": Promise.objects.filter(customer=customer, status=PromiseStatus.PENDING),
        "form": request.POST if request.method == "POST" else {"taken_on": today.isoformat()},
        "chosen": set(_chosen(request)) if request.method == "POST" else set(),
    }
    if request.method != "POST":
        return render(request, "negotiation/promise_form.html", context)
    try:
        replaces = request.POST.get("replaces", "")
        promise = take_promise(
            customer,
            amount_minor=inputs.minor(
                request.POST.get("amount", ""), customer.currency, _("amount")
            ),
            promised_on=inputs.day(request.POST.get("promised_on", ""), _("promised date")),
            taken_on=inputs.day(request.POST.get("taken_on", ""), _("taken on")),
            channel=request.POST.get("channel", Source.CALL),
            user=request.user,
            invoices=_chosen(request) or None,
            note=request.POST.get("note", "")[:2000],
            replaces=int(replaces) if replaces.isdigit() else None,
        )
    except BadInput as exc:
        return _refuse(request, "negotiation/promise_form.html", context, exc)
    except NotAllowed:
        raise PermissionDenied from None
    if promise.approvals.exists():
        messages.warning(
            request,
            _("Promise recorded. It goes beyond your margin: a credit manager must approve it."),
        )
    else:
        messages.success(request, _("Promise recorded; reminders on its invoices pause."))
    return HttpResponseRedirect(reverse("customer", args=[customer.pk]))


@member_required
@require_POST
def promise_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    promise = Promise.objects.filter(
        pk=pk, customer__in=visible_customers(_membership(request))
    ).first()
    if promise is None:
        raise Http404
    if not _membership(request).can_write:
        raise PermissionDenied
    try:
        cancel_promise(
            promise, timezone.localdate(), user=request.user, reason=request.POST.get("reason", "")
        )
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Promise cancelled."))
    return HttpResponseRedirect(reverse("customer", args=[promise.customer_id]))


# --------------------------------------------------------------------------- plans


def _rows(request: HttpRequest, currency: str) -> list[tuple[date, int]]:
    rows: list[tuple[date, int]] = []
    days = request.POST.getlist("due_on")
    amounts = request.POST.getlist("row_amount")
    for n, (day, amount) in enumerate(zip(days, amounts, strict=False), start=1):
        if not day.strip() and not amount.strip():
            continue
        if not day.strip() or not amount.strip():
            raise BadInput(_("instalment %(n)s: give both its date and its amount") % {"n": n})
        rows.append(
            (
                inputs.day(day, _("instalment %(n)s date") % {"n": n}),
                inputs.minor(amount, currency, _("instalment %(n)s amount") % {"n": n}),
            )
        )
    return rows


def _row_values(rows: list[tuple[date, int]], currency: str) -> list[tuple[str, str]]:
    shown = [(d.isoformat(), str(Money.from_minor(m, currency).amount)) for d, m in rows]
    return shown + [("", "")] * max(3 - len(shown), 1)


@member_required
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk, write=True)
    today = timezone.localdate()
    invoices = _open(customer)
    form: Any = (
        request.POST
        if request.method == "POST"
        else {
            "agreed_on": today.isoformat(),
            "grace_days": "5",
            "remind_days_before": "3",
            "count": "3",
            "every_months": "1",
        }
    )
    chosen = set(_chosen(request)) if request.method == "POST" else {i.pk for i in invoices}
    context: dict[str, Any] = {
        "customer": customer,
        "invoices": invoices,
        "sources": _sources(),
        "form": form,
        "chosen": chosen,
        "rows": _row_values([], customer.currency),
        "total": sum(i.open_minor for i in invoices if i.pk in chosen),
    }
    if request.method != "POST":
        return render(request, "negotiation/plan_form.html", context)
    try:
        if request.POST.get("action") == "equal":
            first = inputs.day(request.POST.get("first_on", ""), _("first instalment"))
            rows = equal_instalments(
                context["total"],
                inputs.whole(request.POST.get("count", ""), _("number of instalments"), 3),
                first,
                inputs.whole(request.POST.get("every_months", ""), _("every (months)"), 1),
            )
            context["rows"] = _row_values(rows, customer.currency)
            return render(request, "negotiation/plan_form.html", context)
        context["rows"] = _row_values([], customer.currency)
        rows = _rows(request, customer.currency)
        context["rows"] = _row_values(rows, customer.currency)
        mandate_date = request.POST.get("sepa_mandate_date", "").strip()
        plan = propose_plan(
            customer,
            invoices=sorted(chosen),
            instalments=rows,
            agreed_on=inputs.day(request.POST.get("agreed_on", ""), _("agreed on")),
            user=request.user,
            channel=request.POST.get("channel", Source.CALL),
            grace_days=inputs.whole(request.POST.get("grace_days", ""), _("days of grace"), 5),
            remind_days_before=inputs.whole(
                request.POST.get("remind_days_before", ""), _("remind days before"), 3
            ),
            penalties_waived=request.POST.get("penalties_waived") == "on",
            note=request.POST.get("note", "")[:2000],
            sepa_iban=request.POST.get("sepa_iban", ""),
            sepa_bic=request.POST.get("sepa_bic", ""),
            sepa_mandate_ref=request.POST.get("sepa_mandate_ref", ""),
            sepa_mandate_date=inputs.day(mandate_date, _("mandate signed on"))
            if mandate_date
            else None,
        )
    except BadInput as exc:
        return _refuse(request, "negotiation/plan_form.html", context, exc)
    except NotAllowed:
        raise PermissionDenied from None
    if plan.status == "needs_approval":
        messages.warning(
            request,
            _("Plan recorded. It goes beyond your margin: a credit manager must approve it."),
        )
    else:
        messages.success(request, _("Payment plan recorded; reminders on its invoices pause."))
    return HttpResponseRedirect(reverse("negotiation_plan", args=[plan.pk]))


def _plan(request: HttpRequest, pk: int) -> PaymentPlan:
    plan = (
        PaymentPlan.objects.filter(pk=pk, customer__in=visible_customers(_membership(request)))
        .select_related("customer")
        .first()
    )
    if plan is None:
        raise Http404
    return plan


@member_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    return render(
        request,
        "negotiation/plan.html",
        {
            "plan": plan,
            "customer": plan.customer,
            "instalments": plan.instalments.order_by("number"),
            "invoices": plan.invoices.order_by("due_date", "id"),
            "agreements": plan.agreements.select_related("action").order_by("-created_at"),
            "approvals": plan.approvals.order_by("-created_at"),
            "can_write": _membership(request).can_write,
        },
    )


@member_required
def agreement_pdf(request: HttpRequest, pk: int, agreement: int) -> HttpResponse:
    plan = _plan(request, pk)
    found = PlanAgreement.objects.filter(pk=agreement, plan=plan).first()
    if found is None:
        raise Http404
    response = HttpResponse(bytes(found.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="payment-plan-{plan.pk}.pdf"'
    return response


@member_required
@require_POST
def agreement_send(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not _membership(request).can_write:
        raise PermissionDenied
    latest = plan.agreements.order_by("-created_at", "-pk").first()
    if latest is None:
        raise Http404
    try:
        plan_agreement_message(latest, timezone.localdate(), user=request.user)
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The agreement is queued to be sent by email."))
    return HttpResponseRedirect(reverse("negotiation_plan", args=[plan.pk]))


@member_required
@require_POST
def plan_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not _membership(request).can_write:
        raise PermissionDenied
    try:
        cancel_plan(
            plan, timezone.localdate(), user=request.user, reason=request.POST.get("reason", "")
        )
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Payment plan cancelled; reminders resume."))
    return HttpResponseRedirect(reverse("negotiation_plan", args=[plan.pk]))


@member_required
def sepa_download(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if not membership.can_import:
        raise PermissionDenied
    if request.method == "POST":
        try:
            set_creditor_identifier(
                membership.creditor, request.POST.get("sepa_creditor_id", ""), user=request.user
            )
        except NotAllowed:
            raise PermissionDenied from None
        except BadInput as exc:
            messages.error(request, str(exc))
            return render(
                request,
                "negotiation/sepa.html",
                {"start": "", "end": "", "ics": request.POST.get("sepa_creditor_id", "")},
                status=422,
            )
        messages.success(request, _("SEPA creditor identifier saved."))
        return HttpResponseRedirect(reverse("negotiation_sepa"))
    start, end = request.GET.get("from", ""), request.GET.get("to", "")
    if start and end:
        try:
            made = debit_file(
                membership.creditor, inputs.day(start, _("from")), inputs.day(end, _("to"))
            )
        except BadInput as exc:
            messages.error(request, str(exc))
        else:
            response = HttpResponse(made.xml, content_type="application/xml")
            response["Content-Disposition"] = (
                f'attachment; filename="prelevements-{start}-{end}.xml"'
            )
            return response
    return render(
        request,
        "negotiation/sepa.html",
        {"start": start, "end": end, "ics": membership.creditor.sepa_creditor_id},
        status=422 if start else 200,
    )


# --------------------------------------------------------------------------- settlements


@member_required
def settlement_new(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk, write=True)
    today = timezone.localdate()
    invoices = _open(customer)
    context: dict[str, Any] = {
        "customer": customer,
        "invoices": invoices,
        "form": request.POST
        if request.method == "POST"
        else {"offered_on": today.isoformat(), "penalties_waived": "on"},
        "chosen": set(_chosen(request)) if request.method == "POST" else {i.pk for i in invoices},
    }
    if request.method != "POST":
        return render(request, "negotiation/settlement_form.html", context)
    try:
        chosen = _chosen(request)
        owed = sum(i.open_minor for i in invoices if i.pk in chosen)
        raw_percent = request.POST.get("percent", "").strip()
        if raw_percent:
            try:
                percent = Decimal(raw_percent.replace(",", ".").removesuffix("%").strip())
            except InvalidOperation:
                raise BadInput(
                    _("percent: “%(value)s” is not a number") % {"value": raw_percent}
                ) from None
            discount = int((Decimal(owed) * percent / 100).quantize(Decimal(1)))
        else:
            discount = inputs.minor(
                request.POST.get("discount", ""), customer.currency, _("discount")
            )
        settlement = offer_settlement(
            customer,
            invoices=chosen,
            discount_minor=discount,
            valid_until=inputs.day(request.POST.get("valid_until", ""), _("valid until")),
            offered_on=inputs.day(request.POST.get("offered_on", ""), _("offered on")),
            user=request.user,
            penalties_waived=request.POST.get("penalties_waived") == "on",
            note=request.POST.get("note", "")[:2000],
        )
    except BadInput as exc:
        return _refuse(request, "negotiation/settlement_form.html", context, exc)
    except NotAllowed:
        raise PermissionDenied from None
    if settlement.status == SettlementStatus.NEEDS_APPROVAL:
        messages.warning(
            request,
            _(
                "Settlement recorded. Its discount goes beyond your margin: "
                "a credit manager must approve it."
            ),
        )
    else:
        messages.success(request, _("Settlement offered."))
    return HttpResponseRedirect(reverse("customer", args=[customer.pk]))


@member_required
@require_POST
def settlement_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """The debtor's answer (accepted, refused) or our withdrawal."""
    settlement = Settlement.objects.filter(
        pk=pk, customer__in=visible_customers(_membership(request))
    ).first()
    if settlement is None:
        raise Http404
    if not _membership(request).can_write:
        raise PermissionDenied
    what = request.POST.get("decision", "")
    today = timezone.localdate()
    try:
        if what == "accepted":
            accept_settlement(settlement, today, user=request.user)
        elif what in (SettlementStatus.REFUSED, SettlementStatus.WITHDRAWN):
            close_settlement(settlement, today, what, user=request.user)
        else:
            raise BadInput(_("decision: accepted, refused or withdrawn"))
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Settlement updated."))
    return HttpResponseRedirect(reverse("customer", args=[settlement.customer_id]))


@member_required
def write_offs(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if not membership.sees_all_customers:
        raise PermissionDenied
    response = HttpResponse(
        write_offs_csv(membership.creditor_id), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="write-offs.csv"'
    return response


# --------------------------------------------------------------------------- approvals, margins


@member_required
def approval_queue(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if membership.role not in APPROVER_ROLES:
        raise PermissionDenied
    return render(
        request,
        "negotiation/approvals.html",
        {"requests": approvals.pending(membership.creditor_id)},
    )


@member_required
@require_POST
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    if membership.role not in APPROVER_ROLES:
        raise PermissionDenied
    found = ApprovalRequest.objects.filter(pk=pk, creditor_id=membership.creditor_id).first()
    if found is None:
        raise Http404
    try:
        approvals.decide(
            found,
            approve=request.POST.get("decision") == "approve",
            user=request.user,
            on=timezone.localdate(),
            note=request.POST.get("note", ""),
        )
    except BadInput as exc:
        messages.error(request, str(exc))
    except NotAllowed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Decision recorded."))
    return HttpResponseRedirect(reverse("negotiation_approvals"))


@member_required
def margins_settings(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if membership.role != Role.ADMIN:
        raise PermissionDenied
    status = 200
    portal_form: Any = None
    if request.method == "POST":
        portal = request.POST.get("section") == "portal"
        try:
            with transaction.atomic():
                if portal:
                    _save_portal_margin(request, membership)
                else:
                    _save_margins(request, membership)
        except BadInput as exc:
            messages.error(request, str(exc))
            status = 422
            if portal:
                portal_form = {
                    k.removeprefix("portal-"): v
                    for k, v in request.POST.items()
                    if k.startswith("portal-")
                }
        else:
            messages.success(request, _("Portal margin saved.") if portal else _("Margins saved."))
            return HttpResponseRedirect(reverse("negotiation_margins"))
    rows = [
        (role, ROLE_LABELS[role], margin_for(membership.creditor_id, role))
        for role in EDITABLE_ROLES
    ]
    limits = portal_margin_for(membership.creditor_id)
    currency = membership.creditor.currency
    shown = portal_form or {
        "enabled": "on" if limits.enabled else "",
        "max_instalments": limits.max_instalments,
        "max_plan_days": limits.max_plan_days,
        "first_within_days": limits.first_within_days,
        "max_total": Money.from_minor(limits.max_total_minor, currency).amount
        if limits.max_total_minor
        else "",
    }
    return render(
        request,
        "negotiation/margins.html",
        {"rows": rows, "portal": shown, "currency": currency},
        status=status,
    )


def _save_margins(request: HttpRequest, membership: Membership) -> None:
    for role in EDITABLE_ROLES:
        raw = request.POST.get(f"{role}-max_discount_percent", "").strip()
        try:
            discount = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            raise BadInput(
                _("%(role)s: “%(value)s” is not a percentage")
                % {"role": ROLE_LABELS[role], "value": raw}
            ) from None
        set_margin(
            membership.creditor_id,
            role,
            Margin(
                inputs.whole(
                    request.POST.get(f"{role}-max_extension_days", ""), _("extension"), -1
                ),
                inputs.whole(request.POST.get(f"{role}-max_instalments", ""), _("instalments"), -1),
                inputs.whole(request.POST.get(f"{role}-max_plan_days", ""), _("plan length"), -1),
                discount,
            ),
            user=request.user,
        )


def _save_portal_margin(request: HttpRequest, membership: Membership) -> None:
    """The debtor portal's self-service margin (an empty amount: no cap)."""
    raw_cap = request.POST.get("portal-max_total", "").strip()
    cap = (
        inputs.minor(raw_cap, membership.creditor.currency, _("largest amount covered"))
        if raw_cap
        else 0
    )
    if cap < 0:
        raise BadInput(_("largest amount covered: cannot be negative"))
    set_portal_margin(
        membership.creditor_id,
        PortalLimits(
            enabled=request.POST.get("portal-enabled") == "on",
            max_instalments=inputs.whole(
                request.POST.get("portal-max_instalments", ""), _("instalments"), -1
            ),
            max_plan_days=inputs.whole(
                request.POST.get("portal-max_plan_days", ""), _("plan length"), -1
            ),
            first_within_days=inputs.whole(
                request.POST.get("portal-first_within_days", ""), _("first instalment within"), -1
            ),
            max_total_minor=cap,
        ),
        user=request.user,
    )
