"""A debtor's reply read by transparent rules: what it probably is, and what it says.

    suggestion = classify(subject, text, headers, received_on)
    suggestion.kind        # Kind.PROMISE
    suggestion.rules       # every rule that fired, with the words it fired on
    suggestion.date        # the date promised (or paid on), when one is written
    suggestion.amount      # the first amount written with its currency

Kinds: promise to pay, dispute, payment made (remittance advice), copy of an invoice
requested, out of office (automatic reply), other. A person confirms or changes the
suggestion: the rules only save typing and explain themselves.

How it reads:

- Headers first: ``Auto-Submitted`` (anything but "no"), ``X-Autoreply``,
  ``X-Autorespond``, ``Precedence: auto_reply`` and out-of-office subjects make it an
  automatic reply, whatever the text says.
- Only the new part of the text is read (`new_text`): the quoted reminder below a reply
  speaks of invoices and amounts and would fire every rule.
- Words are compared without accents and case ("reglerons" = "réglerons").
- When rules of several kinds fire, the first of DISPUTE, PROMISE, PAYMENT_MADE,
  INVOICE_COPY wins (a dispute must never be missed; "paid half, the rest on the 30th" is
  a promise); the others stay listed. An out-of-office sentence in the body ("je suis
  absent") decides only when nothing else fired.
- Dates: ``15/01``, ``15/01/2025``, ``15.01.25``, ``2025-01-15``, ``15 janvier``,
  ``1er février 2025``, ``January 15th``, ``15 January``, ``demain``/``tomorrow``,
  ``fin du mois``/``end of the month``. A date without a year takes the year that puts it
  closest to the day the reply was received.
- Amounts: with a currency before or after, French or English separators:
  ``1 234,56 €``, ``1.234,56 EUR``, ``€1,234.56``, ``EUR 500``, ``500 euros``.

Pure functions; nothing here reads a clock.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from html.parser import HTMLParser

from relance.domain.money import MoneyError, parse_amount


class Kind(StrEnum):
    PROMISE = "promise"
    DISPUTE = "dispute"
    PAYMENT_MADE = "payment_made"
    INVOICE_COPY = "invoice_copy"
    OUT_OF_OFFICE = "out_of_office"
    OTHER = "other"


#: When rules of several kinds fire, the first kind of this list wins.
PRECEDENCE = (Kind.DISPUTE, Kind.PROMISE, Kind.PAYMENT_MADE, Kind.INVOICE_COPY)


@dataclass(frozen=True, slots=True)
class Fired:
    """One rule that fired: its code, the kind it points to, and what it fired on."""

    rule: str
    kind: Kind
    evidence: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: Kind
    rules: tuple[Fired, ...]
    date: date | None = None
    amount: Decimal | None = None
    currency: str = ""

    def fields(self) -> dict[str, str]:
        """The extracted fields as text (stored as JSON): date, amount, currency."""
        found: dict[str, str] = {}
        if self.date is not None:
            found["date"] = self.date.isoformat()
        if self.amount is not None:
            found["amount"] = str(self.amount)
            found["currency"] = self.currency
        return found


# --- text -----------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes and spaces made plain."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return (
        plain.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u00a0", " ")
        .replace("\u202f", " ")
        .lower()
    )


_WROTE = re.compile(r"(a ecrit|wrote|^\s*ecrit)\s*:\s*$")
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|message d'origine|message original|forwarded message"
    r"|message transfere)\s*-{2,}"
)
_HEADER_FROM = re.compile(r"^\s*\*?(de|from)\s*:\*?\s")
_HEADER_NEXT = re.compile(r"^\s*\*?(envoye|sent|objet|subject|date|a|to)\s*:\*?\s")
_RULE = re.compile(r"^\s*_{10,}\s*$")


def new_text(text: str) -> str:
    """The part of a reply its author wrote: quoted lines and what follows the first
    "On … wrote:", "Le … a écrit :", "-----Original Message-----" or Outlook header
    block ("De : … Envoyé : … Objet : …") are left out."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        folded = fold(line)
        if _WROTE.search(folded):
            if (
                kept
                and re.match(r"^\s*(le|on)\s", fold(kept[-1]))
                and not re.match(r"^\s*(le|on)\s", folded)
            ):
                kept.pop()  # "Le lun. 3 mars 2025 à 10:00, X <x@y> a" / "écrit :"
            break
        if _ORIGINAL.match(folded) or _RULE.match(line):
            break
        if _HEADER_FROM.match(folded) and any(
            _HEADER_NEXT.match(fold(following)) for following in lines[index + 1 : index + 5]
        ):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


class _TextOf(HTMLParser):
    """HTML → plain text: the text only; scripts, styles and heads are dropped, blocks
    end lines. Nothing is ever rendered or fetched."""

    SKIP = frozenset({"script", "style", "head", "title", "template", "noscript"})
    BLOCK = frozenset(
        {
            "p",
            "div",
            "br",
            "tr",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "table",
            "blockquote",
            "pre",
            "hr",
            "ul",
            "ol",
            "section",
            "article",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body (no markup, no script, blank lines squeezed)."""
    parser = _TextOf()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # a malformed declaration: keep what was read
        pass
    lines = [
        re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in "".join(parser.parts).split("\n")
    ]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- amounts ----------------------------------------------------------------------------

_CURRENCIES = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "$": "USD",
    "usd": "USD",
    "£": "GBP",
    "gbp": "GBP",
    "chf": "CHF",
}
_CUR = r"(€|eur\b|euros?\b|\$|usd\b|£|gbp\b|chf\b)"
_NUMBER = r"(\d{1,3}(?:[ .,']\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
_AMOUNT_AFTER = re.compile(rf"(?<![\w.,]){_NUMBER}\s?{_CUR}")
_AMOUNT_BEFORE = re.compile(rf"{_CUR}\s?{_NUMBER}(?![\d])")


@dataclass(frozen=True, slots=True)
class Amount:
    value: Decimal
    currency: str
    start: int
    end: int


def find_amounts(text: str) -> list[Amount]:
    """Amounts written with a currency, in the order they appear."""
    folded = fold(text)
    found: list[Amount] = []
    taken: list[tuple[int, int]] = []
    for regex, number_group, currency_group in ((_AMOUNT_AFTER, 1, 2), (_AMOUNT_BEFORE, 2, 1)):
        for match in regex.finditer(folded):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            try:
                value = parse_amount(match.group(number_group))
            except MoneyError:
                continue
            currency = _CURRENCIES[match.group(currency_group)]
            found.append(Amount(value, currency, match.start(), match.end()))
            taken.append((match.start(), match.end()))
    return sorted(found, key=lambda a: a.start)


# --- dates --------------------------------------------------------------------------------

_MONTHS = {
    "janvier": 1,
    "janv": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:er|st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(\d{4}))?"
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_NUMERIC = re.compile(
    r"(?<![\d.,/])(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{4}|\d{2}))?(?![\d/]|[.,]\d)"
)
_DAY_MONTH = re.compile(rf"(?<!\d){_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}(?!\w)")
_MONTH_DAY = re.compile(rf"(?<!\w){_MONTH}\s+{_DAY}{_YEAR}(?!\w)")
_TOMORROW = re.compile(r"\b(demain|tomorrow)\b")
_MONTH_END = re.compile(r"\b(fin (du|de) mois|fin du mois en cours|end of (the |this )?month)\b")


@dataclass(frozen=True, slots=True)
class Found:
    day: date
    start: int
    written: str


def _closest(month: int, day: int, reference: date) -> date | None:
    best: date | None = None
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((candidate - reference).days) < abs((best - reference).days):
            best = candidate
    return best


def _make(year: str | None, month: int, day: int, reference: date) -> date | None:
    if not year:
        return _closest(month, day, reference)
    full = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full, month, day)
    except ValueError:
        return None


def find_dates(text: str, reference: date) -> list[Found]:
    """Dates written in `text`, in the order they appear (amounts are not read as dates)."""
    folded = fold(text)
    for amount in find_amounts(text):
        folded = folded[: amount.start] + " " * (amount.end - amount.start) + folded[amount.end :]
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def add(day: date | None, match: re.Match[str]) -> None:
        if day is None or any(match.start() < e and s < match.end() for s, e in taken):
            return
        found.append(Found(day, match.start(), match.group(0).strip()))
        taken.append((match.start(), match.end()))

    for match in _ISO.finditer(folded):
        add(_make(match.group(1), int(match.group(2)), int(match.group(3)), reference), match)
    for match in _DAY_MONTH.finditer(folded):
        add(_make(match.group(3), _MONTHS[match.group(2)], int(match.group(1)), reference), match)
    for match in _MONTH_DAY.finditer(folded):
        add(_make(match.group(3), _MONTHS[match.group(1)], int(match.group(2)), reference), match)
    for match in _NUMERIC.finditer(folded):
        first, second = int(match.group(1)), int(match.group(2))
        day, month = (first, second) if second <= 12 else (second, first)  # day first
        add(_make(match.group(3), month, day, reference), match)
    for match in _TOMORROW.finditer(folded):
        add(reference + timedelta(days=1), match)
    for match in _MONTH_END.finditer(folded):
        last = calendar.monthrange(reference.year, reference.month)[1]
        add(reference.replace(day=last), match)
    return sorted(found, key=lambda f: f.start)


# --- rules ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    kind: Kind
    pattern: re.Pattern[str]


def _rule(code: str, kind: Kind, pattern: str) -> Rule:
    return Rule(code, kind, re.compile(pattern))


_PAY_WORD = r"(virement|paiement|reglement|cheque|versement)"
_PAID_FR = r"(reglee?s?|payee?s?|soldee?s?|viree?s?|effectuee?s?|envoyee?s?|emise?s?)"

#: Rules on the new text of the reply (folded: lower case, no accents).
TEXT_RULES: tuple[Rule, ...] = (
    # dispute
    _rule(
        "dispute_fr",
        Kind.DISPUTE,
        r"\b(contest\w*|litige|desaccord|reclamation|non conformes?|erronee?s?"
        r"|erreur (sur|dans) (la|votre|cette|les|vos) factures?|pas (ete )?commandee?s?"
        r"|jamais commandee?s?|defectueu\w*|endommagee?s?|avariee?s?)\b",
    ),
    _rule(
        "dispute_not_received_fr",
        Kind.DISPUTE,
        r"\b(n'avons|n'ai|n'a) (pas|jamais) (encore )?(recu|eu) (la|les|votre|vos|cette) "
        r"(marchandises?|livraisons?|prestations?|commandes?|produits?|materiel)",
    ),
    _rule(
        "dispute_refusal_fr",
        Kind.DISPUTE,
        r"\b(ne (paierons|payerons|reglerons|paierai|payerai|reglerai|payons|reglons) pas"
        r"|refus\w* de (payer|regler)|ne sommes pas (redevables|debiteurs))",
    ),
    _rule(
        "dispute_credit_note_fr",
        Kind.DISPUTE,
        r"\b(merci de|pouvez-vous|pourriez-vous|devez|demandons)\s+(nous\s+)?"
        r"(faire|etablir|emettre|un)\s+(un\s+)?avoir",
    ),
    _rule(
        "dispute_en",
        Kind.DISPUTE,
        r"\b(dispute\w*|disagree\w*|contest\w*|incorrect|wrong (amount|invoice|price)"
        r"|not ordered|never ordered|damaged|defective|faulty|overcharged|complaint)\b",
    ),
    _rule(
        "dispute_refusal_en",
        Kind.DISPUTE,
        r"\b(will not|won't|refuse to|are not going to) pay\b"
        r"|\b(never|not) received the (goods|delivery|order|products?)\b",
    ),
    _rule(
        "dispute_credit_note_en",
        Kind.DISPUTE,
        r"\b(issue|send) (us )?a credit note\b",
    ),
    # promise to pay
    _rule(
        "promise_explicit",
        Kind.PROMISE,
        r"\b(promesse de (paiement|reglement)|promise to pay|engageons a (payer|regler))\b",
    ),
    _rule(
        "promise_future_fr",
        Kind.PROMISE,
        r"\b(reglerons|reglerai|paierons|paierai|payerons|payerai|procederons|procederai"
        r"|effectuerons|effectuerai|virerons|virerai|solderons|solderai|enverrons|enverrai)\b",
    ),
    _rule(
        "promise_going_to_fr",
        Kind.PROMISE,
        r"\b(allons|vais|va|pourrons|pourrai)\s+(vous\s+)?(regler|payer|proceder|effectuer"
        r"|faire le (virement|paiement|reglement)|virer|solder|envoyer (le|un|notre) "
        + _PAY_WORD
        + ")",
    ),
    _rule(
        "promise_passive_fr",
        Kind.PROMISE,
        r"\b(sera|seront)\s+(bien\s+)?(tres bientot\s+)?" + _PAID_FR + r"\b",
    ),
    _rule(
        "promise_scheduled_fr",
        Kind.PROMISE,
        r"\b" + _PAY_WORD + r"\s+(est\s+|sera\s+)?(prevu|programme|planifie|en cours)\b",
    ),
    _rule(
        "promise_en",
        Kind.PROMISE,
        r"\b(will|shall|going to|plan to|intend to|expect to)\s+(be\s+)?"
        r"(pay|paid|settle|settled|transfer|transferred|wire|wired|process|processed"
        r"|send (the |a |our )?payment)\b",
    ),
    _rule(
        "promise_scheduled_en",
        Kind.PROMISE,
        r"\b(payment|transfer|remittance) (is |has been )?(scheduled|planned|booked)\b",
    ),
    # payment made
    _rule(
        "paid_advice",
        Kind.PAYMENT_MADE,
        r"\b(avis de (virement|paiement|reglement)|justificatif de (virement|paiement|reglement)"
        r"|preuve de (virement|paiement)|remittance advice|payment advice|proof of payment"
        r"|ordre de virement)\b",
    ),
    _rule(
        "paid_past_fr",
        Kind.PAYMENT_MADE,
        r"\b(avons|ai|a)\s+(bien\s+)?(deja\s+)?(regle|paye|vire|solde)\b"
        r"|\b(avons|ai|a)\s+(bien\s+)?(deja\s+)?(effectue|procede a|passe|emis|envoye|realise)"
        r"\s+(le |un |au |notre |votre |ce )?" + _PAY_WORD,
    ),
    _rule(
        "paid_passive_fr",
        Kind.PAYMENT_MADE,
        r"\b" + _PAY_WORD + r"\s+(a|ont)\s+(bien\s+)?(deja\s+)?ete\s+(effectue|envoye|emis|realise"
        r"|passe|execute|fait)|\b(a|ont)\s+(bien\s+)?(deja\s+)?ete\s+(reglee?s?|payee?s?"
        r"|soldee?s?)\b|\b" + _PAY_WORD + r"\s+(est\s+)?parti\b",
    ),
    _rule(
        "paid_en",
        Kind.PAYMENT_MADE,
        r"\b(have|has|had)\s+(already\s+)?(been\s+)?(paid|settled|transferred|wired"
        r"|sent (the |a |our )?payment|made (the |a |our )?payment)\b"
        r"|\b(was|were)\s+(already\s+)?(paid|settled|transferred|wired)\b"
        r"|\bpayment (was|has been) (made|sent|processed|executed|released)\b"
        r"|\bwe (paid|settled|transferred|wired)\b",
    ),
    # copy of the invoice
    _rule(
        "copy_fr",
        Kind.INVOICE_COPY,
        r"\b(copie|duplicata|double)\s+(de\s+|des\s+|du\s+)?(la\s+|cette\s+|votre\s+|vos\s+)?"
        r"factures?\b|\b(renvoyer|renvoyez|transmettre|retransmettre|envoyer|faire parvenir)"
        r"\s+(nous\s+|moi\s+)?(a nouveau\s+)?(la|les|cette|vos|votre|une copie de la)\s+factures?"
        r"|\b(pas|jamais)\s+(encore\s+)?(recu|eu)\s+(la|cette|votre|vos|les)\s+factures?\b",
    ),
    _rule(
        "copy_en",
        Kind.INVOICE_COPY,
        r"\b(copy|copies|duplicate)\s+of\s+(the\s+|this\s+|your\s+)?invoices?\b"
        r"|\b(resend|re-send|send (us|me)( again)?)\s+(the|this|that|a copy of the)\s+invoices?\b"
        r"|\b(never|not|didn't|did not|haven't|have not)\s+(yet\s+)?(received|got)\s+"
        r"(the|this|your|any)\s+invoices?\b",
    ),
    # out of office, in the body: decides only when nothing else fired
    _rule(
        "absent_body",
        Kind.OUT_OF_OFFICE,
        r"\b(je suis|nous sommes) (actuellement )?(absente?s?|en conges|en vacances)\b"
        r"|\b(i am|i'm|we are) (currently )?(out of (the )?office|on (annual )?leave"
        r"|away from)\b",
    ),
)

_AUTO_SUBJECT = re.compile(
    r"^\s*(re\s*:\s*|tr\s*:\s*|aw\s*:\s*)*(out of (the )?office|automatic reply|auto(matic)?"
    r"[- ]?reply|autoreply|reponse automatique|reponse auto|absence|absente?\b|abwesenheit"
    r"|auto\s*:|away from (the )?office|message automatique)"
)


def _header_rules(subject: str, headers: Mapping[str, str]) -> list[Fired]:
    fired: list[Fired] = []
    lowered = {name.lower(): value for name, value in headers.items()}
    auto = lowered.get("auto-submitted", "").strip().lower()
    if auto and auto != "no":
        fired.append(Fired("header_auto_submitted", Kind.OUT_OF_OFFICE, f"Auto-Submitted: {auto}"))
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if name in lowered:
            fired.append(Fired("header_" + name.replace("-", "_"), Kind.OUT_OF_OFFICE, name))
    precedence = lowered.get("precedence", "").strip().lower()
    if precedence == "auto_reply":
        fired.append(Fired("header_precedence", Kind.OUT_OF_OFFICE, f"Precedence: {precedence}"))
    found = _AUTO_SUBJECT.match(fold(subject))
    if found:
        fired.append(Fired("subject_out_of_office", Kind.OUT_OF_OFFICE, found.group(0).strip()))
    return fired


def classify(
    subject: str,
    text: str,
    headers: Mapping[str, str],
    received_on: date,
) -> Suggestion:
    """The suggested kind of a reply, the rules that fired and the fields found.

    `text` is the whole plain-text body (its quoted part is left out here); `headers`
    the message's headers by name (any case); `received_on` the day it arrived, for
    dates written without a year."""
    automatic = _header_rules(subject, headers)
    body = new_text(text)
    folded = fold(subject + "\n" + body)
    fired: list[Fired] = list(automatic)
    for rule in TEXT_RULES:
        match = rule.pattern.search(folded)
        if match:
            fired.append(Fired(rule.code, rule.kind, match.group(0).strip()))
    kinds = {f.kind for f in fired}
    if automatic:
        kind = Kind.OUT_OF_OFFICE
    else:
        kind = next((k for k in PRECEDENCE if k in kinds), None) or (
            Kind.OUT_OF_OFFICE if Kind.OUT_OF_OFFICE in kinds else Kind.OTHER
        )
    amounts = find_amounts(body)
    dates = find_dates(body, received_on)
    chosen: date | None = None
    if kind is Kind.PROMISE:
        future = [d.day for d in dates if d.day >= received_on]
        chosen = future[0] if future else (dates[0].day if dates else None)
    elif kind is Kind.PAYMENT_MADE:
        past = [d.day for d in dates if d.day <= received_on]
        chosen = past[0] if past else (dates[0].day if dates else None)
    elif kind is Kind.OUT_OF_OFFICE:
        chosen = next((d.day for d in dates if d.day >= received_on), None)  # back on
    amount = amounts[0] if amounts and kind is not Kind.OUT_OF_OFFICE else None
    return Suggestion(
        kind=kind,
        rules=tuple(fired),
        date=chosen,
        amount=amount.value if amount else None,
        currency=amount.currency if amount else "",
    )
