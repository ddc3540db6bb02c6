"""Who may see what: the one place the web UI and the API ask.

A collector sees only the customers assigned to them (and their invoices,
payments, contacts); every other role sees all customers of its creditor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from relance.accounts.models import Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from relance.creditors.models import Creditor
    from relance.customers.models import Customer


class NoAccess(PermissionError):
    """The user has no membership at the requested creditor."""


def memberships(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user_id=user.pk)
        .select_related("creditor")
        .order_by("creditor_id")
    )


def membership_for(
    user: AbstractBaseUser | AnonymousUser, creditor_id: int | None = None
) -> Membership:
    """The user's membership at `creditor_id`, or their first one when None.

    Raises NoAccess when there is none.
    """
    qs = memberships(user)
    if creditor_id is not None:
        qs = qs.filter(creditor_id=creditor_id)
    found = qs.first()
    if found is None:
        raise NoAccess("no access to this creditor")
    return found


def visible_customers(membership: Membership) -> QuerySet[Customer]:
    from relance.customers.models import Customer

    qs = Customer.objects.filter(creditor_id=membership.creditor_id)
    if not membership.sees_all_customers:
        qs = qs.filter(assigned_collector_id=membership.user_id)
    return qs


def customer_filter(membership: Membership, prefix: str = "customer__") -> dict[str, object]:
    """Filter kwargs restricting a related queryset (invoices, payments…) to visible customers."""
    kwargs: dict[str, object] = {"creditor_id": membership.creditor_id}
    if not membership.sees_all_customers:
        kwargs[f"{prefix}assigned_collector_id"] = membership.user_id
    return kwargs


def can_see_customer(membership: Membership, customer: Customer) -> bool:
    if customer.creditor_id != membership.creditor_id:
        return False
    return membership.sees_all_customers or customer.assigned_collector_id == membership.user_id


def creditor_of(membership: Membership) -> Creditor:
    return membership.creditor
