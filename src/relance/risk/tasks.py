"""The risk app's units of work on the Django tasks API (run by `relance worker`)."""

from __future__ import annotations

from django_tasks import task

from relance.risk.webhooks import retry_due


@task()
def retry_risk_webhooks() -> dict[str, int]:
    """Make the hold-webhook attempts that are due (relance.risk.webhooks.retry_due)."""
    return retry_due()
