"""The bank page: statements imported and their lines with their status."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.models import Membership
from relance.banking.matching import accept, assign, ignore, review_queue
from relance.banking.models import BankLine, BankStatement, LineStatus
from relance.core.errors import BadInput
from relance.web.access import member_required

PAGE_SIZE = 50
STATEMENTS_SHOWN = 20


@member_required
def bank(request: HttpRequest) -> HttpResponse:
    """Recent statements, then lines (newest first), filtered by status or text."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    # Bank lines name every payer: shown to the roles that see every customer.
    if not membership.sees_all_customers:
        raise PermissionDenied
    creditor = membership.creditor
    statements = (
        BankStatement.objects.filter(creditor=creditor)
        .select_related("account")
        .annotate(n_lines=Count("lines"))
        .order_by("-imported_at", "-id")[:STATEMENTS_SHOWN]
    )
    lines = BankLine.objects.filter(creditor=creditor).select_related("statement", "payment")
    status = request.GET.get("status", "")
    if status in LineStatus.values:
        lines = lines.filter(status=status)
    else:
        status = ""
    q = request.GET.get("q", "").strip()
    if q:
        lines = lines.filter(
            Q(counterparty_name__icontains=q)
            | Q(end_to_end_id__icontains=q)
            | Q(bank_reference__icontains=q)
            | Q(references__icontains=q)
        )
    page = Paginator(lines.order_by("-booking_date", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "banking/bank.html",
        {
            "statements": statements,
            "page": page,
            "status": status,
            "statuses": LineStatus.choices,
            "q": q,
        },
    )


def _manager(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    if not membership.sees_all_customers:
        raise PermissionDenied
    return membership


@member_required
def review(request: HttpRequest) -> HttpResponse:
    """The credit lines waiting for a person, with what the engine proposes for each."""
    membership = _manager(request)
    return render(
        request,
        "banking/review.html",
        {
            "suggestions": review_queue(membership.creditor),
            "can_decide": membership.can_import,
        },
    )


@member_required
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _manager(request)
    if not membership.can_import:
        raise PermissionDenied
    choice = request.POST.get("decision", "")
    try:
        if choice == "accept":
            accept(membership.creditor, pk, request.user)
        elif choice == "assign":
            numbers = request.POST.get("invoices", "").replace(";", ",").split(",")
            assign(membership.creditor, pk, numbers, request.user)
        elif choice == "ignore":
            ignore(membership.creditor, pk)
        else:
            raise BadInput(_("choose accept, assign or ignore"))
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Bank line decided."))
    return HttpResponseRedirect(reverse("bank_review"))
