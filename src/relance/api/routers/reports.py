"""Aging of open invoices at an as-of date."""

from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from ninja import P, QueryEx, Router

from relance.api.auth import caller
from relance.api.common import get_customer
from relance.api.errors import ONE
from relance.api.schemas import AgingOut, Day, Id
from relance.ledger.queries import aging, default_buckets

router = Router(tags=["aging"])


@router.get(
    "/aging",
    response={200: AgingOut, **ONE},
    summary="Aging balance per currency at an as-of date",
)
def get_aging(
    request: Any,
    as_of: QueryEx[Day | None, P(description="Default: today (in the server's time zone).")] = None,
    customer: QueryEx[Id | None, P(description="Only this customer.")] = None,
) -> Any:
    who = caller(request)
    day = as_of or timezone.localdate()
    lang = get_language() or "en"
    buckets = default_buckets()
    customer_ids = [get_customer(who, customer).pk] if customer is not None else None
    reports = aging(
        who.creditor_id,
        day,
        buckets=buckets,
        customer_ids=customer_ids,
        collector_id=who.collector_id,
    )
    currencies = []
    for currency, report in reports.items():
        currencies.append(
            {
                "currency": currency,
                "buckets": [
                    {
                        "key": b.key,
                        "label": b.label(lang),
                        "amount": str(report.totals[b.key].amount),
                        "count": report.count[b.key],
                    }
                    for b in buckets.buckets
                ],
                "total": str(report.total.amount),
                "overdue": str(report.overdue.amount),
                "count": sum(report.count.values()),
            }
        )
    return {
        "as_of": day,
        "buckets": [
            {"key": b.key, "label": b.label(lang), "min_days": b.min_days, "max_days": b.max_days}
            for b in buckets.buckets
        ],
        "currencies": currencies,
    }
