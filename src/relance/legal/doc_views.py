"""Web pages of the legal documents: penalty invoices, formal notices, the court file."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import visible_customers
from relance.core.errors import BadInput
from relance.legal.court_file import court_file, court_file_pdf
from relance.legal.models import FormalNotice, PenaltyInvoice
from relance.legal.notice import record_notice
from relance.legal.penalty_invoices import export_csv, issue_penalty_invoice, pdf_of, waive
from relance.legal.views import _day, _membership, _visible_case
from relance.web.access import member_required
from relance.web.as_of import page_as_of


def _attachment(body: bytes, mime: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _need_manage(request: HttpRequest) -> None:
    if not _membership(request).can_import:
        raise PermissionDenied


@member_required
def penalty_list(request: HttpRequest) -> HttpResponse:
    rows = PenaltyInvoice.objects.filter(
        customer__in=visible_customers(_membership(request))
    ).select_related("customer")
    if request.GET.get("format") == "csv":
        return _attachment(export_csv(rows), "text/csv; charset=utf-8", "penalty-invoices.csv")
    return render(
        request,
        "legal/penalty_invoices.html",
        {"rows": rows[:500], "can_manage": _membership(request).can_import},
    )


@member_required
@require_POST
def penalty_issue(request: HttpRequest, pk: int) -> HttpResponse:
    _need_manage(request)
    case = _visible_case(request, pk)
    try:
        pi = issue_penalty_invoice(
            case.customer, _day(request.POST.get("as_of", ""), _("date")), user=request.user
        )
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Penalty invoice %(number)s issued.") % {"number": pi.number})
    return HttpResponseRedirect(reverse("legal_case", args=[case.pk]))


def _visible_penalty(request: HttpRequest, pk: int) -> PenaltyInvoice:
    found = PenaltyInvoice.objects.filter(
        pk=pk, customer__in=visible_customers(_membership(request))
    ).first()
    if found is None:
        raise Http404
    return found


@member_required
def penalty_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    pi = _visible_penalty(request, pk)
    return _attachment(pdf_of(pi), "application/pdf", f"{pi.number}.pdf")


@member_required
@require_POST
def penalty_waive(request: HttpRequest, pk: int) -> HttpResponse:
    _need_manage(request)
    pi = _visible_penalty(request, pk)
    try:
        waive(pi, request.POST.get("reason", ""), user=request.user)
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Penalty invoice %(number)s waived.") % {"number": pi.number})
    return HttpResponseRedirect(reverse("legal_penalty_invoices"))


@member_required
@require_POST
def notice_create(request: HttpRequest, pk: int) -> HttpResponse:
    _need_manage(request)
    case = _visible_case(request, pk)
    try:
        period = int(request.POST.get("period", "") or 0)
        record_notice(
            case,
            _day(request.POST.get("sent_on", ""), _("date")),
            period,
            request.POST.get("signatory", ""),
            user=request.user,
        )
    except ValueError:
        messages.error(request, _("period: 8 or 15 days"))
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Formal notice created; send it by registered letter."))
    return HttpResponseRedirect(reverse("legal_case", args=[case.pk]))


@member_required
def notice_pdf(request: HttpRequest, pk: int, notice: int) -> HttpResponse:
    case = _visible_case(request, pk)
    found = FormalNotice.objects.filter(case=case, pk=notice).first()
    if found is None or found.pdf is None:
        raise Http404
    return _attachment(bytes(found.pdf), "application/pdf", f"mise-en-demeure-{found.sent_on}.pdf")


@member_required
def court_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    as_of = page_as_of(request)
    try:
        if request.GET.get("format") == "json":
            body = json.dumps(court_file(case, as_of).as_json(), ensure_ascii=False, indent=2)
            return _attachment(
                body.encode("utf-8"), "application/json", f"case-{case.pk}-injonction.json"
            )
        return _attachment(
            court_file_pdf(case, as_of), "application/pdf", f"case-{case.pk}-injonction.pdf"
        )
    except BadInput as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("legal_case", args=[case.pk]))
