"""Pages of the web UI. Every query is scoped to what the user's membership may see."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OrderBy, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import (
    NoAccess,
    customer_filter,
    membership_for,
    visible_customers,
)
from relance.accounts.models import Membership, Role
from relance.core.collation import by_name
from relance.core.errors import BadInput
from relance.customers.models import Contact, CustomerKind, CustomerStatus
from relance.domain.aging import AgingBuckets, AgingReport
from relance.ledger.models import Allocation, CreditNote, Invoice, InvoiceStatus, Payment
from relance.ledger.queries import aging, customer_behaviour, default_buckets, dso
from relance.web.access import SESSION_KEY, current_membership, member_required
from relance.web.as_of import page_as_of
from relance.web.charts import aging_svg
from relance.web.forms import ImportForm
from relance.web.penalties import customer_penalties, invoice_penalties
from relance.web.templatetags.relance import format_day, format_money

PAGE_SIZE = 25


def _lang() -> str:
    return (translation.get_language() or "en").split("-")[0]


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _page(request: HttpRequest, qs: QuerySet[Any]) -> Page[Any]:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _open_sums(as_of: date) -> dict[str, Any]:
    """Per-customer open and overdue totals, as annotations (one query for the page)."""
    open_q = Q(invoices__status=InvoiceStatus.ISSUED, invoices__open_minor__gt=0) & Q(
        invoices__currency=F("currency")
    )
    return {
        "open_total": Sum("invoices__open_minor", filter=open_q, default=0),
        "overdue_total": Sum(
            "invoices__open_minor", filter=open_q & Q(invoices__due_date__lt=as_of), default=0
        ),
    }


def _aging_rows(reports: Iterable[AgingReport], buckets: AgingBuckets) -> list[dict[str, Any]]:
    lang = _lang()
    return [
        {
            "report": report,
            "buckets": [
                (b.label(lang), report.totals[b.key], report.count[b.key]) for b in buckets.buckets
            ],
        }
        for report in reports
    ]


def _collector_id(membership: Membership) -> int | None:
    return None if membership.sees_all_customers else membership.user_id


# ---------------------------------------------------------------- overview


@member_required
def overview(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    as_of = page_as_of(request)
    buckets = default_buckets()
    reports = aging(membership.creditor_id, as_of, collector_id=_collector_id(membership))
    currency = membership.creditor.currency
    main = reports.get(currency) or next(iter(reports.values()), None)
    chart = None
    if main is not None:
        chart = aging_svg(
            main,
            buckets,
            lang=_lang(),
            fmt=format_money,
            title=_("Aging of open invoices at %(date)s") % {"date": format_day(as_of)},
        )
    dso_result = None
    if membership.sees_all_customers:
        dso_result = dso(membership.creditor_id, as_of, main.currency if main else currency)
    top = (
        visible_customers(membership)
        .annotate(**_open_sums(as_of))
        .filter(overdue_total__gt=0)  # type: ignore[misc]
        .order_by("-overdue_total", by_name())[:10]
    )
    rows = [
        {
            "report": report,
            "buckets": [
                (b.label(_lang()), report.totals[b.key], report.count[b.key])
                for b in buckets.buckets
            ],
        }
        for report in reports.values()
    ]
    return render(
        request,
        "web/overview.html",
        {
            "as_of": as_of,
            "reports": rows,
            "main": main,
            "chart": chart,
            "dso": dso_result,
            "top": top,
        },
    )


# ---------------------------------------------------------------- customers

CUSTOMER_SORTS: dict[str, tuple[str | OrderBy, str | OrderBy]] = {
    "name": (by_name(), "id"),
    "-name": (by_name(descending=True), "-id"),
    "ref": ("external_ref", "id"),
    "-ref": ("-external_ref", "-id"),
    "open": ("open_total", by_name()),
    "-open": ("-open_total", by_name()),
    "overdue": ("overdue_total", by_name()),
    "-overdue": ("-overdue_total", by_name()),
}


@member_required
def customer_list(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    as_of = page_as_of(request)
    base = visible_customers(membership)
    qs = base.select_related("assigned_collector")
    g = request.GET
    q = g.get("q", "").strip()
    if q:
        emails = Contact.objects.filter(
            customer__creditor_id=membership.creditor_id, email__icontains=q
        ).values("customer_id")
        qs = qs.filter(
            Q(legal_name__icontains=q)
            | Q(siren__icontains=q.replace(" ", ""))
            | Q(siret__icontains=q.replace(" ", ""))
            | Q(external_ref__icontains=q)
            | Q(pk__in=emails)
        )
    if g.get("status") in CustomerStatus.values:
        qs = qs.filter(status=g["status"])
    if g.get("kind") in CustomerKind.values:
        qs = qs.filter(kind=g["kind"])
    if g.get("segment"):
        qs = qs.filter(segment=g["segment"])
    collectors = Membership.objects.filter(
        creditor_id=membership.creditor_id, role=Role.COLLECTOR
    ).select_related("user")
    if g.get("collector", "").isdigit() and membership.sees_all_customers:
        qs = qs.filter(assigned_collector_id=int(g["collector"]))
    qs = qs.annotate(**_open_sums(as_of))
    if g.get("overdue"):
        qs = qs.filter(overdue_total__gt=0)  # type: ignore[misc]
    sort = g.get("sort", "name")
    qs = qs.order_by(*CUSTOMER_SORTS.get(sort, CUSTOMER_SORTS["name"]))
    segments = (
        base.exclude(segment="").order_by("segment").values_list("segment", flat=True).distinct()
    )
    context = {
        "page": _page(request, qs),
        "q": q,
        "sort": sort,
        "statuses": CustomerStatus.choices,
        "kinds": CustomerKind.choices,
        "segments": list(segments),
        "collectors": collectors if membership.sees_all_customers else [],
        "as_of": as_of,
    }
    htmx = getattr(request, "htmx", None)
    partial = htmx is not None and bool(htmx) and not htmx.history_restore_request
    template = "web/_customer_rows.html" if partial else "web/customers.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@member_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    customer = get_object_or_404(
        visible_customers(membership).select_related("assigned_collector"), pk=pk
    )
    as_of = page_as_of(request)
    buckets = default_buckets()
    invoices = list(
        Invoice.objects.filter(
            customer=customer, status=InvoiceStatus.ISSUED, open_minor__gt=0
        ).order_by("due_date", "id")
    )
    lang = _lang()
    open_rows = []
    for invoice in invoices:
        days = (as_of - invoice.due_date).days
        open_rows.append(
            {
                "invoice": invoice,
                "days_overdue": max(days, 0),
                "bucket": buckets.bucket_for(days).label(lang),
            }
        )
    reports = aging(membership.creditor_id, as_of, customer_ids=[customer.pk])
    aging_rows = [
        {
            "report": report,
            "buckets": [
                (b.label(lang), report.totals[b.key], report.count[b.key]) for b in buckets.buckets
            ],
        }
        for report in reports.values()
    ]
    behaviour = customer_behaviour(customer.pk, as_of, customer.currency)
    context = {
        "customer": customer,
        "as_of": as_of,
        "contacts": customer.contacts.all(),
        "open_rows": open_rows,
        "aging_rows": aging_rows,
        "behaviour": behaviour,
        "credit_limit": None
        if customer.credit_limit_minor is None
        else format_money(_minor(customer.credit_limit_minor, customer.currency)),
        "terms_days": customer.payment_terms_days or membership.creditor.payment_terms_days,
        "payments": Payment.objects.filter(customer=customer).order_by("-date", "-id")[:10],
        "credit_notes": CreditNote.objects.filter(customer=customer)
        .select_related("invoice")
        .order_by("-issue_date", "-id")[:10],
        "reminders": _reminders_of(customer.pk),
        "recent_events": _recent_events(customer),
        **customer_penalties(customer, as_of),
    }
    return render(request, "web/customer.html", context)


def _reminders_of(customer_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The customer's latest dunning actions, with the archived copy when sent and the
    penalty invoice or formal notice a legal step carried."""
    from django.urls import reverse

    from relance.channels.models import Correspondence
    from relance.dunning.legal_steps import documents_of
    from relance.dunning.models import LABELS, Action
    from relance.legal.models import PenaltyInvoice

    actions = list(Action.objects.filter(customer_id=customer_id).order_by("-as_of", "-id")[:limit])
    copies = dict(Correspondence.objects.filter(action__in=actions).values_list("action_id", "id"))
    documents = documents_of(actions)
    rows = []
    for a in actions:
        document = documents.get(a.pk)
        link: dict[str, Any] | None = None
        if isinstance(document, PenaltyInvoice):
            url = reverse("legal_penalty_pdf", args=[document.pk])
            link = {"number": document.number, "url": url}
        elif document is not None:
            url = reverse("legal_case", args=[document.case_id])
            link = {"notice_of": document.sent_on, "url": url}
        rows.append(
            {
                "action": a,
                "channel": LABELS.get(a.channel, a.channel),
                "status": a.get_status_display(),
                "copy": copies.get(a.pk),
                "document": link,
            }
        )
    return rows


def _recent_events(customer: Any, limit: int = 10) -> list[tuple[Any, str]]:
    """The latest events of the customer's timeline (relance.negotiation.timeline)."""
    from relance.negotiation import timeline

    labels = dict(timeline.kind_choices())
    return [(e, labels.get(e.kind, e.kind)) for e in timeline.events(customer, limit=limit)]


def _minor(units: int, currency: str) -> Any:
    from relance.core.models import money

    return money(units, currency)


# ---------------------------------------------------------------- invoices


@member_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    as_of = page_as_of(request)
    buckets = default_buckets()
    lang = _lang()
    qs = Invoice.objects.filter(**customer_filter(membership)).select_related("customer")
    g = request.GET
    status = g.get("status", "open")
    if status == "open":
        qs = qs.filter(status=InvoiceStatus.ISSUED, open_minor__gt=0)
    elif status == "paid":
        qs = qs.filter(open_minor=0)
    bucket_key = g.get("bucket", "")
    bucket = next((b for b in buckets.buckets if b.key == bucket_key), None)
    if bucket is not None:
        qs = qs.filter(status=InvoiceStatus.ISSUED, open_minor__gt=0)
        if bucket.min_days is not None:
            qs = qs.filter(due_date__lte=as_of - timedelta(days=bucket.min_days))
        if bucket.max_days is not None:
            qs = qs.filter(due_date__gte=as_of - timedelta(days=bucket.max_days))
    customer_id = g.get("customer", "")
    customer = None
    if customer_id.isdigit():
        customer = visible_customers(membership).filter(pk=int(customer_id)).first()
        qs = qs.filter(customer_id=int(customer_id))
    number = g.get("number", "").strip()
    if number:
        qs = qs.filter(number__icontains=number)
    qs = qs.order_by("due_date", "id") if status == "open" else qs.order_by("-issue_date", "-id")
    page = _page(request, qs)
    rows = []
    for invoice in page.object_list:
        days = (as_of - invoice.due_date).days
        is_open = invoice.open_minor > 0 and invoice.status == InvoiceStatus.ISSUED
        rows.append(
            {
                "invoice": invoice,
                "days_overdue": max(days, 0) if is_open else None,
                "bucket": buckets.bucket_for(days).label(lang) if is_open else "",
            }
        )
    context = {
        "page": page,
        "rows": rows,
        "status": status,
        "bucket_key": bucket_key,
        "buckets": [(b.key, b.label(lang)) for b in buckets.buckets],
        "customer": customer,
        "number": number,
        "as_of": as_of,
    }
    return render(request, "web/invoices.html", context)


@member_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    invoice = get_object_or_404(
        Invoice.objects.filter(**customer_filter(membership)).select_related("customer"), pk=pk
    )
    as_of = page_as_of(request)
    days = (as_of - invoice.due_date).days
    is_open = invoice.open_minor > 0
    allocations = Allocation.objects.filter(invoice=invoice).select_related(
        "payment", "credit_note"
    )
    context = {
        "invoice": invoice,
        "as_of": as_of,
        "days_overdue": max(days, 0) if is_open else None,
        "bucket": default_buckets().bucket_for(days).label(_lang()) if is_open else "",
        "allocations": allocations,
        "credit_notes": invoice.credit_notes.all(),
        **invoice_penalties(invoice, as_of),
    }
    return render(request, "web/invoice.html", context)


# ---------------------------------------------------------------- payments


@member_required
def payment_list(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    qs = (
        Payment.objects.filter(**customer_filter(membership))
        .select_related("customer")
        .annotate(n_allocations=Count("allocations"))
        .order_by("-date", "-id")
    )
    g = request.GET
    if g.get("unallocated"):
        qs = qs.filter(unallocated_minor__gt=0)
    q = g.get("q", "").strip()
    if q:
        qs = qs.filter(
            Q(reference__icontains=q)
            | Q(payer_name__icontains=q)
            | Q(external_ref__icontains=q)
            | Q(customer__legal_name__icontains=q)
        )
    return render(request, "web/payments.html", {"page": _page(request, qs), "q": q})


@member_required
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    payment = get_object_or_404(
        Payment.objects.filter(**customer_filter(membership)).select_related("customer"), pk=pk
    )
    allocations = Allocation.objects.filter(payment=payment).select_related("invoice")
    return render(request, "web/payment.html", {"payment": payment, "allocations": allocations})


# ---------------------------------------------------------------- imports


#: Uploaded files waiting for "apply" are removed after this many seconds.
PENDING_UPLOAD_TTL = 24 * 3600


def _upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _drop_stale_uploads() -> None:
    """Remove previews nobody applied (older than PENDING_UPLOAD_TTL)."""
    limit = time.time() - PENDING_UPLOAD_TTL
    for path in _upload_dir().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:  # removed meanwhile by another process
            continue


@member_required
def imports(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if not membership.can_import:
        raise PermissionDenied
    from relance.imports.models import ImportBatch

    context: dict[str, Any] = {
        "recent": ImportBatch.objects.filter(creditor_id=membership.creditor_id)[:10],
    }
    if request.method != "POST":
        context["form"] = ImportForm()
        return render(request, "web/imports.html", context)

    from relance.imports.service import run_import

    action = request.POST.get("action", "preview")
    if action == "apply":
        pending = request.session.get("relance_pending_import") or {}
        token = request.POST.get("token", "")
        if (
            not token
            or pending.get("token") != token
            or pending.get("creditor_id") != membership.creditor_id
        ):
            messages.error(request, _("This preview has expired; upload the file again."))
            return redirect("imports")
        path = _upload_dir() / token
        if not path.exists():
            messages.error(request, _("This preview has expired; upload the file again."))
            return redirect("imports")
        try:
            with path.open("rb") as fileobj:
                result = run_import(
                    membership.creditor,
                    pending["kind"],
                    fileobj,
                    file_name=pending["file_name"],
                    dry_run=False,
                    user=request.user,
                    lang=_lang(),
                )
        except BadInput as exc:
            path.unlink(missing_ok=True)
            request.session.pop("relance_pending_import", None)
            messages.error(request, str(exc))
            return redirect("imports")
        path.unlink(missing_ok=True)
        request.session.pop("relance_pending_import", None)
        context.update(form=ImportForm(), result=result, applied=True, kind=pending["kind"])
        if result.ok:
            messages.success(
                request,
                _(
                    "Import applied: %(created)s created, %(updated)s updated, "
                    "%(unchanged)s unchanged."
                )
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
        return render(request, "web/imports.html", context)

    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        context["form"] = form
        return render(request, "web/imports.html", context, status=400)
    upload = form.cleaned_data["file"]
    kind = form.cleaned_data["kind"]
    _drop_stale_uploads()
    token = secrets.token_hex(16)
    path = _upload_dir() / token
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        with path.open("rb") as fileobj:
            result = run_import(
                membership.creditor,
                kind,
                fileobj,
                file_name=upload.name,
                dry_run=True,
                user=request.user,
                lang=_lang(),
            )
    except BadInput as exc:
        path.unlink(missing_ok=True)
        context["form"] = ImportForm(initial={"kind": kind})
        context["failure"] = str(exc)
        return render(request, "web/imports.html", context, status=400)
    previous = request.session.get("relance_pending_import") or {}
    if previous.get("token"):
        (_upload_dir() / previous["token"]).unlink(missing_ok=True)
    if result.ok:
        request.session["relance_pending_import"] = {
            "token": token,
            "creditor_id": membership.creditor_id,
            "kind": kind,
            "file_name": upload.name,
        }
    else:
        path.unlink(missing_ok=True)
        request.session.pop("relance_pending_import", None)
    columns: list[str] = list(result.preview[0].keys()) if result.preview else []
    context.update(
        form=ImportForm(initial={"kind": kind}),
        result=result,
        token=token if result.ok else "",
        kind=kind,
        file_name=upload.name,
        columns=columns,
        preview=[[row.get(c, "") for c in columns] for row in result.preview],
    )
    return render(request, "web/imports.html", context)


# ---------------------------------------------------------------- login


class LoginView(auth_views.LoginView):
    """The login form; without a `next` page, a collector lands on their worklist (what to
    do today, on their own customers) and every other role on the overview."""

    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        try:
            membership = current_membership(self.request)
        except PermissionDenied:
            return str(super().get_default_redirect_url())
        if membership.role == Role.COLLECTOR:
            return reverse("worklist")
        return str(super().get_default_redirect_url())


# ---------------------------------------------------------------- creditor switch


@require_POST
@member_required
def switch_creditor(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("creditor", "")
    if not raw.isdigit():
        raise Http404
    try:
        chosen = membership_for(request.user, int(raw))
    except NoAccess:
        raise PermissionDenied from None
    request.session[SESSION_KEY] = chosen.creditor_id
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return HttpResponseRedirect(target)
