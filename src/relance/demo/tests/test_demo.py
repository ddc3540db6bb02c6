from __future__ import annotations

from datetime import date

import pytest
from django.db.models import F, Sum

from relance.customers.models import Contact, Customer, CustomerKind
from relance.demo.generator import PROFILES, seed_demo
from relance.demo.summary import summary
from relance.domain.identifiers import clean_phone, clean_siren, clean_siret, clean_vat
from relance.ledger.models import Allocation, Invoice

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 22)


@pytest.fixture
def demo() -> int:
    return seed_demo(AS_OF, customers=60, invoices=900, seed=11).creditor_id


def test_demo_portfolio_is_realistic(demo: int) -> None:
    customers = Customer.objects.filter(creditor_id=demo)
    assert customers.count() == 60
    assert Invoice.objects.filter(creditor_id=demo).count() == 900
    for c in customers.filter(kind=CustomerKind.B2B):
        assert clean_siren(c.siren) == c.siren
        assert clean_siret(c.siret).startswith(c.siren)
        assert clean_vat(c.vat_number).endswith(c.siren)
        assert c.postal_code.isdigit() and len(c.postal_code) == 5
    for contact in Contact.objects.filter(customer__creditor_id=demo):
        for number in (contact.phone, contact.mobile):
            if number:
                assert clean_phone(number).startswith("+33")
    dates = Invoice.objects.filter(creditor_id=demo).values_list("issue_date", flat=True)
    assert min(dates) >= date(2025, 5, 20) and max(dates) <= AS_OF
    assert Invoice.objects.filter(due_date__lt=F("issue_date")).count() == 0


def test_demo_has_every_kind_of_payer(demo: int) -> None:
    facts = summary(demo, AS_OF)
    assert facts["invoices"] == 900
    open_invoices = Invoice.objects.filter(creditor_id=demo, open_minor__gt=0)
    overdue = open_invoices.filter(due_date__lt=AS_OF)
    paid_late = Invoice.objects.filter(
        creditor_id=demo, open_minor=0, allocations__date__gt=F("due_date")
    )
    assert overdue.exists() and paid_late.exists()
    assert Invoice.objects.filter(creditor_id=demo, open_minor=0).count() > 450
    assert float(facts["dso_days"]) > 0  # type: ignore[arg-type]
    # partial payments exist (customers in difficulty)
    assert open_invoices.filter(allocated_minor__gt=0).exists()


def test_demo_balances_agree_with_allocations(demo: int) -> None:
    allocated = Allocation.objects.filter(creditor_id=demo).aggregate(s=Sum("amount_minor"))["s"]
    stored = Invoice.objects.filter(creditor_id=demo).aggregate(s=Sum("allocated_minor"))["s"]
    assert allocated == stored


def test_demo_is_deterministic() -> None:
    import random

    from relance.demo.generator import _contacts

    first = seed_demo(AS_OF, customers=20, invoices=150, seed=5)
    assert set(PROFILES) >= set(first.profiles)
    customers = list(Customer.objects.filter(creditor_id=first.creditor_id).order_by("pk"))
    one = [(c.email, c.phone) for c in _contacts(random.Random(3), customers)]
    two = [(c.email, c.phone) for c in _contacts(random.Random(3), customers)]
    assert one == two and len(one) >= 20


def test_demo_has_a_dunning_history_that_the_next_run_continues(demo: int) -> None:
    from relance.creditors.models import Creditor
    from relance.dunning.models import Action, ActionItem, ActionStatus, Pause
    from relance.dunning.services import plan_run

    sent = Action.objects.filter(creditor_id=demo, status=ActionStatus.SENT)
    steps = set(sent.values_list("step_key", flat=True))
    assert {"j+1", "j+8", "j+15"} <= steps  # several levels reached, not only the first
    assert "j+5" in steps  # the key-accounts policy is used too
    from relance.negotiation.models import DisputeItem

    in_dispute = DisputeItem.objects.filter(dispute__creditor_id=demo, dispute__status="open")
    disputed = set(in_dispute.values_list("invoice_id", flat=True))
    assert disputed
    # each disputed invoice is held back by its dispute's pause, and was never reminded
    assert set(in_dispute.values_list("pause__invoice_id", flat=True)) == disputed
    assert not ActionItem.objects.filter(invoice_id__in=disputed).exists()
    result = plan_run(Creditor.objects.get(pk=demo), AS_OF, dry_run=True)
    assert result.actions
    # what the run holds back per invoice is paused (a dispute, a promise, a plan)
    paused = set(
        Pause.objects.filter(creditor_id=demo, invoice__isnull=False).values_list(
            "invoice_id", flat=True
        )
    )
    assert {h.invoice_id for h in result.holdbacks if h.invoice_id} <= paused


def test_demo_shows_a_realistic_worklist(demo: int) -> None:
    from collections import Counter

    from relance.accounts.access import membership_for
    from relance.accounts.models import Membership, Role
    from relance.negotiation import timeline, worklist
    from relance.negotiation.models import Dispute, DisputeItem

    manager = Membership.objects.get(creditor_id=demo, role=Role.CREDIT_MANAGER)
    items = worklist.build(membership_for(manager.user, demo), AS_OF)
    kinds = Counter(i.kind for i in items)
    # the first roles of relance.demo.negotiation.ROLES (a small portfolio gets those only)
    assert kinds["broken_promise"] >= 1 and kinds["promise_due"] >= 1
    assert kinds["missed_instalment"] == 1 and kinds["call_back"] >= 1
    assert kinds["dispute"] == Dispute.objects.filter(creditor_id=demo).count() > 0
    assert kinds["call"] > 0  # the last days' call tasks are left to do
    # every disputed invoice's pause is held by its dispute
    assert not DisputeItem.objects.filter(dispute__creditor_id=demo, pause__isnull=True).exists()
    collector = Membership.objects.filter(creditor_id=demo, role=Role.COLLECTOR).first()
    assert collector is not None
    own = worklist.build(membership_for(collector.user, demo), AS_OF)
    assert 0 < len(own) < len(items)
    broken = next(i for i in items if i.kind == "broken_promise")
    customer = Customer.objects.get(pk=broken.customer_id)
    found = {e.kind for e in timeline.events(customer)}
    assert {"promise", "call", "invoice", "message"} <= found
