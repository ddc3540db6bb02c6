"""Use cases of the banking app: import a statement file, record a line's payment.

`import_statements` reads a file with the reader of its kind, then, in one
transaction: creates the bank account on first sight, stores each statement not seen
before and each line not seen before (the database refuses the same statement id or
line id twice on one account, and the same file is recognised by its SHA-256), and
handles returns. It creates nothing in the ledger: payments are the matching step's.

A return (`LineKind.RETURN`) is stored with its reason. When its end-to-end id (or
UETR, or else a reference shared with a credit of the same amount) names exactly one
earlier credit line of the creditor that produced a Payment,
that Payment's allocations are removed with `ledger.services.unallocate` (the
invoices are open again, so reminders resume) and the return is `matched` to it;
otherwise it waits `to review`.

A dry run does the same work inside a transaction that is rolled back: the report
is exactly what an import would do.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from relance.banking.models import BankAccount, BankLine, BankStatement, LineStatus
from relance.banking.readers.base import StatementError
from relance.banking.readers.csvfile import CsvMapping
from relance.banking.readers.registry import KINDS, detect, get_reader
from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.domain.statements import LineKind, Statement, StatementLine
from relance.ledger.models import Payment
from relance.ledger.services import unallocate


class StatementRefused(BadInput):
    """The file could not be read: `error` says where and why."""

    def __init__(self, error: StatementError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class ReturnReport:
    line_id: str
    reason: str
    amount: str
    returned_line: str = ""
    reopened: list[str] = field(default_factory=list)  # invoice numbers


@dataclass
class StatementReport:
    statement_id: str
    account: str
    format: str
    period: list[str | None]
    lines: int
    new_lines: int = 0
    duplicate_lines: list[str] = field(default_factory=list)
    duplicate: bool = False  # the statement was imported before: nothing stored


@dataclass
class ImportReport:
    file_name: str
    kind: str
    dry_run: bool
    duplicate_file: bool = False
    statements: list[StatementReport] = field(default_factory=list)
    returns: list[ReturnReport] = field(default_factory=list)
    #: what matching did with the credit lines not matched yet (see banking/matching.py)
    matching: dict[str, Any] = field(default_factory=dict)

    @property
    def new_lines(self) -> int:
        return sum(s.new_lines for s in self.statements)

    @property
    def duplicate_lines(self) -> int:
        return sum(len(s.duplicate_lines) for s in self.statements)

    def as_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["new_lines"] = self.new_lines
        body["duplicate_lines_total"] = self.duplicate_lines
        body["duplicate_statements"] = sum(1 for s in self.statements if s.duplicate)
        return body


class _Rollback(Exception):
    """Raised inside the transaction of a dry run to undo it."""


def read_file(
    data: bytes,
    file_name: str,
    kind: str | None = None,
    *,
    mapping: CsvMapping | None = None,
) -> tuple[str, list[Statement]]:
    """(kind, statements) of a file; `kind` None recognises camt, OFX and CFONB."""
    if kind is None:
        kind = detect(data)
        if kind is None:
            raise StatementRefused(
                StatementError(
                    file_name, "", "", "not a camt, OFX or CFONB 120 file (give the kind)"
                )
            )
    if kind not in KINDS:
        raise StatementRefused(
            StatementError(file_name, "", "kind", f"unknown statement format '{kind}'")
        )
    try:
        return kind, get_reader(kind, mapping).read(data, file_name)
    except StatementError as exc:
        if not exc.file:
            exc = StatementError(file_name, exc.where, exc.field, exc.why)
        raise StatementRefused(exc) from None


def import_statements(
    creditor: Creditor,
    data: bytes,
    file_name: str,
    kind: str | None = None,
    *,
    mapping: CsvMapping | None = None,
    account: str | None = None,
    dry_run: bool = False,
    user: object | None = None,
    match: bool = False,
) -> ImportReport:
    """Import every statement of a file for `creditor` (see the module docstring).

    With `match` (the command line and the API ask for it), the credit lines not matched yet
    are then matched to open invoices in the same transaction
    (`relance.banking.matching.apply_matching`): in a dry run the report shows what would
    be applied, and nothing is.

    `account`: the IBAN the file must be for (every statement's account must be it).
    Raises StatementRefused (a BadInput) when the file cannot be read; nothing is
    written then.
    """
    kind, statements = read_file(data, file_name, kind, mapping=mapping)
    wanted = account.replace(" ", "").upper() if account else ""
    if wanted:
        for st in statements:
            if st.account_iban != wanted:
                raise StatementRefused(
                    StatementError(
                        file_name,
                        "",
                        "account",
                        f"the statement {st.statement_id} is for account {st.account_iban}, "
                        f"not {wanted}",
                    )
                )
    sha = hashlib.sha256(data).hexdigest()
    report = ImportReport(file_name=file_name, kind=kind, dry_run=dry_run)
    try:
        with transaction.atomic():
            _import(creditor, statements, file_name, sha, report, user)
            if match:
                from relance.banking.matching import apply_matching

                report.matching = apply_matching(creditor, user=user).summary()
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return report


def _import(
    creditor: Creditor,
    statements: list[Statement],
    file_name: str,
    sha: str,
    report: ImportReport,
    user: object | None,
) -> None:
    known_file = BankStatement.objects.filter(creditor=creditor, file_sha256=sha).exists()
    report.duplicate_file = known_file
    by_user = user if getattr(user, "is_authenticated", False) else None
    for st in statements:
        item = StatementReport(
            statement_id=st.statement_id,
            account=st.account_iban,
            format=st.format,
            period=[
                st.period_start.isoformat() if st.period_start else None,
                st.period_end.isoformat() if st.period_end else None,
            ],
            lines=len(st.lines),
        )
        report.statements.append(item)
        if known_file:
            item.duplicate = True
            continue
        bank_account, _created = BankAccount.objects.get_or_create(
            creditor=creditor, iban=st.account_iban[:64]
        )
        statement_id = st.statement_id[:140]
        if BankStatement.objects.filter(account=bank_account, statement_id=statement_id).exists():
            item.duplicate = True
            continue
        try:
            with transaction.atomic():
                stored = BankStatement.objects.create(
                    creditor=creditor,
                    account=bank_account,
                    statement_id=statement_id,
                    format=st.format,
                    currency=st.currency,
                    period_start=st.period_start,
                    period_end=st.period_end,
                    opening_minor=st.opening_balance.minor if st.opening_balance else None,
                    closing_minor=st.closing_balance.minor if st.closing_balance else None,
                    file_name=file_name[:255],
                    file_sha256=sha,
                    imported_by=by_user,  # type: ignore[misc]
                )
        except IntegrityError:  # imported at the same moment by someone else
            item.duplicate = True
            continue
        _store_lines(creditor, bank_account, stored, st.lines, item, report)


def _store_lines(
    creditor: Creditor,
    account: BankAccount,
    statement: BankStatement,
    lines: tuple[StatementLine, ...],
    item: StatementReport,
    report: ImportReport,
) -> None:
    ids = [line.line_id for line in lines]
    seen = set(
        BankLine.objects.filter(account=account, line_id__in=ids).values_list("line_id", flat=True)
    )
    fresh: list[BankLine] = []
    for line in lines:
        if line.line_id in seen:
            item.duplicate_lines.append(line.line_id)
            continue
        seen.add(line.line_id)
        fresh.append(
            BankLine(
                creditor=creditor,
                account=account,
                statement=statement,
                line_id=line.line_id,
                booking_date=line.booking_date,
                value_date=line.value_date,
                amount_minor=line.amount.minor,
                currency=line.amount.currency,
                kind=line.kind.value,
                counterparty_name=line.counterparty_name[:200],
                counterparty_iban=line.counterparty_iban[:34],
                counterparty_bic=line.counterparty_bic[:11],
                references=list(line.references),
                end_to_end_id=line.end_to_end_id[:140],
                uetr=line.uetr[:64],
                bank_reference=line.bank_reference[:140],
                return_reason=line.return_reason[:35],
                source_line=line.source_line[:200],
            )
        )
    try:
        with transaction.atomic():
            created = BankLine.objects.bulk_create(fresh)
    except IntegrityError as exc:  # a concurrent import stored some of them first
        raise BadInput(
            f"{statement.file_name}: lines of statement {statement.statement_id} were stored "
            f"by another import at the same time; import the file again ({exc})"
        ) from exc
    item.new_lines = len(created)
    for stored in created:
        if stored.kind == LineKind.RETURN:
            report.returns.append(_apply_return(creditor, stored))


def _returned_line(creditor: Creditor, line: BankLine) -> BankLine | None:
    """The one earlier credit line with a payment that `line` returns, or None.

    By end-to-end id, else by UETR; else a credit of the same amount sharing one of
    the return's references. Never a guess: two candidates are none.
    """
    credits = BankLine.objects.filter(
        creditor=creditor, kind=LineKind.CREDIT, payment__isnull=False
    ).exclude(pk=line.pk)
    for field_name in ("end_to_end_id", "uetr"):
        value = getattr(line, field_name)
        if value:
            found = list(credits.filter(**{field_name: value})[:2])
            if found:
                return found[0] if len(found) == 1 else None
    references = set(line.references)
    if not references:
        return None
    same_amount = credits.filter(amount_minor=abs(line.amount_minor), currency=line.currency)
    found = [c for c in same_amount[:50] if references & set(c.references)]
    return found[0] if len(found) == 1 else None


def _apply_return(creditor: Creditor, line: BankLine) -> ReturnReport:
    result = ReturnReport(line_id=line.line_id, reason=line.return_reason, amount=str(line.amount))
    original = _returned_line(creditor, line)
    if original is None:
        line.status = LineStatus.TO_REVIEW
        line.save(update_fields=["status"])
        return result
    assert original.payment_id is not None
    result.returned_line = original.line_id
    locked = Payment.objects.select_for_update().get(pk=original.payment_id)
    for allocation in locked.allocations.select_related("invoice").order_by("id"):
        result.reopened.append(allocation.invoice.number)
        unallocate(allocation)
    line.returned_line = original
    line.status = LineStatus.MATCHED
    line.save(update_fields=["returned_line", "status"])
    return result


def record_payment(line: BankLine, payment: Payment) -> BankLine:
    """Mark `line` as the origin of `payment` (called by the matching step)."""
    if line.creditor_id != payment.creditor_id:
        raise BadInput("the bank line and the payment belong to different creditors")
    if line.kind != LineKind.CREDIT:
        raise BadInput(f"only a credit line produces a payment, not a {line.kind} line")
    line.payment = payment
    line.status = LineStatus.MATCHED
    line.save(update_fields=["payment", "status"])
    return line


def set_status(line: BankLine, status: str) -> BankLine:
    """Change a line's status (to review, ignored…)."""
    if status not in LineStatus.values:
        raise BadInput(f"'{status}' is not a line status ({', '.join(LineStatus.values)})")
    line.status = status
    line.save(update_fields=["status"])
    return line
