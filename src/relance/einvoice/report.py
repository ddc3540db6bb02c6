"""The summary of an e-invoice and its findings, as shown by `relance check-invoice` (pure).

The same dictionary is printed by `--json` and stored as golden files by the tests.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from relance.domain.einvoice import Address, EInvoice, Party
from relance.domain.mentions import Finding
from relance.domain.money import Money


def _money(m: Money | None) -> str | None:
    return str(m.amount) if m is not None else None


def _day(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _address(a: Address) -> dict[str, Any]:
    return {
        "lines": list(a.lines),
        "postal_code": a.postal_code,
        "city": a.city,
        "country": a.country,
    }


def _party(p: Party) -> dict[str, Any]:
    return {
        "name": p.name,
        "siren": p.siren,
        "siret": p.siret,
        "vat_number": p.vat_number,
        "address": _address(p.address),
    }


def summary(inv: EInvoice) -> dict[str, Any]:
    return {
        "syntax": inv.syntax,
        "profile": inv.profile.value,
        "profile_id": inv.profile_id,
        "number": inv.number,
        "type_code": inv.type_code,
        "kind": inv.kind.value,
        "issue_date": _day(inv.issue_date),
        "due_date": _day(inv.due_date),
        "payment_terms": inv.payment_terms,
        "currency": inv.currency,
        "total_excl_tax": _money(inv.total_excl_tax),
        "tax_total": _money(inv.tax_total),
        "total_incl_tax": _money(inv.total_incl_tax),
        "prepaid": _money(inv.prepaid),
        "amount_due": _money(inv.amount_due),
        "seller": _party(inv.seller),
        "buyer": _party(inv.buyer),
        "delivery_address": _address(inv.delivery_address),
        "delivery_date": _day(inv.delivery_date),
        "period_end": _day(inv.period_end),
        "purchase_order": inv.purchase_order,
        "preceding_invoice": inv.preceding_invoice,
        "lines_count": inv.lines_count,
        "notes": [{"subject": n.subject, "text": n.text} for n in inv.notes],
        "iban": inv.iban,
        "payment_means_code": inv.payment_means_code,
        "business_process": inv.business_process,
        "category": inv.category.value if inv.category else None,
        "vat_point_code": inv.vat_point_code,
        "early_payment_terms": inv.early_payment_terms,
    }


def report(inv: EInvoice, findings: list[Finding], lang: str = "en") -> dict[str, Any]:
    return {"invoice": summary(inv), "findings": [f.as_dict(lang) for f in findings]}
