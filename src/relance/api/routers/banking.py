"""Bank statements through the API: upload a camt, OFX or CFONB 120 file; list statements."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _
from ninja import Field, File, Form, P, QueryEx, Router, Schema
from ninja.files import UploadedFile

from relance.api.auth import caller
from relance.api.common import Limit, Offset, amount_text, page, page_body
from relance.api.errors import COMMON, WRITE, forbidden, invalid, not_found
from relance.api.schemas import Id, Input, Page
from relance.banking.models import BankLine, BankStatement
from relance.banking.readers.csvfile import CsvMapping
from relance.creditors.models import Creditor

router = Router(tags=["banking"])


class BankFormat(StrEnum):
    camt = "camt"
    ofx = "ofx"
    cfonb = "cfonb"
    csv = "csv"


class StatementImportOut(Schema):
    statement_id: str
    account: str
    format: str
    period: list[str | None]
    lines: int = Field(description="Lines in the file for this statement.")
    new_lines: int = Field(description="Lines stored (0 in a dry run's database, counted anyway).")
    duplicate_lines: list[str] = Field(description="Line ids already stored for this account.")
    duplicate: bool = Field(description="The statement was imported before: nothing stored.")


class ReturnOut(Schema):
    line_id: str
    reason: str
    amount: str
    returned_line: str = Field(description="The earlier line reversed, or empty (to review).")
    reopened: list[str] = Field(description="Numbers of the invoices open again.")


class BankImportOut(Schema):
    ok: bool
    dry_run: bool
    kind: str
    duplicate_file: bool
    new_lines: int
    statements: list[StatementImportOut]
    returns: list[ReturnOut]


class BankStatementOut(Schema):
    id: int
    account: str
    statement_id: str
    format: str
    currency: str
    period_start: date | None
    period_end: date | None
    opening_balance: str | None
    closing_balance: str | None
    file_name: str
    imported_at: datetime
    lines: int


class BankStatementPage(Page):
    items: list[BankStatementOut]


def _csv_mapping(
    kind: BankFormat | None, text: str | None, account: str | None
) -> CsvMapping | None:
    """The CsvMapping of a CSV upload; StatementError when absent or not valid."""
    from relance.banking.readers.base import StatementError

    if kind != BankFormat.csv:
        return None
    if not text:
        raise StatementError("mapping", "", "mapping", "a CSV needs its column mapping")
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StatementError("mapping", "", "mapping", f"not JSON: {exc.msg}") from None
    if not isinstance(values, dict):
        raise StatementError("mapping", "", "mapping", "expected a JSON object")
    if account and not values.get("account"):
        values["account"] = account
    return CsvMapping.from_dict(values, "mapping")


def _line_number(where: str) -> int | None:
    found = re.match(r"line (\d+)", where)
    return int(found.group(1)) if found else None


@router.post(
    "/bank-statements",
    response={200: BankImportOut, **WRITE},
    summary="Import a bank statement file (camt.052/053/054, OFX, CFONB 120)",
)
def import_bank_statement(
    request: Any,
    file: File[UploadedFile],
    mapping: Form[str | None] = None,
    kind: BankFormat | None = None,
    dry_run: bool = False,
    account: QueryEx[
        str | None, P(max_length=64, description="The IBAN the file must be for.")
    ] = None,
) -> Any:
    """The format is recognised when `kind` is not given. Statements and lines already
    imported are reported as duplicates and not stored again; a dry run writes nothing.
    A CSV (`kind=csv`) needs `mapping`, a JSON object of the column mapping
    (docs/banking.md), e.g. `{"date": "Date", "amount": "Montant"}`; `account` fills
    its account."""
    who = caller(request)
    who.need_ledger_write()
    limit = settings.RELANCE_IMPORT_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise invalid(
            _("The file is too large (%(size)s bytes, at most %(limit)s).")
            % {"size": file.size, "limit": limit},
            [{"field": "file", "message": _("The file is too large."), "code": "file_too_large"}],
        )
    from relance.banking.readers.base import StatementError
    from relance.banking.services import StatementRefused, import_statements

    creditor = Creditor.objects.get(pk=who.creditor_id)
    try:
        csv_mapping = _csv_mapping(kind, mapping, account)
        report = import_statements(
            creditor,
            file.read(),
            file.name or "upload",
            str(kind) if kind else None,
            mapping=csv_mapping,
            account=account,
            dry_run=dry_run,
            user=who.user,
            match=True,
        )
    except (StatementRefused, StatementError) as exc:
        error = exc.error if isinstance(exc, StatementRefused) else exc
        raise invalid(
            _("The statement file was refused, nothing was imported: %(why)s")
            % {"why": str(error)},
            [
                {
                    "field": error.field or None,
                    "message": error.why,
                    "code": "bad_statement",
                    "line": _line_number(error.where),
                }
            ],
        ) from None
    body = report.as_dict()
    return {"ok": True, **body}


@router.get(
    "/bank-statements",
    response={200: BankStatementPage, **COMMON},
    summary="Bank statements imported, newest first",
)
def list_bank_statements(request: Any, limit: Limit = 50, offset: Offset = 0) -> Any:
    who = caller(request)
    qs = BankStatement.objects.filter(creditor_id=who.creditor_id).select_related("account")
    count, items = page(qs.order_by("-imported_at", "-id"), limit, offset)
    counts: dict[int, int] = {}
    for statement_pk, n in (
        BankLine.objects.filter(statement__in=[s.pk for s in items])
        .values("statement")
        .annotate(n=Count("id"))
        .values_list("statement", "n")
    ):
        counts[int(statement_pk)] = int(n)
    return page_body(
        count,
        limit,
        offset,
        [
            {
                "id": s.pk,
                "account": s.account.iban,
                "statement_id": s.statement_id,
                "format": s.format,
                "currency": s.currency,
                "period_start": s.period_start,
                "period_end": s.period_end,
                "opening_balance": amount_text(s.opening_minor, s.currency)
                if s.opening_minor is not None
                else None,
                "closing_balance": amount_text(s.closing_minor, s.currency)
                if s.closing_minor is not None
                else None,
                "file_name": s.file_name,
                "imported_at": s.imported_at,
                "lines": counts.get(s.pk, 0),
            }
            for s in items
        ],
    )


class LineDecisionIn(Input):
    decision: Literal["accept", "assign", "ignore"]
    invoices: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="For assign: invoice numbers, applied in this order up to the amount.",
    )


class LineDecisionOut(Schema):
    line: int
    status: str
    payment: int | None


@router.post(
    "/bank-lines/{pk}/decide",
    response={200: LineDecisionOut, **WRITE},
    summary="Decide a bank line under review: accept the proposal, assign it to invoices, "
    "or ignore it",
)
def decide_line(request: Any, pk: Id, payload: LineDecisionIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    if not who.membership.sees_all_customers:
        raise forbidden(_("Bank lines are for the roles that see every customer."))
    from relance.banking.matching import accept, assign, ignore

    creditor = Creditor.objects.get(pk=who.creditor_id)
    if not BankLine.objects.filter(creditor=creditor, pk=pk).exists():
        raise not_found(_("Bank line %(id)s not found.") % {"id": pk})
    if payload.decision == "accept":
        accept(creditor, pk, who.user)
    elif payload.decision == "assign":
        assign(creditor, pk, payload.invoices, who.user)
    else:
        ignore(creditor, pk)
    line = BankLine.objects.get(pk=pk)
    return {"line": line.pk, "status": line.status, "payment": line.payment_id}
