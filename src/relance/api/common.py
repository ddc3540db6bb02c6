"""Helpers shared by the routers: amounts, pages, lookups scoped to the caller."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from ninja import P, QueryEx

from relance.accounts.access import customer_filter, visible_customers
from relance.api.auth import Caller
from relance.api.errors import Issues, not_found
from relance.core.models import money
from relance.customers.models import Customer
from relance.domain.money import CurrencyError, Money, MoneyError, exponent, parse_amount
from relance.ledger.models import CreditNote, Invoice, Payment

M = TypeVar("M", bound=Model)

MAX_LIMIT = 500

#: Largest id a database row can have (64-bit signed integer).
MAX_ID = 2**63 - 1

#: Pagination query parameters shared by every list.
Limit = QueryEx[int, P(ge=1, le=MAX_LIMIT, description="Page size (at most 500).")]
Offset = QueryEx[int, P(ge=0, le=10**12, description="Items to skip.")]


def amount_text(minor: int | None, currency: str) -> str:
    """Minor units → decimal string ("1234.50")."""
    return str(money(minor, currency).amount)


def check_currency(value: str, field: str, issues: Issues) -> str:
    code = value.strip().upper()
    try:
        exponent(code)
    except CurrencyError:
        issues.add(field, _("'%(value)s' is not a currency code (e.g. EUR).") % {"value": value})
    return code


def parse_money(
    text: str | None,
    currency: str,
    field: str,
    issues: Issues,
    *,
    allow_zero: bool = True,
) -> Money | None:
    """A positive (or zero) amount read from `text`; a field error in `issues` otherwise."""
    if text is None:
        return None
    try:
        value = Money.of(parse_amount(str(text)), currency)
    except MoneyError as exc:
        issues.add(field, str(exc), "invalid_amount")
        return None
    if value.is_negative:
        issues.add(field, _("The amount cannot be negative."), "negative_amount")
        return None
    if value.is_zero and not allow_zero:
        issues.add(field, _("The amount must be greater than zero."), "zero_amount")
        return None
    return value


def page(qs: QuerySet[M], limit: int, offset: int) -> tuple[int, list[M]]:
    return qs.count(), list(qs[offset : offset + limit])


def page_body(count: int, limit: int, offset: int, items: list[Any]) -> dict[str, Any]:
    return {"count": count, "limit": limit, "offset": offset, "items": items}


def customers_of(who: Caller) -> QuerySet[Customer]:
    return visible_customers(who.membership)


def invoices_of(who: Caller) -> QuerySet[Invoice]:
    return Invoice.objects.filter(**customer_filter(who.membership))


def credit_notes_of(who: Caller) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(**customer_filter(who.membership))


def payments_of(who: Caller) -> QuerySet[Payment]:
    return Payment.objects.filter(**customer_filter(who.membership))


def get_customer(who: Caller, pk: int) -> Customer:
    found = customers_of(who).filter(pk=pk).first()
    if found is None:
        raise not_found(_("Customer %(id)s not found.") % {"id": pk})
    return found


def get_invoice(who: Caller, ref: int | str) -> Invoice:
    """An invoice by id (a JSON number) or by number (a JSON string)."""
    qs = invoices_of(who).select_related("customer")
    found = qs.filter(pk=ref).first() if isinstance(ref, int) else qs.filter(number=ref).first()
    if found is None:
        raise not_found(_("Invoice %(ref)s not found.") % {"ref": ref})
    return found
