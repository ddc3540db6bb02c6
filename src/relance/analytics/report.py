"""The weekly management report: the dashboards by email, charts attached as SVG.

Sent with Django's email backend (EMAIL_URL), not through the debtor outbox: it is an
internal message to the creditor's managers. The HTML part holds every dashboard table;
each table is also attached as CSV, and the charts as SVG files (many mail programs do not
show SVG inline, all can open it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from relance.analytics.dashboards import Table, dashboards
from relance.analytics.exports import to_csv
from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.domain.identifiers import IdentifierError, clean_email
from relance.domain.money import Money
from relance.web.charts import bars_svg
from relance.web.templatetags.relance import day as format_day
from relance.web.templatetags.relance import money as format_money


def _charts(tables: Sequence[Table], currency: str) -> dict[str, str]:
    by_key = {t.key: t for t in tables}
    charts = {
        "overdue.svg": bars_svg(
            [
                (format_day(r[0])[:5], format_money(Money.of(r[-1], currency)), r[-1])
                for r in by_key["aging_trend"].rows
            ],
            title=_("Overdue receivables at each month end"),
            chart_id="chart-overdue",
        )
    }
    if "dso" in by_key:
        charts["dso.svg"] = bars_svg(
            [(format_day(r[0])[:5], str(r[1]), r[1]) for r in by_key["dso"].rows],
            title=_("DSO at each month end (days)"),
            chart_id="chart-dso",
            colour="#1f4e79",
        )
    return {name: str(svg) for name, svg in charts.items()}


def build_report(
    creditor: Creditor, as_of: date, recipients: Sequence[str], language: str = "fr"
) -> EmailMultiAlternatives:
    """The report email, not sent yet; BadInput for a bad or missing recipient."""
    if not recipients:
        raise BadInput(_("the report needs at least one recipient (--to)"))
    addresses = []
    for raw in recipients:
        try:
            addresses.append(clean_email(raw))
        except IdentifierError as exc:
            raise BadInput(f"--to {raw}: {exc}") from exc
    with translation.override(language):
        tables = dashboards(creditor, as_of)
        subject = _("%(creditor)s: collections report of %(date)s") % {
            "creditor": creditor.legal_name,
            "date": format_day(as_of),
        }
        context = {"creditor": creditor, "as_of": as_of, "tables": tables}
        html = render_to_string("analytics/report_email.html", context)
        text = render_to_string("analytics/report_email.txt", context)
        charts = _charts(tables, creditor.currency)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=creditor.email or settings.DEFAULT_FROM_EMAIL,
        to=addresses,
    )
    message.attach_alternative(html, "text/html")
    for name, svg in charts.items():
        message.attach(name, svg, "image/svg+xml")
    for table in tables:
        message.attach(f"{table.key}-{as_of.isoformat()}.csv", to_csv(table), "text/csv")
    return message


def send_report(
    creditor: Creditor, as_of: date, recipients: Sequence[str], language: str = "fr"
) -> int:
    """Build and send the report; returns the number of messages sent (1)."""
    return int(build_report(creditor, as_of, recipients, language).send(fail_silently=False))
