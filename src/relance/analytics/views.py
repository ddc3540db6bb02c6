"""The cash-in forecast page: expected per week, and how past forecasts compared."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from relance.accounts.access import customer_filter
from relance.accounts.models import Membership
from relance.analytics.dashboards import Table, dashboards
from relance.analytics.exports import to_csv, to_xlsx
from relance.analytics.forecast import compare, forecast
from relance.domain.money import Money
from relance.ledger.models import Invoice
from relance.web.access import member_required
from relance.web.as_of import page_as_of
from relance.web.charts import bars_svg
from relance.web.templatetags.relance import day as format_day
from relance.web.templatetags.relance import money as format_money

#: Open invoices listed with their predicted pay date (the soonest first).
LISTED = 50


@member_required
def forecast_page(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    as_of = page_as_of(request)
    scope = customer_filter(membership)
    scope.pop("creditor_id")
    result = forecast(membership.creditor, as_of, scope=scope)
    weeks = [
        (w.week_start, w.invoices, Money.from_minor(w.expected_minor, w.currency))
        for w in result.weeks
    ]
    chart_title = _("Expected cash-in per week from %(date)s") % {"date": format_day(as_of)}
    chart = bars_svg(
        [(format_day(start)[:5], format_money(m), m.amount) for start, _n, m in weeks],
        title=chart_title,
        chart_id="forecast-title",
    )
    later = [Money.from_minor(m, c) for c, m in sorted(result.later.items())]
    doubtful = [Money.from_minor(m, c) for c, m in sorted(result.doubtful.items())]
    dated = [(pk, p) for pk, p in result.predictions.items() if p.pay_date is not None]
    soonest = sorted(dated, key=lambda kv: (kv[1].pay_date, kv[0]))[:LISTED]
    invoices = Invoice.objects.select_related("customer").in_bulk([pk for pk, _p in soonest])
    listed = [(invoices[pk], p) for pk, p in soonest if pk in invoices]
    past = []
    if membership.sees_all_customers:
        past = [
            (
                c.week_start,
                c.made_on,
                Money.from_minor(c.expected_minor, c.currency),
                Money.from_minor(c.actual_minor, c.currency),
            )
            for c in compare(membership.creditor, as_of)
        ]
    return render(
        request,
        "analytics/forecast.html",
        {
            "as_of": as_of,
            "weeks": weeks,
            "chart": chart if weeks else None,
            "chart_title": chart_title,
            "later": later,
            "doubtful": doubtful,
            "listed": listed,
            "past": past,
        },
    )


@member_required
def dashboards_page(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    as_of = page_as_of(request)
    collector = None if membership.sees_all_customers else membership.user_id
    tables = dashboards(membership.creditor, as_of, collector_id=collector)
    wanted = request.GET.get("export", "")
    if wanted:
        return _export(tables, request.GET.get("table", ""), wanted, as_of)
    by_key = {t.key: t for t in tables}
    overdue_title = _("Overdue receivables at each month end")
    charts = [
        (
            overdue_title,
            bars_svg(
                [
                    (
                        format_day(r[0])[:5],
                        format_money(Money.of(r[-1], currency(membership))),
                        r[-1],
                    )
                    for r in by_key["aging_trend"].rows
                ],
                title=overdue_title,
                chart_id="chart-overdue",
            ),
        )
    ]
    if "dso" in by_key:
        dso_title = _("DSO at each month end (days)")
        charts.append(
            (
                dso_title,
                bars_svg(
                    [(format_day(r[0])[:5], str(r[1]), r[1]) for r in by_key["dso"].rows],
                    title=dso_title,
                    chart_id="chart-dso",
                    colour="#1f4e79",
                ),
            )
        )
    return render(
        request,
        "analytics/dashboards.html",
        {"as_of": as_of, "tables": tables, "charts": charts, "currency": currency(membership)},
    )


def currency(membership: Membership) -> str:
    return str(membership.creditor.currency)


def _export(tables: list[Table], key: str, kind: str, as_of: date) -> HttpResponse:
    table = next((t for t in tables if t.key == key), None)
    if table is None:
        return HttpResponseBadRequest(
            _("Unknown table “%(key)s”: one of %(keys)s.")
            % {"key": key, "keys": ", ".join(t.key for t in tables)}
        )
    if kind == "csv":
        body, mime, ext = to_csv(table), "text/csv; charset=utf-8", "csv"
    elif kind == "xlsx":
        body, mime, ext = to_xlsx(table), XLSX, "xlsx"
    else:
        return HttpResponseBadRequest(_("Unknown export format: csv or xlsx."))
    response = HttpResponse(body, content_type=mime)
    response["Content-Disposition"] = (
        f'attachment; filename="{table.key}-{as_of.isoformat()}.{ext}"'
    )
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
