"""The computed segment chooses the dunning policy through RELANCE_RISK_SEGMENT_POLICIES."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import override_settings

from relance.core.errors import BadInput
from relance.domain import dunning as dd
from relance.dunning.models import PolicyAssignment
from relance.dunning.services import plan_run, save_policy
from relance.risk.services import recompute
from relance.testing import Ledger

AS_OF = date(2025, 12, 31)

FIRM = dd.Policy(
    key="ferme",
    name="Ferme",
    steps=(dd.Step("j+1", 1, (dd.Channel.EMAIL,), dd.Tone.FIRM),),
)


def _chronic(led: Ledger) -> object:
    """Ten invoices, all paid 40 days late, and one open now."""
    c = led.customer("Retard SARL", customer_since=date(2023, 1, 1))
    for month in range(1, 11):
        inv = led.invoice(c, issued=date(2025, month, 1), due=date(2025, month, 10))
        led.payment(c, "1000.00", on=date(2025, month + 1, 19), pays=[inv])
    led.invoice(c, "OPEN", issued="2025-12-01", due="2025-12-20")
    return c


@override_settings(RELANCE_RISK_SEGMENT_POLICIES={"chronic_late": "ferme"})
def test_run_uses_the_policy_of_the_computed_segment(ledger: Ledger) -> None:
    chronic = _chronic(ledger)
    labelled = ledger.customer("Label SARL", segment="grands comptes")
    ledger.invoice(labelled, "L-1", issued="2025-12-01", due="2025-12-20")
    firm = save_policy(ledger.creditor, FIRM)
    result = recompute(ledger.creditor, AS_OF)
    assert result.segments["chronic_late"] == 1
    assignment = PolicyAssignment.objects.get(creditor=ledger.creditor, segment="chronic_late")
    assert assignment.policy_id == firm.pk
    planned = plan_run(ledger.creditor, AS_OF, dry_run=True)
    by_customer = {a.customer_id: a.policy_id for a in planned.actions}
    assert by_customer[chronic.pk] == firm.pk  # type: ignore[attr-defined]
    assert by_customer.get(labelled.pk) != firm.pk


@override_settings(RELANCE_RISK_SEGMENT_POLICIES={"chronic_late": "ferme"})
def test_customer_label_wins_over_the_computed_segment(ledger: Ledger) -> None:
    chronic = _chronic(ledger)
    chronic.segment = "vip"  # type: ignore[attr-defined]
    chronic.save()  # type: ignore[attr-defined]
    firm = save_policy(ledger.creditor, FIRM)
    vip = save_policy(ledger.creditor, dd.Policy("vip", "VIP", FIRM.steps))
    PolicyAssignment.objects.create(creditor=ledger.creditor, segment="vip", policy=vip)
    recompute(ledger.creditor, AS_OF)
    planned = plan_run(ledger.creditor, AS_OF, dry_run=True)
    assert {a.policy_id for a in planned.actions} == {vip.pk}
    assert firm.pk != vip.pk


@override_settings(RELANCE_RISK_SEGMENT_POLICIES={})
def test_unmapped_segments_lose_their_assignment(ledger: Ledger) -> None:
    firm = save_policy(ledger.creditor, FIRM)
    PolicyAssignment.objects.create(creditor=ledger.creditor, segment="avoider", policy=firm)
    recompute(ledger.creditor, AS_OF)
    assert not PolicyAssignment.objects.filter(segment="avoider").exists()


@override_settings(RELANCE_RISK_SEGMENT_POLICIES={"late_payer": "ferme"})
def test_unknown_segment_in_the_mapping(ledger: Ledger) -> None:
    with pytest.raises(BadInput, match="unknown segment"):
        recompute(ledger.creditor, AS_OF)
