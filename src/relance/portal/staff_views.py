"""Staff pages of the portal: what the debtors sent, to review (scoped by access rules).

- /portal/review/: contact proposals to accept or reject, disputes and plan requests to
  handle (each with its customer, invoices, message and attachments);
- attachments download through an access-checked view (never a public address);
- revoking a customer's portal links (from the customer page);
- /portal/settings/payment/: the creditor's own online-payment account (administrators).

Collectors see their own customers only; read-only users see and change nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import visible_customers
from relance.accounts.models import Membership, Role
from relance.core.errors import BadInput
from relance.portal import services, uploads
from relance.portal.links import revoke_links
from relance.portal.models import (
    ContactProposal,
    PortalAttachment,
    PortalRequest,
    ProposalStatus,
    RequestStatus,
)
from relance.portal.payments import accounts
from relance.portal.payments.registry import configured_name
from relance.web.access import member_required


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _writer(request: HttpRequest) -> Membership:
    membership = _membership(request)
    if not membership.can_write:
        raise PermissionDenied
    return membership


@member_required
def review(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    customers = visible_customers(membership)
    proposals = (
        ContactProposal.objects.filter(
            creditor_id=membership.creditor_id,
            customer__in=customers,
            status=ProposalStatus.PENDING,
        )
        .select_related("customer", "contact")
        .order_by("created_at", "id")
    )
    waiting = (
        PortalRequest.objects.filter(
            creditor_id=membership.creditor_id, customer__in=customers, status=RequestStatus.NEW
        )
        .select_related("customer")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    return render(
        request,
        "portal/review.html",
        {"proposals": list(proposals), "requests": list(waiting)},
    )


@require_POST
@member_required
def review_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _writer(request)
    proposal = get_object_or_404(
        ContactProposal.objects.filter(
            creditor_id=membership.creditor_id, customer__in=visible_customers(membership)
        ),
        pk=pk,
    )
    decision = request.POST.get("decision")
    if decision not in ("accept", "reject"):
        messages.error(request, _("Choose to accept or reject the proposal."))
        return redirect("portal:review")
    try:
        services.review_proposal(proposal, decision == "accept", request.user)
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        if decision == "accept":
            messages.success(request, _("The contact details are updated."))
        else:
            messages.success(request, _("The proposal is rejected."))
    return redirect("portal:review")


@require_POST
@member_required
def request_handled(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _writer(request)
    found = get_object_or_404(
        PortalRequest.objects.filter(
            creditor_id=membership.creditor_id, customer__in=visible_customers(membership)
        ),
        pk=pk,
    )
    services.mark_handled(found, request.user)
    messages.success(request, _("The request is marked as handled."))
    return redirect("portal:review")


@member_required
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    found = get_object_or_404(
        PortalAttachment.objects.filter(
            request__creditor_id=membership.creditor_id,
            request__customer__in=visible_customers(membership),
        ),
        pk=pk,
    )
    path = uploads.path_of(found.stored_name)
    if not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"), content_type=found.content_type, as_attachment=True)
    response["Content-Disposition"] = f'attachment; filename="{found.pk}-{found.original_name}"'
    return response  # type: ignore[return-value]  # a streaming response, as Django serves files


@require_POST
@member_required
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _writer(request)
    customer = get_object_or_404(visible_customers(membership), pk=pk)
    count = revoke_links(customer, request.user)
    messages.success(request, _("%(n)s portal link(s) revoked.") % {"n": count})
    return redirect("customer", pk=customer.pk)


@member_required
def payment_account(request: HttpRequest) -> HttpResponse:
    """The creditor's own payment-provider account: set, replace, deactivate (admins)."""
    membership = _membership(request)
    if membership.role != Role.ADMIN:
        raise PermissionDenied
    creditor = membership.creditor
    status = 200
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "deactivate":
                accounts.deactivate_account(creditor, request.user)
                messages.success(
                    request, _("The account is deactivated: the install's settings apply.")
                )
            else:
                accounts.set_account(
                    creditor,
                    request.POST.get("provider", ""),
                    request.POST.get("secret_key", ""),
                    request.POST.get("webhook_secret", ""),
                    active=request.POST.get("active") == "on",
                    user=request.user,
                )
                messages.success(request, _("The payment account is saved."))
        except BadInput as exc:
            error = str(exc)
            status = 422
        else:
            return redirect("portal:payment_account")
    account = accounts.account_of(creditor.pk)
    webhook_url = ""
    if account is not None:
        path = accounts.webhook_path(account)
        base = str(settings.RELANCE_PORTAL_URL or "").rstrip("/")
        webhook_url = f"{base}{path}" if base else request.build_absolute_uri(path)
    context = {
        "account": account,
        "secret_key": accounts.mask(account.secret_key) if account else "",
        "webhook_secret": accounts.mask(account.webhook_secret) if account else "",
        "webhook_url": webhook_url,
        "providers": [(name, spec[0]) for name, spec in sorted(accounts.ACCOUNT_PROVIDERS.items())],
        "install_provider": configured_name(),
        "error": error,
        "form": request.POST if error else {},
    }
    return render(request, "portal/payment_account.html", context, status=status)
