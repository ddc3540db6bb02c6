"""ISO 20022 camt.052 (account report), camt.053 (statement), camt.054 (notification).

Schema versions .001.02 to .001.08, read by local element names under whatever
namespace the document declares (the elements used here did not move between those
versions, except the party name which gained a `Pty` level in .08, read both ways).

What is read, per statement (Rpt / Stmt / Ntfctn):
- Id, account (Acct/Id/IBAN, or Acct/Id/Othr/Id), currency, period (FrToDt);
- balances: opening = OPBD, else PRCD; closing = CLBD, else the last ITBD;
- booked entries (Sts BOOK; pending and information entries are left out: they are
  not money on the account). A batch-booked entry with several TxDtls is split into
  one line per TxDtls when every one of them gives its own amount in the entry's
  currency; otherwise it stays one line carrying the references of all of them.
- per line: amount and sign, booking and value dates, AcctSvcrRef, structured
  creditor references (CdtrRefInf/Ref, RF… included), unstructured remittance
  (Ustrd), end-to-end id, UETR, counterparty (debtor of a credit, creditor of a
  debit) with IBAN and BIC, and returns: RtrInf (reason Rsn/Cd or Prtry), a reversal
  (RvslInd) or a return bank transaction code (UPDD, RRTN) make a `LineKind.RETURN`.
Amounts with more decimals than the currency allows are accepted only when the extra
digits are zeros (see `base.exact_money`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from lxml import etree

from relance.banking.readers import safexml
from relance.banking.readers.base import (
    StatementError,
    check_currency,
    clean_text,
    content_id,
    digest,
    exact_money,
    parse_iso_date,
    unique_ids,
)
from relance.domain.money import Money
from relance.domain.statements import LineKind, Statement, StatementLine

_NS = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(\d\d)$")
#: message number → (message element, statement element)
_MESSAGES = {
    "052": ("BkToCstmrAcctRpt", "Rpt"),
    "053": ("BkToCstmrStmt", "Stmt"),
    "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
VERSIONS = ("02", "03", "04", "05", "06", "07", "08")
#: bank transaction sub-family codes that mean "this is money coming back"
_RETURN_CODES = frozenset({"UPDD", "RRTN"})
_NOT_PROVIDED = frozenset({"", "NOTPROVIDED", "NONREF"})


def _ref(value: str) -> str:
    """A bank reference, or "" for the placeholders banks write when they have none."""
    return "" if value.upper() in _NOT_PROVIDED else value


class _Doc:
    """Element lookups under one namespace, by local-name paths ("Acct/Id/IBAN")."""

    def __init__(self, ns: str, file: str) -> None:
        self.ns = ns
        self.file = file

    def q(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{part}" for part in path.split("/"))

    def find(self, el: etree._Element, path: str) -> etree._Element | None:
        return el.find(self.q(path))

    def all(self, el: etree._Element, path: str) -> list[etree._Element]:
        return list(el.iterfind(self.q(path)))

    def text(self, el: etree._Element | None, path: str) -> str:
        if el is None:
            return ""
        found = el.find(self.q(path))
        if found is None or found.text is None:
            return ""
        return str(found.text).strip()

    def first(self, el: etree._Element | None, *paths: str) -> str:
        for path in paths:
            value = self.text(el, path)
            if value:
                return value
        return ""

    def date(self, el: etree._Element, path: str, where: str) -> date | None:
        """`path`/Dt or `path`/DtTm as a date."""
        for sub in ("Dt", "DtTm"):
            node = self.find(el, f"{path}/{sub}")
            if node is not None and (node.text or "").strip():
                return parse_iso_date(node.text or "", self.file, _at(node, where), f"{path}/{sub}")
        return None

    def money(self, el: etree._Element, where: str, default_ccy: str) -> Money:
        """An <Amt Ccy="…"> element as Money."""
        ccy = check_currency(el.get("Ccy") or default_ccy, self.file, _at(el, where), "Amt@Ccy")
        return exact_money(el.text or "", ccy, self.file, _at(el, where), "Amt")


def _at(el: etree._Element, where: str) -> str:
    line = el.sourceline
    return f"line {line} ({where})" if line else where


def _version(el: etree._Element) -> tuple[str, str, str] | None:
    """(namespace, message number, version) of a camt Document element, or None."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if not tag.startswith("{"):
        return None
    ns, _, local = tag[1:].partition("}")
    found = _NS.match(ns)
    if local != "Document" or found is None:
        return None
    return ns, found.group(1), found.group(2)


def _document(root: etree._Element) -> tuple[etree._Element, tuple[str, str, str]] | None:
    """The camt Document: the root, or inside an envelope (a business application header)."""
    for el in root.iter():
        found = _version(el)
        if found is not None:
            return el, found
    return None


class CamtReader:
    kind = "camt"

    def identify(self, data: bytes) -> bool:
        return b"urn:iso:std:iso:20022:tech:xsd:camt.05" in data[:4096]

    def read(self, data: bytes, filename: str) -> list[Statement]:
        found_doc = _document(safexml.parse(data, filename))
        if found_doc is None:
            raise StatementError(
                filename,
                "line 1",
                "Document",
                "not a camt.052, camt.053 or camt.054 document (namespace "
                "urn:iso:std:iso:20022:tech:xsd:camt.05x.001.xx expected)",
            )
        root, (ns, message, version) = found_doc
        if version not in VERSIONS:
            raise StatementError(
                filename,
                "line 1",
                "Document",
                f"camt.{message}.001.{version} is not supported (versions .02 to .08 are)",
            )
        doc = _Doc(ns, filename)
        message_tag, statement_tag = _MESSAGES[message]
        body = doc.find(root, message_tag)
        if body is None:
            raise StatementError(
                filename, "line 1", message_tag, f"no {message_tag} element in the document"
            )
        fmt = f"camt.{message}.001.{version}"
        statements = []
        for index, node in enumerate(doc.all(body, statement_tag), 1):
            statements.append(
                _statement(doc, node, f"{statement_tag}[{index}]", fmt, digest(data, index))
            )
        if not statements:
            raise StatementError(
                filename, _at(body, message_tag), statement_tag, f"no {statement_tag} element"
            )
        return statements


def _statement(
    doc: _Doc, node: etree._Element, where: str, fmt: str, fallback_id: str
) -> Statement:
    file = doc.file
    account = doc.first(node, "Acct/Id/IBAN", "Acct/Id/Othr/Id").replace(" ", "").upper()
    if not account:
        raise StatementError(file, _at(node, where), "Acct/Id", "no account identifier")
    currency = doc.text(node, "Acct/Ccy")
    if not currency:
        amt = doc.find(node, "Bal/Amt")
        if amt is None:
            amt = doc.find(node, "Ntry/Amt")
        currency = (amt.get("Ccy") or "") if amt is not None else ""
    if not currency:
        raise StatementError(file, _at(node, where), "Acct/Ccy", "no currency for the account")
    currency = check_currency(currency, file, _at(node, where), "Acct/Ccy")
    opening, closing = _balances(doc, node, where, currency)
    period_start = None
    start_text = doc.text(node, "FrToDt/FrDtTm") or doc.text(node, "FrToDt/FrDt")
    end_text = doc.text(node, "FrToDt/ToDtTm") or doc.text(node, "FrToDt/ToDt")
    if start_text:
        period_start = parse_iso_date(start_text, file, _at(node, where), "FrToDt/FrDtTm")
    period_end = (
        parse_iso_date(end_text, file, _at(node, where), "FrToDt/ToDtTm") if end_text else None
    )
    created_text = doc.text(node, "CreDtTm")
    created = (
        parse_iso_date(created_text, file, _at(node, where), "CreDtTm") if created_text else None
    )
    lines: list[StatementLine] = []
    for index, entry in enumerate(doc.all(node, "Ntry"), 1):
        lines.extend(_entry(doc, entry, f"{where}/Ntry[{index}]", currency, account, created))
    ids = unique_ids(line.line_id for line in lines)
    lines = [replace(line, line_id=line_id) for line, line_id in zip(lines, ids, strict=True)]
    return Statement(
        statement_id=doc.text(node, "Id") or fallback_id,
        account_iban=account,
        currency=currency,
        format=fmt,
        lines=tuple(lines),
        opening_balance=opening,
        closing_balance=closing,
        period_start=period_start,
        period_end=period_end,
    )


def _signed(doc: _Doc, el: etree._Element, amount: Money, where: str) -> Money:
    indicator = doc.text(el, "CdtDbtInd")
    if indicator == "DBIT":
        return -amount
    if indicator == "CRDT":
        return amount
    raise StatementError(
        doc.file,
        _at(el, where),
        "CdtDbtInd",
        f"'{indicator}' is not CRDT or DBIT" if indicator else "missing",
    )


def _balances(
    doc: _Doc, node: etree._Element, where: str, currency: str
) -> tuple[Money | None, Money | None]:
    found: dict[str, list[Money]] = {}
    for index, bal in enumerate(doc.all(node, "Bal"), 1):
        here = f"{where}/Bal[{index}]"
        code = doc.first(bal, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
        amt = doc.find(bal, "Amt")
        if amt is None:
            raise StatementError(doc.file, _at(bal, here), "Amt", "a balance without amount")
        value = _signed(doc, bal, doc.money(amt, here, currency), here)
        if value.currency != currency:
            continue  # not a balance of this account (seen only in test files)
        found.setdefault(code, []).append(value)
    opening_list = found.get("OPBD") or found.get("PRCD") or []
    closing_list = found.get("CLBD") or found.get("ITBD", [])[-1:]
    opening = opening_list[0] if opening_list else None
    closing = closing_list[0] if closing_list else None
    return opening, closing


def _entry(
    doc: _Doc,
    entry: etree._Element,
    where: str,
    currency: str,
    account: str,
    created: date | None,
) -> list[StatementLine]:
    status = doc.first(entry, "Sts/Cd", "Sts")
    if status and status != "BOOK":
        return []
    amt = doc.find(entry, "Amt")
    if amt is None:
        raise StatementError(doc.file, _at(entry, where), "Amt", "an entry without amount")
    amount = _signed(doc, entry, doc.money(amt, where, currency), where)
    booking = doc.date(entry, "BookgDt", where)
    value = doc.date(entry, "ValDt", where)
    if booking is None:
        # a notification may give no date at all: the day the bank reported it
        booking = value or created
    if booking is None:
        raise StatementError(
            doc.file, _at(entry, where), "BookgDt", "an entry without booking or value date"
        )
    entry_ref = _ref(doc.first(entry, "AcctSvcrRef", "NtryRef"))
    reversal = doc.text(entry, "RvslInd").lower() in {"true", "1"}
    return_code = doc.text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd") in _RETURN_CODES
    txs = doc.all(entry, "NtryDtls/TxDtls")
    tx_amounts = [
        _tx_amount(doc, tx, f"{where}/TxDtls[{i}]", amount) for i, tx in enumerate(txs, 1)
    ]
    split = len(txs) > 1 and all(
        a is not None and a.currency == amount.currency for a in tx_amounts
    )
    facts = _EntryFacts(
        booking_date=booking,
        value_date=value,
        entry_ref=entry_ref,
        returned=reversal or return_code,
        account=account,
        extra=clean_text(doc.text(entry, "AddtlNtryInf")),
    )
    if split:
        return [
            _line(doc, [tx], a, f"{where}/TxDtls[{i}]", tx, i, facts)
            for i, (tx, a) in enumerate(zip(txs, tx_amounts, strict=True), 1)
            if a is not None
        ]
    return [_line(doc, txs, amount, where, entry, 0, facts)]


@dataclass(frozen=True, slots=True)
class _EntryFacts:
    """What an entry gives every line made of it."""

    booking_date: date
    value_date: date | None
    entry_ref: str
    returned: bool
    account: str
    extra: str


def _tx_amount(doc: _Doc, tx: etree._Element, where: str, entry_amount: Money) -> Money | None:
    amt = doc.find(tx, "Amt")
    if amt is None:
        amt = doc.find(tx, "AmtDtls/TxAmt/Amt")
    if amt is None:
        return None
    value = doc.money(amt, where, entry_amount.currency)
    if doc.text(tx, "CdtDbtInd"):
        return _signed(doc, tx, value, where)
    return -value if entry_amount.is_negative else value


def _line(
    doc: _Doc,
    txs: list[etree._Element],
    amount: Money,
    where: str,
    anchor: etree._Element,
    index: int,
    facts: _EntryFacts,
) -> StatementLine:
    entry_ref, extra, account = facts.entry_ref, facts.extra, facts.account
    references: list[str] = []
    end_to_end = uetr = tx_ref = reason = ""
    name = iban = bic = ""
    is_return = facts.returned
    for tx in txs:
        for strd in doc.all(tx, "RmtInf/Strd"):
            ref = clean_text(doc.text(strd, "CdtrRefInf/Ref"))
            if ref:
                references.append(ref)
        for ustrd in doc.all(tx, "RmtInf/Ustrd"):
            text = clean_text(ustrd.text)
            if text:
                references.append(text)
        e2e = doc.text(tx, "Refs/EndToEndId")
        if e2e.upper() not in _NOT_PROVIDED and not end_to_end:
            end_to_end = e2e
        uetr = uetr or doc.text(tx, "Refs/UETR")
        tx_ref = tx_ref or _ref(doc.text(tx, "Refs/AcctSvcrRef"))
        rtr = doc.find(tx, "RtrInf")
        if rtr is not None:
            is_return = True
            reason = reason or doc.first(rtr, "Rsn/Cd", "Rsn/Prtry")
    if not references and extra:
        references.append(extra)
    if end_to_end and end_to_end not in references:
        references.append(end_to_end)
    if txs:
        # the customer: who paid us (debtor of a credit, and of a returned direct
        # debit), or who we paid (creditor of a debit)
        first, second = ("Dbtr", "Cdtr") if amount.is_positive or is_return else ("Cdtr", "Dbtr")
        tx = txs[0]
        for party in (first, second):
            name = clean_text(
                doc.first(tx, f"RltdPties/{party}/Nm", f"RltdPties/{party}/Pty/Nm"), 200
            )
            iban = doc.first(tx, f"RltdPties/{party}Acct/Id/IBAN").replace(" ", "").upper()
            bic = doc.first(
                tx,
                f"RltdAgts/{party}Agt/FinInstnId/BIC",
                f"RltdAgts/{party}Agt/FinInstnId/BICFI",
            )
            if name or iban:
                break
    if is_return:
        kind = LineKind.RETURN
    else:
        kind = LineKind.CREDIT if amount.is_positive else LineKind.DEBIT
    line = StatementLine(
        line_id="",
        booking_date=facts.booking_date,
        value_date=facts.value_date,
        amount=amount,
        kind=kind,
        counterparty_name=name,
        counterparty_iban=iban[:34],
        counterparty_bic=bic[:11],
        references=tuple(dict.fromkeys(references)),
        end_to_end_id=end_to_end,
        bank_reference=tx_ref or entry_ref,
        return_reason=reason[:35],
        source_line=_at(anchor, where),
        uetr=uetr,
    )
    if index and tx_ref:
        line_id = tx_ref
    elif index and entry_ref:
        line_id = f"{entry_ref}/{index}"
    elif entry_ref:
        line_id = entry_ref
    elif tx_ref:
        line_id = tx_ref
    else:
        line_id = content_id(line, account)
    return replace(line, line_id=line_id[:140])
