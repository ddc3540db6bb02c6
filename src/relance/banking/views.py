"""The bank page: statements imported and their lines with their status."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from relance.accounts.models import Membership
from relance.banking.models import BankLine, BankStatement, LineStatus
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
