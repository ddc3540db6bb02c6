"""A creditor's contact rules: read by the run and the worker, edited in the admin and the
API, and never more than one call a day."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from relance.accounts.models import Role
from relance.api.tests.conftest import Api, api_for
from relance.channels.models import ContactRuleSettings
from relance.channels.rules import InvalidRules, rules_for, save_rules
from relance.channels.tests.helpers import DAY, NOW, customer
from relance.customers.models import Customer
from relance.domain.contact_rules import ContactRules
from relance.dunning.models import Action, ActionStatus, Holdback
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run
from relance.testing import Ledger

pytestmark = pytest.mark.django_db


def contacted(c: Customer, on: date, channel: str = "email") -> None:
    """A message sent to the customer before the run (e.g. a manual send)."""
    Action.objects.create(
        creditor=c.creditor,
        customer=c,
        currency="EUR",
        as_of=on,
        step_key="manual",
        step_offset=0,
        channel=channel,
        tone="courteous",
        kind="reminder",
        status=ActionStatus.SENT,
        sent_on=on,
        total_minor=0,
        overdue_total_minor=0,
        idempotency_key=f"manual-{c.pk}-{on.isoformat()}-{channel}",
    )


def test_without_settings_the_defaults_apply(ledger: Ledger) -> None:
    assert rules_for(ledger.creditor.pk) == ContactRules()


def test_a_longer_cooldown_holds_back_at_plan_what_the_default_lets_through(
    ledger: Ledger,
) -> None:
    acme = customer(ledger)
    contacted(acme, DAY - timedelta(days=4))  # default cooldown: 3 days, so it may go
    assert plan_run(ledger.creditor, DAY, dry_run=True).actions
    ContactRuleSettings.objects.create(creditor=ledger.creditor, cooldown_days=7)
    result = plan_run(ledger.creditor, DAY)
    assert result.actions == []
    held = Holdback.objects.get()
    assert held.reason == "email: cooldown: last contact on 2025-03-28"


def test_a_lower_weekly_cap_makes_the_worker_postpone(ledger: Ledger) -> None:
    acme = customer(ledger)
    plan_run(ledger.creditor, DAY)  # planned under the defaults (3 emails a week)
    contacted(acme, DAY - timedelta(days=1))  # an email sent by hand after the plan
    ContactRuleSettings.objects.create(creditor=ledger.creditor, weekly_email=1, cooldown_days=0)
    assert dispatch(now=NOW) == {"postponed": 1}
    action = Action.objects.exclude(step_key="manual").get()
    assert action.status == ActionStatus.PLANNED
    assert action.reason == "postponed: weekly cap of 1 email reached"


def test_a_narrower_courtesy_window_postpones_sms(ledger: Ledger) -> None:
    from relance.dunning.models import PolicyStep
    from relance.dunning.services import ensure_default_policy

    acme = customer(ledger, mobile="+33612345678")
    policy = ensure_default_policy(ledger.creditor)
    PolicyStep.objects.filter(policy=policy, key="j+1").update(channels="sms")
    plan_run(ledger.creditor, DAY)
    # 10:00 in Paris on a Tuesday: inside the default window, outside 14:00–18:00.
    ContactRuleSettings.objects.create(
        creditor=ledger.creditor, sms_start=time(14, 0), sms_end=time(18, 0)
    )
    assert dispatch(now=NOW) == {"postponed": 1}
    action = Action.objects.get(customer=acme)
    assert action.reason == "postponed: outside the courtesy hours of sms"
    assert action.next_attempt_at is not None
    assert action.next_attempt_at.astimezone(NOW.tzinfo).hour == 12  # 14:00 Paris (UTC+2)


def test_more_than_one_call_a_day_is_refused_everywhere(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="calls per day must be between 0 and 1"):
        ContactRules(calls_per_day=2)
    with pytest.raises(InvalidRules, match="calls_per_day: at most 1 call a day"):
        save_rules(ledger.creditor.pk, {"calls_per_day": 2})
    assert not ContactRuleSettings.objects.exists()
    row = ContactRuleSettings(creditor=ledger.creditor, calls_per_day=2)
    with pytest.raises(ValidationError, match="at most 1 call a day"):
        row.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()  # the database refuses it too
    ContactRuleSettings.objects.create(creditor=ledger.creditor, calls_per_day=0)
    ContactRuleSettings.objects.filter(creditor=ledger.creditor).update(calls_per_day=0)
    assert rules_for(ledger.creditor.pk).calls_per_day == 0  # lowering is allowed


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"weekly_sms": 61}, "weekly_sms"),
        ({"weekly_email": 0}, "weekly_email"),
        ({"cooldown_days": -1}, "cooldown_days"),
        ({"call_days": "0178"}, "call_days"),
        ({"call_days": ""}, "call_days"),
        ({"sms_start": time(19, 0), "sms_end": time(9, 0)}, "sms_end"),
        ({"sms_start": "nine"}, "sms_start"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_written(
    ledger: Ledger, values: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidRules) as refused:
        save_rules(ledger.creditor.pk, values)
    assert field in [name for name, _why in refused.value.problems]
    assert not ContactRuleSettings.objects.exists()


def put(api: Api, body: dict[str, Any]) -> Any:
    return api.client.put(
        "/api/contact-rules", body, content_type="application/json", headers=api.headers
    )


def test_the_api_reads_and_replaces_the_rules(ledger: Ledger) -> None:
    admin = api_for(ledger.user("boss", Role.ADMIN), ledger)
    first = admin.get("/contact-rules").json()
    assert first["customised"] is False and first["calls_per_day"] == 1
    assert first["sms_start"] == "09:00" and first["call_days"] == "01234"
    body = {**first, "cooldown_days": 5, "weekly_email": 1, "sms_days": "12"}
    del body["customised"]
    answer = put(admin, body)
    assert answer.status_code == 200, answer.content
    assert answer.json()["customised"] is True
    rules = rules_for(ledger.creditor.pk)
    assert rules.cooldown_days == 5 and rules.weekly_caps["email"] == 1
    assert rules.windows["sms"].days == frozenset({1, 2})
    refused = put(admin, {**body, "calls_per_day": 2})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "calls_per_day"
    window = put(admin, {**body, "call_start": "20:00", "call_end": "08:00"})
    assert window.status_code == 422 and window.json()["errors"][0]["field"] == "call_end"
    assert put(admin, {**body, "sms_start": "9h"}).status_code == 422
    assert put(admin, {**body, "weekly_sms": 0}).status_code == 422
    assert rules_for(ledger.creditor.pk).cooldown_days == 5  # unchanged by the refusals
    collector = api_for(ledger.user("col", Role.COLLECTOR), ledger)
    assert collector.get("/contact-rules").status_code == 200
    assert put(collector, body).status_code == 403


def test_the_admin_edits_the_rules_and_refuses_a_second_call_a_day(ledger: Ledger) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(root)
    form = {
        "creditor": ledger.creditor.pk,
        "calls_per_day": 2,
        "cooldown_days": 3,
        "weekly_email": 3,
        "weekly_sms": 2,
        "weekly_call": 3,
        "weekly_letter": 2,
        "weekly_registered_letter": 1,
        "call_days": "01234",
        "call_start": "09:00",
        "call_end": "19:00",
        "sms_days": "01234",
        "sms_start": "09:00",
        "sms_end": "19:00",
    }
    url = "/admin/channels/contactrulesettings/add/"
    refused = client.post(url, form)
    assert refused.status_code == 200 and "at most 1 call a day" in refused.content.decode()
    assert not ContactRuleSettings.objects.exists()
    saved = client.post(url, {**form, "calls_per_day": 1, "weekly_sms": 1})
    assert saved.status_code == 302
    assert rules_for(ledger.creditor.pk).weekly_caps["sms"] == 1
