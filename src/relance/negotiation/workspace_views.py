"""The worklist page and a customer's timeline (page, CSV and XLSX export)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from relance.accounts.access import visible_customers
from relance.accounts.models import Membership, Role
from relance.analytics.exports import to_csv, to_xlsx
from relance.customers.models import Customer
from relance.negotiation import timeline, worklist
from relance.risk.models import SegmentChoices
from relance.web.access import member_required
from relance.web.as_of import page_as_of, query_day

WORKLIST_PAGE = 50
TIMELINE_PAGE = 100
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
}


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _collectors(membership: Membership) -> list[tuple[int, str]]:
    rows = Membership.objects.filter(
        creditor_id=membership.creditor_id, role=Role.COLLECTOR
    ).select_related("user")
    return sorted(
        ((m.user_id, m.user.get_full_name() or m.user.get_username()) for m in rows),
        key=lambda row: row[1],
    )


@member_required
def worklist_page(request: HttpRequest) -> HttpResponse:
    """The ranked worklist: a collector's own customers, or the team's with a collector filter."""
    membership = _membership(request)
    as_of = page_as_of(request)
    g = request.GET
    collectors = _collectors(membership) if membership.sees_all_customers else []
    collector_id: int | None = None
    raw_collector = g.get("collector", "")
    if raw_collector:
        if raw_collector.isdigit() and int(raw_collector) in dict(collectors):
            collector_id = int(raw_collector)
        else:
            messages.error(request, _("Unknown collector: every collector is shown."))
    kind = g.get("kind", "")
    usable = [
        (k, label)
        for k, label in worklist.kinds()
        if not worklist.SOURCES[k].managers_only or worklist.approves(membership)
    ]
    if kind and kind not in dict(usable):
        messages.error(
            request, _("“%(value)s” is not a kind of work: every kind is shown.") % {"value": kind}
        )
        kind = ""
    items = worklist.build(membership, as_of, collector_id=collector_id)
    counts = Counter(item.kind for item in items)
    shown = [item for item in items if not kind or item.kind == kind]
    page = Paginator(shown, WORKLIST_PAGE).get_page(g.get("page"))
    labels = dict(usable)
    segments = dict(SegmentChoices.choices)
    rows = [
        {
            "item": item,
            "rank": page.start_index() + n,
            "label": labels.get(item.kind, item.kind),
            "segment": segments.get(item.segment, ""),
        }
        for n, item in enumerate(page.object_list)
    ]
    return render(
        request,
        "negotiation/worklist.html",
        {
            "as_of": as_of,
            "page": page,
            "rows": rows,
            "kind": kind,
            "kinds": [(k, label, counts.get(k, 0)) for k, label in usable],
            "total": len(items),
            "collectors": collectors,
            "collector_id": collector_id,
            "team": membership.sees_all_customers,
        },
    )


def _visible_customer(request: HttpRequest, pk: int) -> Customer:
    return get_object_or_404(visible_customers(_membership(request)), pk=pk)


def _day(request: HttpRequest, name: str, label: str) -> date | None:
    bad = _("%(field)s: “%(value)s” is not a date (YYYY-MM-DD); it is ignored.")
    return query_day(request, name, bad, field=label)


def _filters(request: HttpRequest) -> dict[str, Any]:
    """The kinds and dates asked for (unknown kinds and bad dates are reported, then ignored)."""
    asked = [k for k in request.GET.getlist("kind") if k]
    known = [k for k in asked if k in timeline.KINDS]
    unknown = [k for k in asked if k not in timeline.KINDS]
    if unknown:
        messages.error(
            request,
            _("Unknown kind of event: %(kinds)s.") % {"kinds": ", ".join(unknown)},
        )
    return {
        "kinds": known or None,
        "start": _day(request, "from", _("From")),
        "end": _day(request, "to", _("To")),
    }


@member_required
def customer_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _visible_customer(request, pk)
    chosen = _filters(request)
    found = timeline.events(customer, **chosen)
    page = Paginator(found, TIMELINE_PAGE).get_page(request.GET.get("page"))
    labels = dict(timeline.kind_choices())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "negotiation/timeline.html",
        {
            "customer": customer,
            "page": page,
            "rows": [(e, labels.get(e.kind, e.kind)) for e in page.object_list],
            "kinds": timeline.kind_choices(),
            "chosen": chosen["kinds"] or [],
            "start": chosen["start"],
            "end": chosen["end"],
            "export_query": query.urlencode(),
        },
    )


@member_required
def customer_timeline_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in EXPORTS:
        raise Http404
    customer = _visible_customer(request, pk)
    chosen = _filters(request)
    table = timeline.to_table(customer, timeline.events(customer, **chosen))
    content_type, write = EXPORTS[fmt]
    response = HttpResponse(write(table), content_type=content_type)
    name = f"timeline-{customer.pk}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
