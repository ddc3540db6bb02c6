from __future__ import annotations

import pytest

from relance.accounts.access import (
    NoAccess,
    can_see_customer,
    customer_filter,
    membership_for,
    visible_customers,
)
from relance.accounts.models import Role
from relance.ledger.models import Invoice
from relance.testing import Ledger

pytestmark = pytest.mark.django_db


def test_a_collector_sees_only_their_customers(ledger: Ledger) -> None:
    alice = ledger.user("alice", Role.COLLECTOR)
    bob = ledger.user("bob", Role.COLLECTOR)
    mine = ledger.customer("Chez Alice", assigned_collector=alice)
    theirs = ledger.customer("Chez Bob", assigned_collector=bob)
    ledger.invoice(mine, "A-1")
    ledger.invoice(theirs, "B-1")
    member = membership_for(alice)
    assert list(visible_customers(member)) == [mine]
    assert can_see_customer(member, mine) and not can_see_customer(member, theirs)
    numbers = Invoice.objects.filter(**customer_filter(member)).values_list("number", flat=True)
    assert list(numbers) == ["A-1"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CREDIT_MANAGER, Role.READ_ONLY])
def test_other_roles_see_every_customer_of_their_creditor(ledger: Ledger, role: str) -> None:
    user = ledger.user("u", role)
    ledger.customer("Un")
    ledger.customer("Deux")
    other = Ledger.create("Autre SARL", siren="552100554")
    foreign = other.customer("Ailleurs")
    member = membership_for(user)
    assert visible_customers(member).count() == 2
    assert not can_see_customer(member, foreign)


def test_roles_rights(ledger: Ledger) -> None:
    rights = {
        role: (m.can_write, m.can_import, m.sees_all_customers)
        for role in Role.values
        for m in [membership_for(ledger.user(f"user-{role}", role))]
    }
    assert rights == {
        "admin": (True, True, True),
        "credit_manager": (True, True, True),
        "collector": (True, False, False),
        "read_only": (False, False, True),
    }


def test_no_membership_no_access(ledger: Ledger) -> None:
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user("stranger", password="x-y-z-2025")
    with pytest.raises(NoAccess):
        membership_for(stranger)
    with pytest.raises(NoAccess):
        membership_for(ledger.user("alice"), creditor_id=ledger.creditor.pk + 1)
