"""Saved cash-in forecasts, to compare later with what actually came in."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ForecastWeek(models.Model):
    """The amount expected in one ISO week, as forecast on `made_on`."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    made_on = models.DateField(_("forecast made on"))
    week_start = models.DateField(_("week starting"))
    currency = models.CharField(_("currency"), max_length=3)
    expected_minor = models.BigIntegerField(_("expected"))
    invoices = models.PositiveIntegerField(_("invoices"), default=0)

    class Meta:
        verbose_name = _("forecast week")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "made_on", "week_start", "currency"],
                name="forecast_week_unique",
            )
        ]
        indexes = [models.Index(fields=["creditor", "week_start"], name="forecast_week_idx")]

    def __str__(self) -> str:
        return f"{self.week_start} {self.expected_minor} {self.currency} (made {self.made_on})"
