"""Read side of the banking app, for the matching step and the pages.

Lines come back as the domain records readers produce (`StatementLine`), with the id
of their row, so that the matching engine reads one type whatever the source.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from relance.banking.models import BankLine, LineStatus
from relance.creditors.models import Creditor
from relance.domain.money import Money
from relance.domain.statements import LineKind, StatementLine


@dataclass(frozen=True, slots=True)
class StoredLine:
    """A stored bank line: its row id, its account's IBAN and the line itself."""

    id: int
    account_iban: str
    line: StatementLine


def as_statement_line(row: BankLine) -> StatementLine:
    return StatementLine(
        line_id=row.line_id,
        booking_date=row.booking_date,
        value_date=row.value_date,
        amount=Money.from_minor(row.amount_minor, row.currency),
        kind=LineKind(row.kind),
        counterparty_name=row.counterparty_name,
        counterparty_iban=row.counterparty_iban,
        counterparty_bic=row.counterparty_bic,
        references=tuple(str(r) for r in row.references or ()),
        end_to_end_id=row.end_to_end_id,
        bank_reference=row.bank_reference,
        return_reason=row.return_reason,
        source_line=row.source_line,
        uetr=row.uetr,
    )


def lines_to_match(creditor: Creditor) -> list[StoredLine]:
    """Credit lines not matched yet (status new or to review), oldest first."""
    rows: QuerySet[BankLine] = (
        BankLine.objects.filter(
            creditor=creditor,
            kind=LineKind.CREDIT,
            payment__isnull=True,
            status__in=[LineStatus.NEW, LineStatus.TO_REVIEW],
        )
        .select_related("account")
        .order_by("booking_date", "id")
    )
    return [StoredLine(row.pk, row.account.iban, as_statement_line(row)) for row in rows]


def returned_payment_ids(creditor: Creditor) -> set[int]:
    """Payments whose bank line came back: never to be allocated again."""
    return set(
        BankLine.objects.filter(creditor=creditor, returns__isnull=False, payment__isnull=False)
        .values_list("payment_id", flat=True)
        .distinct()
    )
