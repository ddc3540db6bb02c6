"""Staff pages of the portal: what the debtors sent, to review (scoped by access rules).

- /portal/review/: contact proposals to accept or reject, disputes and plan requests to
  handle (each with its customer, invoices, message and attachments);
- attachments download through an access-checked view (never a public address);
- revoking a customer's portal links (from the customer page).

Collectors see their own customers only; read-only users see and change nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import visible_customers
from relance.accounts.models import Membership
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
