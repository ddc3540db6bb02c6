"""Statements as plain JSON values, for golden files and reports."""

from __future__ import annotations

from typing import Any

from relance.domain.statements import Statement


def summary(statements: list[Statement]) -> list[dict[str, Any]]:
    out = []
    for st in statements:
        out.append(
            {
                "statement_id": st.statement_id,
                "account": st.account_iban,
                "currency": st.currency,
                "format": st.format,
                "opening": str(st.opening_balance.amount) if st.opening_balance else None,
                "closing": str(st.closing_balance.amount) if st.closing_balance else None,
                "period": [
                    st.period_start.isoformat() if st.period_start else None,
                    st.period_end.isoformat() if st.period_end else None,
                ],
                "lines": [
                    {
                        "id": ln.line_id,
                        "booked": ln.booking_date.isoformat(),
                        "value": ln.value_date.isoformat() if ln.value_date else None,
                        "amount": f"{ln.amount.amount} {ln.amount.currency}",
                        "kind": ln.kind.value,
                        "counterparty": [
                            ln.counterparty_name,
                            ln.counterparty_iban,
                            ln.counterparty_bic,
                        ],
                        "references": list(ln.references),
                        "end_to_end_id": ln.end_to_end_id,
                        "uetr": ln.uetr,
                        "bank_reference": ln.bank_reference,
                        "return_reason": ln.return_reason,
                    }
                    for ln in st.lines
                ],
            }
        )
    return out
