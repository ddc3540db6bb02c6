"""Legal cases in the web UI: the list with next deadlines, a case and its stages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import visible_customers
from relance.accounts.models import Membership
from relance.core.errors import BadInput
from relance.domain import legal_case as lc
from relance.domain.money import Money, MoneyError, parse_amount
from relance.legal.handover import (
    HANDOVER_ROUTES,
    collected,
    fee_due,
    first_letter_pdf,
    handover_zip,
    record_collection,
    set_mandate,
)
from relance.legal.models import ROUTE_LABELS, STAGE_LABELS, AgencyMandate, LegalCase
from relance.legal.services import MAX_DOCUMENT, case_lines, open_case, record_event
from relance.web.access import member_required
from relance.web.as_of import page_as_of


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _day(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise BadInput(
            _("%(field)s: “%(value)s” is not a date") % {"field": field, "value": raw}
        ) from None


def _minor(raw: str, currency: str, field: str) -> int | None:
    if not raw.strip():
        return None
    try:
        return Money.of(parse_amount(raw), currency).minor
    except MoneyError as exc:
        raise BadInput(f"{field}: {exc}") from exc


def _visible_case(request: HttpRequest, pk: int) -> LegalCase:
    case = LegalCase.objects.filter(
        pk=pk, customer__in=visible_customers(_membership(request))
    ).first()
    if case is None:
        raise Http404
    return case


@member_required
def case_list(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    qs = LegalCase.objects.filter(customer__in=visible_customers(membership))
    lines = case_lines(qs.filter(closed_on__isnull=True))
    closed = (
        qs.filter(closed_on__isnull=False).select_related("customer").order_by("-closed_on")[:20]
    )
    customers = visible_customers(membership).order_by("legal_name").only("pk", "legal_name")
    return render(
        request,
        "legal/cases.html",
        {
            "lines": lines,
            "closed": closed,
            "routes": [(r.value, ROUTE_LABELS[r]) for r in lc.CHOSEN_ROUTES],
            "customers": customers if membership.can_import else [],
            "lang": (get_language() or "en")[:2],
            "chosen": request.GET.get("customer", ""),
        },
    )


@member_required
@require_POST
def case_open(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if not membership.can_import:
        raise PermissionDenied
    customer = visible_customers(membership).filter(pk=request.POST.get("customer") or 0).first()
    if customer is None:
        messages.error(request, _("Choose a customer."))
        return HttpResponseRedirect(reverse("legal_cases"))
    try:
        case = open_case(
            customer,
            request.POST.get("route", ""),
            _day(request.POST.get("opened_on", ""), _("opened on")),
            user=request.user,
            claim_minor=_minor(request.POST.get("claim", ""), customer.currency, _("amount")),
            notice_deadline=(
                _day(request.POST["notice_deadline"], _("deadline"))
                if request.POST.get("notice_deadline")
                else None
            ),
            handler=request.POST.get("handler", "")[:200],
            reference=request.POST.get("reference", "")[:100],
        )
    except BadInput as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("legal_cases") + f"?customer={customer.pk}")
    messages.success(request, _("Legal case opened; automatic reminders to this customer pause."))
    return HttpResponseRedirect(reverse("legal_case", args=[case.pk]))


@member_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    case = _visible_case(request, pk)
    (line,) = case_lines(LegalCase.objects.filter(pk=case.pk))
    lang = (get_language() or "en")[:2]
    court = (
        lc.Court(case.court_kind, case.court_place, "CPC art. 1406").label(lang)
        if case.court_kind
        else ""
    )
    return render(
        request,
        "legal/case.html",
        {
            "case": line.case,
            "events": [(e, STAGE_LABELS[lc.Stage(e.stage)]) for e in line.case.events.all()],
            "deadline": line.deadline.message(lang) if line.deadline else "",
            "deadline_due": line.deadline.due if line.deadline else None,
            "costs": Money.from_minor(line.costs_minor, case.currency),
            "claim": Money.from_minor(case.claim_minor, case.currency),
            "route": ROUTE_LABELS[lc.Route(case.route)],
            "court": court,
            "stages": [(s.value, STAGE_LABELS[s]) for s in lc.Stage],
            "can_write": membership.can_write and case.closed_on is None,
            "handover": case.route in HANDOVER_ROUTES,
            "mandate": AgencyMandate.objects.filter(case=case).first(),
            "collected": collected(case),
            "collections": list(case.collections.all()),
            "can_manage": membership.can_import and case.closed_on is None,
            # a case opened by a formal notice: the escalation decision gives it its route
            "undecided": case.route == lc.Route.UNDECIDED and case.closed_on is None,
            "routes": [(r.value, ROUTE_LABELS[r]) for r in lc.CHOSEN_ROUTES],
        },
    )


@member_required
@require_POST
def case_event(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    if not membership.can_write:
        raise PermissionDenied
    case = _visible_case(request, pk)
    upload = request.FILES.get("document")
    try:
        content = None
        if upload is not None:
            if (upload.size or 0) > MAX_DOCUMENT:  # refused before reading it into memory
                raise BadInput(
                    _("document %(name)s: larger than %(mb)s MB")
                    % {"name": upload.name, "mb": MAX_DOCUMENT // (1024 * 1024)}
                )
            content = upload.read()
        record_event(
            case,
            request.POST.get("stage", ""),
            _day(request.POST.get("on", ""), _("date")),
            user=request.user,
            cost_minor=_minor(request.POST.get("cost", ""), case.currency, _("cost")) or 0,
            note=request.POST.get("note", ""),
            document_name=(upload.name or "") if upload else "",
            document=content,
        )
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Stage recorded."))
    return HttpResponseRedirect(reverse("legal_case", args=[case.pk]))


@member_required
def case_document(request: HttpRequest, pk: int, event: int) -> HttpResponse:
    found = _visible_case(request, pk).events.filter(pk=event).first()
    if found is None or found.document is None:
        raise Http404
    content = bytes(found.document)
    mime = "application/pdf" if content.startswith(b"%PDF-") else "application/octet-stream"
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{found.document_name or "document"}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@member_required
def case_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """The handover export (zip) or the first letter (PDF) as of ?as_of (default today)."""
    case = _visible_case(request, pk)
    as_of = page_as_of(request)
    try:
        if request.GET.get("file") == "letter":
            body, mime, name = first_letter_pdf(case, as_of), "application/pdf", "first-letter.pdf"
        else:
            body, mime, name = handover_zip(case, as_of), "application/zip", "handover.zip"
    except BadInput as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("legal_case", args=[case.pk]))
    response = HttpResponse(body, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="case-{case.pk}-{name}"'
    return response


@member_required
@require_POST
def case_mandate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    if not membership.can_import:
        raise PermissionDenied
    case = _visible_case(request, pk)
    post = request.POST
    try:
        try:
            fee = Decimal(post.get("fee_percent", "").replace(",", ".") or "0")
        except InvalidOperation:
            raise BadInput(_("fee: not a number")) from None
        set_mandate(
            case,
            agency_name=post.get("agency_name", "").strip()[:200],
            agency_address=post.get("agency_address", "").strip()[:500],
            agency_email=post.get("agency_email", "").strip()[:254],
            insurer=post.get("insurer", "").strip()[:200],
            insurance_policy=post.get("insurance_policy", "").strip()[:100],
            fee_percent=fee,
            signed_on=_day(post.get("signed_on", ""), _("signed on")),
        )
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Mandate recorded."))
    return HttpResponseRedirect(reverse("legal_case", args=[case.pk]))


@member_required
@require_POST
def case_collection(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    if not membership.can_import:
        raise PermissionDenied
    case = _visible_case(request, pk)
    try:
        minor = _minor(request.POST.get("amount", ""), case.currency, _("amount"))
        if minor is None:
            raise BadInput(_("amount: required"))
        amount = Money.from_minor(minor, case.currency)
        fee_minor = _minor(request.POST.get("fee", ""), case.currency, _("fee"))
        mandate = AgencyMandate.objects.filter(case=case).first()
        if fee_minor is not None:
            fee = Money.from_minor(fee_minor, case.currency)
        elif mandate is not None:
            fee = fee_due(mandate, amount)
        else:
            fee = Money.zero(case.currency)
        record_collection(
            case,
            _day(request.POST.get("on", ""), _("date")),
            amount,
            fee,
            user=request.user,
            note=request.POST.get("note", ""),
        )
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Collection recorded."))
    return HttpResponseRedirect(reverse("legal_case", args=[case.pk]))
