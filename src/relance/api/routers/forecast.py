"""Expected cash-in per week and the predicted pay date of open invoices."""

from typing import Any

from django.utils import timezone
from ninja import P, QueryEx, Router, Schema

from relance.accounts.access import customer_filter
from relance.analytics.forecast import forecast
from relance.api.auth import caller
from relance.api.errors import COMMON
from relance.api.schemas import Day
from relance.creditors.models import Creditor
from relance.domain.money import Money

router = Router(tags=["forecast"])


class WeekOut(Schema):
    week_start: Day
    currency: str
    expected: str
    invoices: int


class PredictionOut(Schema):
    invoice_id: int
    pay_date: Day | None
    delay_days: int
    basis: str


class ForecastOut(Schema):
    as_of: Day
    weeks: list[WeekOut]
    later: dict[str, str]
    doubtful: dict[str, str]
    predictions: list[PredictionOut]


@router.get(
    "/forecast",
    response={200: ForecastOut, **COMMON},
    summary="Expected cash-in per week from the predicted pay dates of open invoices",
)
def get_forecast(
    request: Any,
    as_of: QueryEx[Day | None, P(description="Default: today (in the server's time zone).")] = None,
    weeks: QueryEx[int, P(ge=1, le=104, description="Weeks ahead.")] = 13,
) -> Any:
    who = caller(request)
    day = as_of or timezone.localdate()
    scope = customer_filter(who.membership)
    scope.pop("creditor_id")
    result = forecast(Creditor.objects.get(pk=who.creditor_id), day, weeks=weeks, scope=scope)
    return {
        "as_of": day,
        "weeks": [
            {
                "week_start": w.week_start,
                "currency": w.currency,
                "expected": str(Money.from_minor(w.expected_minor, w.currency).amount),
                "invoices": w.invoices,
            }
            for w in result.weeks
        ],
        "later": {c: str(Money.from_minor(m, c).amount) for c, m in result.later.items()},
        "doubtful": {c: str(Money.from_minor(m, c).amount) for c, m in result.doubtful.items()},
        "predictions": [
            {
                "invoice_id": pk,
                "pay_date": p.pay_date,
                "delay_days": p.delay_days,
                "basis": p.basis,
            }
            for pk, p in sorted(result.predictions.items())
        ],
    }
