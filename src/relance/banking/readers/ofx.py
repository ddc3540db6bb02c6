"""OFX bank and credit-card statements: 1.x (SGML, unclosed leaf tags) and 2.x (XML).

One tolerant tree builder reads both (and the files that declare XML but leave
leaf tags open, as some banks do): a tag followed by text is a leaf; a tag followed
by another tag is an aggregate, closed by its end tag. No DTD and no entity is ever
read: a DOCTYPE or an ENTITY declaration is refused.

What is read: every STMTRS / CCSTMTRS (several accounts per file), CURDEF,
BANKACCTFROM (BANKID, BRANCHID, ACCTID, ACCTKEY: a French bank code + branch +
account number becomes an IBAN, the RIB key computed when ACCTKEY is absent; an
ACCTID that is an IBAN is taken as is) or CCACCTFROM, every BANKTRANLIST (DTSTART,
DTEND, STMTTRN: DTPOSTED, DTAVAIL, TRNAMT, FITID, NAME or PAYEE/NAME, MEMO,
REFNUM, CHECKNUM; TRNTYPE is not kept, the sign of TRNAMT decides credit or debit)
and LEDGERBAL as the closing balance. Dates keep the day
written by the bank (the time and time zone are dropped).
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field, replace
from datetime import date

from relance.banking.readers.base import (
    StatementError,
    check_currency,
    clean_text,
    content_id,
    digest,
    exact_money,
    unique_ids,
)
from relance.banking.readers.safexml import refuse_dtd
from relance.domain.money import Money
from relance.domain.statements import LineKind, Statement, StatementLine

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9._]*)\s*>")
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})")
_AMOUNT = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_MAX_DEPTH = 64


@dataclass
class Node:
    tag: str
    text: str = ""
    line: int = 0
    children: list[Node] = field(default_factory=list)

    def child(self, tag: str) -> Node | None:
        for node in self.children:
            if node.tag == tag:
                return node
        return None

    def value(self, path: str) -> str:
        node: Node | None = self
        for part in path.split("/"):
            node = node.child(part) if node is not None else None
        return node.text if node is not None else ""

    def find_all(self, tag: str) -> list[Node]:
        """Every descendant named `tag` (not looking inside a match)."""
        found: list[Node] = []
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            if node.tag == tag:
                found.append(node)
            else:
                stack.extend(reversed(node.children))
        return found


def parse_tree(text: str, file: str) -> Node:
    """The OFX element tree of `text` (from <OFX> on)."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(pos: int) -> int:
        return bisect.bisect_right(starts, pos)

    root = Node("ROOT")
    stack = [root]
    pending: Node | None = None  # the last leaf, whose end tag is optional
    tokens = list(_TAG.finditer(text))
    for i, token in enumerate(tokens):
        closing, tag = token.group(1) == "/", token.group(2).upper()
        end = tokens[i + 1].start() if i + 1 < len(tokens) else len(text)
        following = text[token.end() : end]
        if closing:
            if pending is not None and pending.tag == tag:
                pending = None
                continue
            pending = None
            for depth in range(len(stack) - 1, 0, -1):
                if stack[depth].tag == tag:
                    del stack[depth:]
                    break
            else:
                raise StatementError(
                    file, f"line {line_of(token.start())}", tag, f"</{tag}> closes nothing"
                )
            continue
        pending = None
        node = Node(tag, line=line_of(token.start()))
        stack[-1].children.append(node)
        value = following.strip()
        next_closes_it = (
            i + 1 < len(tokens)
            and tokens[i + 1].group(1) == "/"
            and tokens[i + 1].group(2).upper() == tag
        )
        if value or next_closes_it:
            node.text = html.unescape(_CDATA.sub(lambda m: html.escape(m.group(1)), value))
            pending = node
        else:
            if len(stack) > _MAX_DEPTH:
                raise StatementError(file, f"line {node.line}", tag, "elements nested too deeply")
            stack.append(node)
    return root


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def ofx_date(value: str, file: str, line: int, name: str) -> date:
    found = _DATE.match(value.strip())
    if found is None:
        raise StatementError(
            file,
            f"line {line}",
            name,
            f"'{value}' is not an OFX date (YYYYMMDD…)" if value.strip() else "missing date",
        )
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        raise StatementError(file, f"line {line}", name, f"'{value}' is not a valid date") from None


def _amount(value: str, currency: str, file: str, line: int, name: str) -> Money:
    raw = value.strip().replace(" ", "")
    if not _AMOUNT.match(raw):
        raise StatementError(
            file,
            f"line {line}",
            name,
            f"'{value.strip()}' is not an amount" if raw else "missing amount",
        )
    if "," in raw and "." not in raw:
        raw = raw.replace(",", ".")
    return exact_money(raw, currency, file, f"line {line}", name)


_RIB_LETTERS = {
    c: str(v)
    for v, cs in enumerate(("", "AJ", "BKS", "CLT", "DMU", "ENV", "FOW", "GPX", "HQY", "IRZ"))
    for c in cs
}


def _rib_digits(text: str) -> str:
    return "".join(_RIB_LETTERS.get(c, c) for c in text.upper())


def french_iban(bank: str, branch: str, account: str, key: str = "") -> str:
    """The IBAN of a French RIB (bank 5 digits, branch 5 digits, account 11, key 2), or ""."""
    account = account.strip().upper()
    if not (
        re.fullmatch(r"\d{5}", bank)
        and re.fullmatch(r"\d{5}", branch)
        and re.fullmatch(r"[0-9A-Z]{11}", account)
    ):
        return ""
    number = int(_rib_digits(bank + branch + account))
    computed = 97 - (89 * int(bank) + 15 * int(branch) + 3 * (number % 10**11)) % 97
    if key and key != f"{computed:02d}":
        return ""
    bban = f"{bank}{branch}{account}{computed:02d}"
    numeric = int("".join(str(int(c, 36)) for c in bban + "FR00"))
    return f"FR{98 - numeric % 97:02d}{bban}"


def _is_iban(text: str) -> bool:
    value = text.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[0-9A-Z]{10,30}", value):
        return False
    numeric = int("".join(str(int(c, 36)) for c in value[4:] + value[:4]))
    return numeric % 97 == 1


def _account(stmt: Node) -> str:
    bank_acct = stmt.child("BANKACCTFROM")
    if bank_acct is not None:
        bank = bank_acct.value("BANKID")
        branch = bank_acct.value("BRANCHID")
        acct = bank_acct.value("ACCTID")
        key = bank_acct.value("ACCTKEY")
        if _is_iban(acct):
            return acct.replace(" ", "").upper()
        iban = french_iban(bank, branch, acct, key)
        if iban:
            return iban
        return "-".join(p for p in (bank, branch, acct.replace(" ", "")) if p)
    cc = stmt.child("CCACCTFROM")
    if cc is not None:
        return cc.value("ACCTID").replace(" ", "")
    return ""


class OfxReader:
    kind = "ofx"

    def identify(self, data: bytes) -> bool:
        head = data[:4096].upper()
        return b"OFXHEADER" in head or b"<OFX>" in head

    def read(self, data: bytes, filename: str) -> list[Statement]:
        refuse_dtd(data, filename)
        text = _decode(data)
        start = text.upper().find("<OFX>")
        if start < 0:
            raise StatementError(filename, "line 1", "OFX", "no <OFX> element: not an OFX file")
        header = text[:start]
        fmt = (
            "ofx-2"
            if "<?OFX" in header.upper()
            else "ofx-1"
            if "OFXHEADER" in header.upper()
            else "ofx"
        )
        offset_lines = header.count("\n")
        body = _COMMENT.sub("", text[start:])
        tree = parse_tree(body, filename)
        statements: list[Statement] = []
        for index, stmt in enumerate(tree.find_all("STMTRS") + tree.find_all("CCSTMTRS"), 1):
            statements.append(_statement(stmt, filename, fmt, offset_lines, index))
        if not statements:
            raise StatementError(
                filename, "", "STMTRS", "no bank (STMTRS) or card (CCSTMTRS) statement in the file"
            )
        return statements


def _statement(stmt: Node, file: str, fmt: str, offset: int, index: int) -> Statement:
    def ln(node: Node) -> int:
        return node.line + offset

    account = _account(stmt)
    if not account:
        raise StatementError(file, f"line {ln(stmt)}", "BANKACCTFROM", "no account identifier")
    currency = stmt.value("CURDEF")
    if not currency:
        # some banks leave CURDEF empty and name the currency on each transaction
        currency = next(
            (
                n.value("CURRENCY/CURSYM")
                for n in stmt.find_all("STMTTRN")
                if n.value("CURRENCY/CURSYM")
            ),
            "",
        )
    if not currency:
        raise StatementError(file, f"line {ln(stmt)}", "CURDEF", "no currency (CURDEF is empty)")
    currency = check_currency(currency, file, f"line {ln(stmt)}", "CURDEF")
    lines: list[StatementLine] = []
    starts: list[date] = []
    ends: list[date] = []
    for tranlist in stmt.find_all("BANKTRANLIST"):
        for name, into in (("DTSTART", starts), ("DTEND", ends)):
            node = tranlist.child(name)
            if node is not None and node.text:
                into.append(ofx_date(node.text, file, ln(node), name))
        for trn in tranlist.find_all("STMTTRN"):
            lines.append(_line(trn, file, currency, account, ln(trn)))
    ids = unique_ids(line.line_id for line in lines)
    lines = [replace(line, line_id=line_id) for line, line_id in zip(lines, ids, strict=True)]
    closing = None
    ledgers = stmt.find_all("LEDGERBAL")  # SGML files may leave BANKTRANLIST open before it
    ledger = ledgers[-1] if ledgers else None
    if ledger is not None and ledger.value("BALAMT"):
        node = ledger.child("BALAMT")
        assert node is not None
        closing = _amount(node.text, currency, file, ln(node), "BALAMT")
    period_start = min(starts) if starts else None
    period_end = max(ends) if ends else None
    return Statement(
        statement_id=digest(
            account, period_start, period_end, index, *sorted(line.line_id for line in lines)
        ),
        account_iban=account,
        currency=currency,
        format=fmt,
        lines=tuple(lines),
        opening_balance=None,
        closing_balance=closing,
        period_start=period_start,
        period_end=period_end,
    )


def _line(trn: Node, file: str, currency: str, account: str, line: int) -> StatementLine:
    def at(name: str) -> int:
        node = trn.child(name)
        return node.line + (line - trn.line) if node is not None else line

    posted = trn.value("DTPOSTED")
    if not posted:
        raise StatementError(file, f"line {line}", "DTPOSTED", "a transaction without DTPOSTED")
    booking = ofx_date(posted, file, at("DTPOSTED"), "DTPOSTED")
    avail = trn.value("DTAVAIL")
    value_date = ofx_date(avail, file, at("DTAVAIL"), "DTAVAIL") if avail else None
    amount = _amount(trn.value("TRNAMT"), currency, file, at("TRNAMT"), "TRNAMT")
    name = clean_text(trn.value("NAME") or trn.value("PAYEE/NAME"), 200)
    memo = clean_text(trn.value("MEMO"))
    references = tuple(
        dict.fromkeys(
            r
            for r in (memo, clean_text(trn.value("REFNUM")), clean_text(trn.value("CHECKNUM")))
            if r and r != "0"
        )
    )
    fitid = trn.value("FITID").strip()
    result = StatementLine(
        line_id="",
        booking_date=booking,
        value_date=value_date,
        amount=amount,
        kind=LineKind.CREDIT if amount.is_positive else LineKind.DEBIT,
        counterparty_name=name,
        references=references,
        bank_reference=fitid[:140],
        source_line=f"line {line}",
    )
    return replace(result, line_id=fitid[:140] or content_id(result, account))
