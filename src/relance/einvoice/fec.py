"""`relance import fec FILE`: customers, invoices, credit notes, payments and their lettering
from a Fichier des Écritures Comptables (A47 A-1 LPF; 18 standard columns).

Reading: `|` or tab separated, UTF-8 or ISO-8859-1, amounts with a comma or a dot, dates
YYYYMMDD. Only the lines on customer accounts (CompteNum starting with 411) are taken:

- the customer is the auxiliary account (CompAuxNum, name CompAuxLib), or the 411 account
  itself when there is none; found by external reference, or created;
- a debit is an invoice; a credit is a payment when its entry (JournalCode + EcritureNum) also
  moves a bank or cash account (5…), a credit note otherwise;
- the invoice or credit note number is PieceRef when it names one document only, otherwise
  ``JournalCode-EcritureNum`` (many FECs give one PieceRef to a month of sales), followed by
  ``-1``, ``-2``… when the entry has several customer lines (opening balances);
- FEC has no due dates: the due date is the issue date plus the creditor's payment terms;
- lettering: the lines of a customer sharing an EcritureLet code are allocated to each other,
  credits to debits in date order, dated DateLet (or the latest line's date).

All or nothing: every line is checked first and any error refuses the whole file. Records
that already exist (same number, or same payment reference ``fec:Journal:Num:Account``) are
left unchanged and not lettered again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.customers.models import Customer
from relance.domain.money import Money, MoneyError, parse_amount
from relance.ledger.models import CreditNote, Invoice, Payment, PaymentMethod
from relance.ledger.services import allocate

COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
MAX_BYTES = 200 * 1024 * 1024
FEC_SOURCE = "fec"


@dataclass(frozen=True)
class Line:
    line: int
    journal: str
    entry: str
    day: date
    account: str
    customer_key: str
    customer_name: str
    piece: str
    label: str
    debit: Decimal
    credit: Decimal
    letter: str
    letter_date: date | None


@dataclass
class FecError:
    line: int
    field: str
    message: str


@dataclass
class FecImport:
    file: str
    dry_run: bool
    lines: int = 0
    customer_lines: int = 0
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[FecError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "dry_run": self.dry_run,
            "lines": self.lines,
            "customer_lines": self.customer_lines,
            "created": dict(self.created),
            "unchanged": dict(self.unchanged),
            "errors": [
                {"line": e.line, "field": e.field, "message": e.message} for e in self.errors
            ],
        }


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1")


def _day(text: str) -> date:
    t = text.strip()
    if len(t) != 8 or not t.isdigit():
        raise ValueError(f"'{t}' is not a date written YYYYMMDD")
    return date(int(t[:4]), int(t[4:6]), int(t[6:]))


def _amount(text: str) -> Decimal:
    t = text.strip()
    return Decimal(0) if not t else parse_amount(t)


def read_lines(data: bytes, name: str, result: FecImport) -> list[Line]:
    """The customer-account lines of the FEC `data`; errors go to `result.errors`."""
    text = _decode(data)
    rows = text.splitlines()
    if not rows:
        raise BadInput(f"{name}: empty file")
    sep = "|" if rows[0].count("|") >= rows[0].count("\t") else "\t"
    header = [h.strip().lower() for h in rows[0].split(sep)]
    lacking = [c for c in COLUMNS if c.lower() not in header]
    if lacking:
        raise BadInput(
            f"{name}: line 1: not a FEC, missing column(s) {', '.join(lacking)} "
            "(the 18 standard columns separated by | or tab)"
        )
    at = {c: header.index(c.lower()) for c in COLUMNS}
    out: list[Line] = []
    for number, raw in enumerate(rows[1:], start=2):
        if not raw.strip():
            continue
        result.lines += 1
        cells = raw.split(sep)
        if len(cells) < len(COLUMNS):
            result.errors.append(
                FecError(number, "", f"{len(cells)} columns, {len(COLUMNS)} expected")
            )
            continue

        def cell(column: str, cells: list[str] = cells) -> str:
            return cells[at[column]].strip()

        if not cell("CompteNum").startswith("411"):
            continue
        result.customer_lines += 1
        try:
            fields = {"EcritureDate": _day(cell("EcritureDate"))}
            piece_date = _day(cell("PieceDate")) if cell("PieceDate") else None
            letter_date = _day(cell("DateLet")) if cell("DateLet") else None
        except ValueError as exc:
            result.errors.append(FecError(number, "EcritureDate/PieceDate/DateLet", str(exc)))
            continue
        try:
            debit, credit = _amount(cell("Debit")), _amount(cell("Credit"))
        except MoneyError as exc:
            result.errors.append(FecError(number, "Debit/Credit", str(exc)))
            continue
        if debit < 0 or credit < 0 or (debit and credit):
            result.errors.append(
                FecError(number, "Debit/Credit", "one of Debit or Credit, not negative")
            )
            continue
        out.append(
            Line(
                line=number,
                journal=cell("JournalCode"),
                entry=cell("EcritureNum"),
                day=piece_date or fields["EcritureDate"],
                account=cell("CompteNum"),
                customer_key=cell("CompAuxNum") or cell("CompteNum"),
                customer_name=cell("CompAuxLib") or cell("CompteLib"),
                piece=cell("PieceRef"),
                label=cell("EcritureLib"),
                debit=debit,
                credit=credit,
                letter=cell("EcritureLet"),
                letter_date=letter_date,
            )
        )
    return out


def _bank_entries(data: bytes) -> set[tuple[str, str]]:
    """(journal, entry) of the entries that move a bank or cash account (5…)."""
    text = _decode(data)
    rows = text.splitlines()
    sep = "|" if rows[0].count("|") >= rows[0].count("\t") else "\t"
    header = [h.strip().lower() for h in rows[0].split(sep)]
    j, e, a = (header.index(c.lower()) for c in ("JournalCode", "EcritureNum", "CompteNum"))
    found = set()
    for raw in rows[1:]:
        cells = raw.split(sep)
        if len(cells) > max(j, e, a) and cells[a].strip().startswith("5"):
            found.add((cells[j].strip(), cells[e].strip()))
    return found


def import_fec(
    creditor: Creditor, path: Path, *, dry_run: bool = False, user: Any = None
) -> FecImport:
    result = FecImport(file=path.name, dry_run=dry_run)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise BadInput(f"{path.name}: larger than {MAX_BYTES} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path.name}: cannot read ({exc.strerror})") from None
    lines = read_lines(data, path.name, result)
    if result.errors:
        return result
    banks = _bank_entries(data)
    currency = creditor.currency
    debit_pieces: dict[str, int] = defaultdict(int)
    credit_pieces: dict[str, int] = defaultdict(int)
    per_entry: dict[tuple[str, str, bool], list[int]] = defaultdict(list)
    for ln in lines:
        (debit_pieces if ln.debit else credit_pieces)[ln.piece] += 1
        per_entry[(ln.journal, ln.entry, bool(ln.debit))].append(ln.line)

    def number(ln: Line, counts: dict[str, int]) -> str:
        if ln.piece and counts[ln.piece] == 1:
            return ln.piece
        same = per_entry[(ln.journal, ln.entry, bool(ln.debit))]
        # an entry with several customer lines (opening balances): one document per line
        suffix = f"-{same.index(ln.line) + 1}" if len(same) > 1 else ""
        return f"{ln.journal}-{ln.entry}{suffix}"

    with transaction.atomic():
        customers: dict[str, Customer] = {}
        records: dict[int, tuple[str, Any]] = {}  # line → (kind, record) created now
        for ln in lines:
            if ln.customer_key not in customers:
                found = Customer.objects.filter(
                    creditor=creditor, external_ref=ln.customer_key
                ).first()
                if found is None:
                    found = Customer.objects.create(
                        creditor=creditor,
                        external_ref=ln.customer_key,
                        legal_name=ln.customer_name or ln.customer_key,
                        currency=currency,
                    )
                    result.created["customers"] += 1
                customers[ln.customer_key] = found
            customer = customers[ln.customer_key]
            amount = Money.of(ln.debit or ln.credit, currency)
            if amount.is_zero:
                continue
            if ln.debit:
                num = number(ln, debit_pieces)
                if Invoice.objects.filter(creditor=creditor, number=num).exists():
                    result.unchanged["invoices"] += 1
                    continue
                invoice = Invoice.objects.create(
                    creditor=creditor,
                    customer=customer,
                    number=num[:64],
                    issue_date=ln.day,
                    due_date=creditor.payment_terms.due_date(ln.day),
                    currency=currency,
                    total_incl_tax_minor=amount.minor,
                    source=FEC_SOURCE,
                )
                records[ln.line] = ("invoice", invoice)
                result.created["invoices"] += 1
            elif (ln.journal, ln.entry) in banks:
                ref = f"fec:{ln.journal}:{ln.entry}:{ln.customer_key}"[:100]
                if Payment.objects.filter(creditor=creditor, external_ref=ref).exists():
                    result.unchanged["payments"] += 1
                    continue
                payment = Payment.objects.create(
                    creditor=creditor,
                    customer=customer,
                    external_ref=ref,
                    date=ln.day,
                    currency=currency,
                    amount_minor=amount.minor,
                    method=PaymentMethod.TRANSFER,
                    reference=ln.label[:200],
                    source=FEC_SOURCE,
                )
                records[ln.line] = ("payment", payment)
                result.created["payments"] += 1
            else:
                num = number(ln, credit_pieces)
                if CreditNote.objects.filter(creditor=creditor, number=num).exists():
                    result.unchanged["credit_notes"] += 1
                    continue
                note = CreditNote.objects.create(
                    creditor=creditor,
                    customer=customer,
                    number=num[:64],
                    issue_date=ln.day,
                    currency=currency,
                    total_incl_tax_minor=amount.minor,
                    reason=ln.label[:200],
                    source=FEC_SOURCE,
                )
                records[ln.line] = ("credit_note", note)
                result.created["credit_notes"] += 1
        result.created["allocations"] += _letter(lines, records, user)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _letter(lines: list[Line], records: dict[int, tuple[str, Any]], user: Any) -> int:
    """Allocate, within each (customer, lettering code), credits to debits in date order."""
    groups: dict[tuple[str, str], list[Line]] = defaultdict(list)
    for ln in lines:
        if ln.letter and ln.line in records:
            groups[(ln.customer_key, ln.letter)].append(ln)
    count = 0
    for group in groups.values():
        group.sort(key=lambda ln: (ln.day, ln.line))
        debits = [records[ln.line][1] for ln in group if records[ln.line][0] == "invoice"]
        on = max((ln.letter_date or ln.day) for ln in group)
        for ln in group:
            kind, origin = records[ln.line]
            if kind == "invoice":
                continue
            left = origin.amount_minor if kind == "payment" else origin.total_incl_tax_minor
            for invoice in debits:
                invoice.refresh_from_db(fields=["allocated_minor"])
                owed = invoice.total_incl_tax_minor - invoice.allocated_minor
                if left <= 0:
                    break
                if owed <= 0:
                    continue
                take = min(owed, left)
                allocate(
                    invoice,
                    payment=origin if kind == "payment" else None,
                    credit_note=origin if kind == "credit_note" else None,
                    amount=Money.from_minor(take, invoice.currency),
                    on=max(on, invoice.issue_date),
                    user=user,
                    source=FEC_SOURCE,
                )
                left -= take
                count += 1
    return count


__all__ = ["FecImport", "import_fec", "read_lines"]
