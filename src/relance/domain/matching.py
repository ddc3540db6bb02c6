"""Cash application: which open invoices does each bank credit pay?

Entry point::

    match(lines, candidates, settings) -> list[Decision]

`lines` are `StatementLine`s (only credits are matched); `candidates` are the open
invoices of one creditor (`OpenInvoice`); `settings` a `MatchSettings`. One `Decision`
per line, in the order of `lines`: an outcome (``auto``, ``review``, ``none``), the
ranked `Proposal`s (invoice ids and amounts to allocate, a score, its reasons) and a
suggestion for the reviewer. Nothing is written: the caller applies ``auto`` decisions
and queues the others.

Set-based: the candidates are indexed once (by RF reference, by invoice-number key, by
payer IBAN, by open amount, by customer, by name word); each line then costs a few
dictionary look-ups, a name comparison or two and, for grouped payments, a bounded
subset search over one customer's invoices.

Score (0 … 100, the sum of the signals below, capped)
------------------------------------------------------

=====================================================  ======
signal (for the invoices of a proposal)                points
=====================================================  ======
valid RF reference of the invoice(s)                   60
invoice number(s) found in the text with the prefix    50
invoice number(s) found without the prefix             40
near reference (one character wrong or two swapped)    35
  — only among invoices of the exact amount, and only
  when no invoice written exactly fits the amount
some, not all, of the proposal's invoices named        25
amount equals the open balance (one or several)        35
amount within the tolerance setting                    25
partial payment or over-payment                        0
payer IBAN known for the customer (only customer)      35
payer IBAN known for this and other customers          15
payer IBAN known for another customer only (said)      0
payer name similar ≥ 0.95 / ≥ `name_threshold`         20 / 10
paid between the issue date and 90 days after due      5
paid before the invoice was issued                     −30
=====================================================  ======

What is applied automatically (``auto``): the best proposal settles its invoices in
full (exact amount, or within the tolerance), scores at least `auto_threshold` (70),
is not one of several combinations that fit, leads the next proposal by at least
`margin` (15) points, and no proposal for another customer reaches `auto_threshold`.
So a reference alone is not enough (the amount must agree), an IBAN alone is not
enough (it names the customer, the amount must single out the invoices), and two
customers that fit always go to review. In one call, an invoice claimed by two
``auto`` lines sends both to review (a duplicate payment or a wrong reference).

Everything else with a proposal of at least `review_threshold` (30) points is
``review``, with a suggestion: ``partial`` (allocate to the named invoice, the rest
stays open), ``overpayment`` (settle and keep the excess on account or reassign it),
``split`` (the line pays invoices of several customers), ``ambiguous`` (several
invoices or customers fit), ``duplicate``; below that, ``none``.
"""

from __future__ import annotations

import bisect
import gc
import itertools
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import TypeVar

from relance.domain.money import Money, exponent
from relance.domain.names import name_tokens, similar_enough
from relance.domain.references import Numbering, compact, find_rf
from relance.domain.statements import LineKind, StatementLine

Id = Hashable


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An invoice that can still be paid, with what identifies its customer.

    `open_amount` is what remains to be paid (invoices with nothing open are ignored).
    The customer's name is read from its first invoice; its IBANs are the union over
    its invoices. `rf_reference` may be empty.
    """

    invoice_id: Id
    customer_id: Id
    number: str
    rf_reference: str
    open_amount: Money
    issue_date: date
    due_date: date
    customer_name: str = ""
    customer_ibans: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """How sure the engine must be. Amount tolerance is in currency units (0.50 = 50 cents)."""

    numbering: tuple[str, ...] = ()
    tolerance: Decimal = Decimal(0)
    auto_threshold: int = 70
    review_threshold: int = 30
    margin: int = 15
    name_threshold: float = 0.85
    max_group: int = 5  # at most this many invoices in a grouped payment found by amount
    max_group_invoices: int = 40  # the subset search looks at a customer's oldest N invoices
    search_budget: int = 20_000  # steps of one subset search
    max_amount_candidates: int = 50  # an amount shared by more invoices says nothing
    max_proposals: int = 5


class Outcome(StrEnum):
    AUTO = "auto"
    REVIEW = "review"
    NONE = "none"


class Fit(StrEnum):
    EXACT = "exact"
    TOLERANCE = "tolerance"
    PARTIAL = "partial"
    OVER = "over"


@dataclass(frozen=True, slots=True)
class Reason:
    """One signal: a stable code (for translation and statistics), its points, an English text."""

    code: str
    points: int
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Allocation:
    invoice_id: Id
    amount: Money


@dataclass(frozen=True, slots=True)
class Proposal:
    """Invoices (of one customer, or several for a split) and what to allocate to each."""

    customer_ids: tuple[Id, ...]
    allocations: tuple[Allocation, ...]
    fit: Fit
    score: int
    reasons: tuple[Reason, ...]
    unallocated: Money  # what the line leaves over (an over-payment), zero otherwise
    ambiguous: bool = False  # another combination fits as well, or the search was cut


@dataclass(frozen=True, slots=True)
class Decision:
    line_id: str
    outcome: Outcome
    proposals: tuple[Proposal, ...] = ()
    confidence: int = 0
    reasons: tuple[Reason, ...] = ()
    suggestion: str = ""

    @property
    def best(self) -> Proposal | None:
        return self.proposals[0] if self.proposals else None


# Points (see the module docstring).
P_RF, P_NUMBER, P_DIGITS, P_NEAR, P_SOME_NAMED = 60, 50, 40, 35, 25
P_EXACT, P_TOLERANCE = 35, 25
P_IBAN, P_IBAN_SHARED = 35, 15
P_NAME_HIGH, P_NAME = 20, 10
P_DATE, P_BEFORE_ISSUE = 5, -30
DATE_WINDOW_DAYS = 90


def match(
    lines: Iterable[StatementLine],
    candidates: Iterable[OpenInvoice],
    settings: MatchSettings | None = None,
) -> list[Decision]:
    """One decision per line (see the module docstring for the rules)."""
    matcher = Matcher(candidates, settings or MatchSettings())
    return matcher.match_all(lines)


@dataclass(slots=True)
class _Evidence:
    """Why the text names an invoice: the strongest signal wins."""

    points: int
    reason: Reason


@dataclass(slots=True)
class _Draft:
    """A proposal while it is scored: positions and minor units (Money only for the kept)."""

    customer_ids: tuple[Id, ...]
    positions: tuple[int, ...]
    takes: tuple[int, ...]
    fit: Fit
    score: int
    reasons: tuple[Reason, ...]
    left: int
    ambiguous: bool


@dataclass(slots=True)
class _Line:
    line: StatementLine
    currency: str
    amount: int
    text: str
    compact_text: str
    iban_customers: frozenset[Id]
    named: dict[int, _Evidence] = field(default_factory=dict)
    similarity: dict[Id, float] = field(default_factory=dict)


class Matcher:
    """The candidates indexed once; `match_line` for each line, `match_all` for a batch."""

    def __init__(self, candidates: Iterable[OpenInvoice], settings: MatchSettings) -> None:
        self.settings = settings
        self.numberings = tuple(Numbering(p) for p in settings.numbering)
        self.invoices: list[OpenInvoice] = []
        self.open_minor: list[int] = []
        # Most keys name one invoice: a posting is its position, a list only when shared.
        self.by_rf: dict[str, _Posting] = {}
        self.by_key: dict[str, _Posting] = {}
        self.by_compact: dict[str, _Posting] = {}
        self.by_amount: dict[str, dict[int, _Posting]] = defaultdict(dict)
        self.by_customer: dict[Id, list[int]] = defaultdict(list)
        self.by_iban: dict[str, set[Id]] = defaultdict(set)
        self.by_token: dict[str, set[Id]] = defaultdict(set)
        self.customer_name: dict[Id, str] = {}
        self.tolerance: dict[str, int] = {}
        self._sorted: set[Id] = set()
        self._ibans_seen: dict[str, str] = {}
        with _collector_paused():
            for position, invoice in enumerate(self._valid(candidates)):
                self._add(position, invoice)
        self.amount_keys: dict[str, list[int]] = {}
        if settings.tolerance > 0:
            self.amount_keys = {c: sorted(v) for c, v in self.by_amount.items()}

    @staticmethod
    def _valid(candidates: Iterable[OpenInvoice]) -> Iterable[OpenInvoice]:
        for invoice in candidates:
            if invoice.open_amount.is_positive:
                yield invoice

    def _add(self, position: int, invoice: OpenInvoice) -> None:
        self.invoices.append(invoice)
        amount = invoice.open_amount
        currency = amount.currency
        minor = int(amount.amount.scaleb(_exponent(currency)))
        self.open_minor.append(minor)
        rf = invoice.rf_reference
        if rf:
            _put(self.by_rf, rf if rf.isalnum() and rf.isupper() else compact(rf), position)
        for numbering in self.numberings:
            key = numbering.key(invoice.number)
            if key is not None:
                _put(self.by_key, key, position)
                break
        else:
            _put(self.by_compact, compact(invoice.number), position)
        _put(self.by_amount[currency], minor, position)
        customer = invoice.customer_id
        self.by_customer[customer].append(position)
        if customer not in self.customer_name:
            self.customer_name[customer] = invoice.customer_name
            for token in name_tokens(invoice.customer_name):
                self.by_token[token].add(customer)
        for iban in invoice.customer_ibans:
            written = self._ibans_seen.get(iban)
            if written is None:
                written = self._ibans_seen[iban] = compact(iban)
            self.by_iban[written].add(customer)

    def _of_customer(self, customer: Id) -> list[int]:
        """The customer's invoices, oldest due date first (sorted when first asked)."""
        positions = self.by_customer.get(customer)
        if positions is None:
            return []
        if customer not in self._sorted:
            positions.sort(key=lambda i: (self.invoices[i].due_date, self.invoices[i].number))
            self._sorted.add(customer)
        return positions

    # -- one line ---------------------------------------------------------------

    def match_all(self, lines: Iterable[StatementLine]) -> list[Decision]:
        with _collector_paused():
            decisions = [self.match_line(line) for line in lines]
            return self._one_claim_per_invoice(decisions)

    def match_line(self, line: StatementLine) -> Decision:
        if line.kind != LineKind.CREDIT or not line.amount.is_positive:
            return Decision(
                line.line_id,
                Outcome.NONE,
                reasons=(Reason("not_credit", 0, "not a payment received"),),
            )
        text = " ".join(t for t in (*line.references, line.end_to_end_id) if t)
        ctx = _Line(
            line=line,
            currency=line.amount.currency,
            amount=line.amount.minor,
            text=text,
            compact_text=compact(text),
            iban_customers=frozenset(self.by_iban.get(compact(line.counterparty_iban), ())),
        )
        self._read_references(ctx)
        proposals = self._propose(ctx)
        return self._decide(ctx, proposals)

    def _read_references(self, ctx: _Line) -> None:
        def name(positions: Iterable[int], points: int, reason: Reason) -> None:
            for i in positions:
                if self.invoices[i].open_amount.currency != ctx.currency:
                    continue
                known = ctx.named.get(i)
                if known is None or known.points < points:
                    ctx.named[i] = _Evidence(points, reason)

        if not ctx.text:
            return
        for rf in find_rf(ctx.text):
            name(_get(self.by_rf, rf), P_RF, Reason("rf", P_RF, f"RF reference {rf}"))
        for numbering in self.numberings:
            for hit in numbering.find(ctx.text):
                if hit.with_prefix:
                    for i in _get(self.by_key, hit.key):
                        number = self.invoices[i].number
                        name((i,), P_NUMBER, Reason("number", P_NUMBER, f"invoice {number} named"))
                else:
                    for i in _get(self.by_key, f"{numbering.prefix}|{hit.digits_key}"):
                        number = self.invoices[i].number
                        text = f"invoice {number} named without prefix"
                        reason = Reason("digits", P_DIGITS, text)
                        name((i,), P_DIGITS, reason)
        if self.by_compact:
            words = [compact(w) for w in ctx.text.split()]
            grams = set(words) | {a + b for a, b in itertools.pairwise(words)}
            for gram in grams:
                for i in _get(self.by_compact, gram):
                    number = self.invoices[i].number
                    name((i,), P_NUMBER, Reason("number", P_NUMBER, f"invoice {number} named"))

    def _propose(self, ctx: _Line) -> list[_Draft]:
        proposals: dict[frozenset[int], _Draft] = {}

        def add(proposal: _Draft | None) -> None:
            if proposal is None:
                return
            key = frozenset(proposal.positions)
            known = proposals.get(key)
            if known is None or known.score < proposal.score:
                proposals[key] = proposal

        named_by_customer: dict[Id, list[int]] = defaultdict(list)
        for i in ctx.named:
            named_by_customer[self.invoices[i].customer_id].append(i)
        named_fits = False
        for customer, positions in named_by_customer.items():
            for proposal in self._named_proposals(ctx, customer, positions):
                named_fits = named_fits or proposal.fit in (Fit.EXACT, Fit.TOLERANCE)
                add(proposal)
        if len(named_by_customer) > 1:
            add(self._split_proposal(ctx))
        # The payer: its IBAN, or else its name, points at customers.
        payers = set(ctx.iban_customers)
        if not payers and not named_by_customer and ctx.line.counterparty_name:
            payers = self._customers_by_name(ctx.line.counterparty_name)
        for customer in payers - set(named_by_customer):
            for proposal in self._payer_proposals(ctx, customer):
                add(proposal)
        # A near reference is a typo only if no invoice written exactly fits the amount.
        for proposal in self._amount_proposals(ctx, look_near=not named_fits):
            add(proposal)
        return sorted(
            proposals.values(),
            key=lambda p: (-p.score, len(p.positions), p.fit != Fit.EXACT),
        )

    # -- proposals --------------------------------------------------------------

    def _named_proposals(self, ctx: _Line, customer: Id, named: list[int]) -> list[_Draft]:
        """The invoices of one customer named in the text: all of them, some, or more."""
        named = sorted(named, key=lambda i: (self.invoices[i].due_date, self.invoices[i].number))
        total = sum(self.open_minor[i] for i in named)
        tol = self._tolerance(ctx.currency)
        if abs(ctx.amount - total) <= tol:
            return [self._proposal(ctx, named, customer)]
        out: list[_Draft] = []
        if ctx.amount < total:
            if len(named) > 1:  # the line pays only some of the invoices it names
                singles = [[i] for i in named if abs(self.open_minor[i] - ctx.amount) <= tol]
                subsets, _ = self._subsets(ctx, named)
                fitting = singles + subsets
                for subset in fitting:
                    out.append(self._proposal(ctx, subset, customer, ambiguous=len(fitting) > 1))
            if not out:
                out.append(self._proposal(ctx, named, customer))  # partial
            return out
        # More than the named invoices: the rest may pay other invoices of the customer.
        others = [i for i in self._of_customer(customer) if i not in ctx.named]
        extra, complete = self._subsets(ctx, others, target=ctx.amount - total)
        for subset in extra:
            ambiguous = len(extra) > 1 or not complete
            out.append(self._proposal(ctx, named + list(subset), customer, ambiguous=ambiguous))
        out.append(self._proposal(ctx, named, customer))  # over-payment
        return out

    def _split_proposal(self, ctx: _Line) -> _Draft | None:
        """Invoices of several customers named in one payment (a group paying for its members)."""
        named = sorted(ctx.named)
        total = sum(self.open_minor[i] for i in named)
        if abs(ctx.amount - total) > self._tolerance(ctx.currency):
            return None
        customers = tuple(dict.fromkeys(self.invoices[i].customer_id for i in named))
        proposal = self._proposal(ctx, named, customers[0])
        reason = Reason("split", 0, f"the text names invoices of {len(customers)} customers")
        proposal.customer_ids = customers
        proposal.reasons = (*proposal.reasons, reason)
        proposal.ambiguous = True
        return proposal

    def _payer_proposals(self, ctx: _Line, customer: Id) -> list[_Draft]:
        """A known payer and no invoice named: one invoice of the amount, or a group."""
        positions = [
            i
            for i in self._of_customer(customer)
            if self.invoices[i].open_amount.currency == ctx.currency
        ]
        if not positions:
            return []
        tol = self._tolerance(ctx.currency)
        singles = [i for i in positions if abs(self.open_minor[i] - ctx.amount) <= tol]
        if singles:
            return [self._proposal(ctx, [i], customer, ambiguous=len(singles) > 1) for i in singles]
        subsets, complete = self._subsets(ctx, positions)
        if subsets:
            ambiguous = len(subsets) > 1 or not complete
            return [self._proposal(ctx, s, customer, ambiguous=ambiguous) for s in subsets]
        # Nothing adds up: suggest the oldest invoices, partly paid.
        return [self._proposal(ctx, positions[:1], customer)]

    def _amount_proposals(self, ctx: _Line, look_near: bool) -> list[_Draft]:
        """Invoices whose open balance is the amount, whoever they belong to.

        Among them, one whose number is written with a typo gets the near-reference
        points; when the text also names other invoices exactly, the typo reading needs
        the payer (IBAN or name) to confirm it, else it stays a suggestion.
        """
        found = self._by_amount(ctx)
        if not found or len(found) > self.settings.max_amount_candidates:
            return []
        written_exactly = bool(ctx.named)
        out = []
        for i in found:
            if i in ctx.named:
                continue
            customer = self.invoices[i].customer_id
            near = self._near_reference(ctx, i) if look_near else None
            unconfirmed = False
            if near is not None:
                ctx.named[i] = _Evidence(P_NEAR, near)
                unconfirmed = written_exactly and not (
                    customer in ctx.iban_customers
                    or self._similarity(ctx, customer) >= self.settings.name_threshold
                )
            out.append(self._proposal(ctx, [i], customer, ambiguous=unconfirmed))
        return out

    def _by_amount(self, ctx: _Line) -> list[int]:
        tol = self._tolerance(ctx.currency)
        if tol == 0:
            return list(_get(self.by_amount.get(ctx.currency, {}), ctx.amount))
        keys = self.amount_keys.get(ctx.currency, [])
        lo = bisect.bisect_left(keys, ctx.amount - tol)
        hi = bisect.bisect_right(keys, ctx.amount + tol)
        out: list[int] = []
        for minor in keys[lo:hi]:
            out.extend(_get(self.by_amount[ctx.currency], minor))
            if len(out) > self.settings.max_amount_candidates:
                break
        return out

    def _near_reference(self, ctx: _Line, i: int) -> Reason | None:
        """The invoice's number or RF written with one character wrong or two swapped."""
        invoice = self.invoices[i]
        written = ctx.compact_text
        forms = [compact(invoice.number)]
        digits = "".join(ch for ch in forms[0] if ch.isdigit())
        if len(digits) >= 6:
            forms.append(digits)
        rf = compact(invoice.rf_reference)
        if rf:
            forms.append(rf[4:])
        for form in forms:
            if len(form) >= 6 and _near(form, written):
                return Reason("near", P_NEAR, f"reference close to {invoice.number} (typo?)")
        return None

    def _customers_by_name(self, payer: str) -> set[Id]:
        """Customers whose name is similar to the payer's, found through their rarer words."""
        counts: dict[Id, int] = defaultdict(int)
        tokens = set(name_tokens(payer))
        for token in tokens:
            customers = self.by_token.get(token, ())
            if len(customers) > 200:  # a word that many customers share says nothing
                continue
            for customer in customers:
                counts[customer] += 1
        # A similar name shares at least half of the payer's words.
        enough = max(1, len(tokens) // 2)
        best = sorted((c for c in counts if counts[c] >= enough), key=lambda c: -counts[c])[:10]
        threshold = self.settings.name_threshold
        return {c for c in best if similar_enough(payer, self.customer_name[c], threshold)}

    def _similarity(self, ctx: _Line, customer: Id) -> float:
        known = ctx.similarity.get(customer)
        if known is None:
            name = self.customer_name.get(customer, "")
            known = similar_enough(ctx.line.counterparty_name, name, self.settings.name_threshold)
            ctx.similarity[customer] = known
        return known

    def _subsets(
        self, ctx: _Line, positions: Sequence[int], target: int | None = None
    ) -> tuple[list[list[int]], bool]:
        """Up to two groups (2 … max_group invoices) whose open balances add up to the target.

        Returns the groups and whether the search was complete (False when the customer
        has more invoices than `max_group_invoices` or the step budget ran out).
        """
        settings = self.settings
        goal = ctx.amount if target is None else target
        tol = self._tolerance(ctx.currency)
        pool = [i for i in positions if self.open_minor[i] <= goal + tol]
        complete = len(pool) <= settings.max_group_invoices
        pool = pool[: settings.max_group_invoices]
        pool.sort(key=lambda i: -self.open_minor[i])
        values = [self.open_minor[i] for i in pool]
        min_size = 2 if target is None else 1
        found: list[list[int]] = []
        steps = 0
        chosen: list[int] = []

        def walk(start: int, total: int) -> bool:
            nonlocal steps
            for j in range(start, len(values)):
                steps += 1
                if steps > settings.search_budget:
                    return False
                new = total + values[j]
                if new > goal + tol:
                    continue
                # The largest sum still reachable from here with the room left.
                room = settings.max_group - len(chosen) - 1
                if new + sum(values[j + 1 : j + 1 + room]) < goal - tol:
                    return True  # later items are smaller: nothing further can reach the goal
                chosen.append(j)
                if new >= goal - tol and len(chosen) >= min_size:
                    found.append([pool[k] for k in chosen])
                    if len(found) >= 2:
                        chosen.pop()
                        return True
                elif room > 0 and not walk(j + 1, new):
                    chosen.pop()
                    return False
                chosen.pop()
                if len(found) >= 2:
                    return True
            return True

        finished = walk(0, 0)
        groups = [
            sorted(g, key=lambda i: (self.invoices[i].due_date, self.invoices[i].number))
            for g in found
        ]
        return groups, complete and finished

    def _tolerance(self, currency: str) -> int:
        tol = self.tolerance.get(currency)
        if tol is None:
            tol = int(self.settings.tolerance.scaleb(exponent(currency)))
            self.tolerance[currency] = tol
        return tol

    # -- score ------------------------------------------------------------------

    def _proposal(
        self, ctx: _Line, positions: list[int], customer: Id, ambiguous: bool = False
    ) -> _Draft:
        currency = ctx.currency
        total = sum(self.open_minor[i] for i in positions)
        tol = self._tolerance(currency)
        left = ctx.amount
        takes: list[int] = []
        for i in positions:  # oldest first: a short payment leaves the newest open
            take = min(left, self.open_minor[i])
            if take <= 0:
                break
            takes.append(take)
            left -= take
        diff = ctx.amount - total
        reasons: list[Reason] = []
        named = [ctx.named[i] for i in positions if i in ctx.named]
        if named and len(named) == len(positions):
            weakest = min(named, key=lambda e: e.points)
            reasons.extend(dict.fromkeys(e.reason for e in named))
            ref_points = weakest.points
        elif named:
            reasons.extend(dict.fromkeys(e.reason for e in named))
            ref_points = P_SOME_NAMED
        else:
            ref_points = 0
        n = len(positions)
        if diff == 0:
            fit = Fit.EXACT
            text = "amount equals the open balance" if n == 1 else f"{n} invoices sum to the amount"
            reasons.append(Reason("amount", P_EXACT, text))
        elif abs(diff) <= tol:
            fit = Fit.TOLERANCE
            text = f"amount within tolerance ({_money(abs(diff), currency)} difference)"
            reasons.append(Reason("tolerance", P_TOLERANCE, text))
        elif diff < 0:
            fit = Fit.PARTIAL
            received, due = _money(ctx.amount, currency), _money(total, currency)
            text = f"partial payment: {received} of {due}, the rest stays open"
            reasons.append(Reason("partial", 0, text))
        else:
            fit = Fit.OVER
            excess = _money(diff, currency)
            text = f"over-payment: {excess} more than the open balance (keep, refund or reassign)"
            reasons.append(Reason("over", 0, text))
        if ctx.iban_customers and customer not in ctx.iban_customers:
            text = "payer IBAN known for another customer"
            reasons.append(Reason("other_payer", 0, text))
        elif customer in ctx.iban_customers:
            if len(ctx.iban_customers) == 1:
                reasons.append(Reason("iban", P_IBAN, "payer IBAN known for the customer"))
            else:
                text = "payer IBAN known for the customer and others"
                reasons.append(Reason("iban_shared", P_IBAN_SHARED, text))
        payer = ctx.line.counterparty_name
        if payer:
            similarity = self._similarity(ctx, customer)
            if similarity >= 0.95:
                reasons.append(Reason("name", P_NAME_HIGH, f"name similar {similarity:.2f}"))
            elif similarity >= self.settings.name_threshold:
                reasons.append(Reason("name", P_NAME, f"name similar {similarity:.2f}"))
        paid = ctx.line.booking_date
        first_issue = min(self.invoices[i].issue_date for i in positions)
        last_due = max(self.invoices[i].due_date for i in positions)
        if paid < first_issue:
            reasons.append(Reason("before_issue", P_BEFORE_ISSUE, "paid before the invoice date"))
        elif (paid - last_due).days <= DATE_WINDOW_DAYS:
            days = (paid - last_due).days
            text = f"paid {abs(days)} days {'after' if days > 0 else 'before'} the due date"
            reasons.append(Reason("date", P_DATE, text))
        if ambiguous:
            reasons.append(Reason("ambiguous", 0, "another combination of invoices fits too"))
        score = ref_points + sum(r.points for r in reasons if r.code not in _REFERENCE_CODES)
        score = max(0, min(100, score))
        return _Draft(
            (customer,),
            tuple(positions[: len(takes)]),
            tuple(takes),
            fit,
            score,
            tuple(reasons),
            max(left, 0),
            ambiguous,
        )

    def _finish(self, ctx: _Line, draft: _Draft) -> Proposal:
        """The proposal as the caller sees it: invoice ids and Money."""
        currency = ctx.currency
        allocations = tuple(
            Allocation(self.invoices[i].invoice_id, _money(take, currency))
            for i, take in zip(draft.positions, draft.takes, strict=True)
        )
        return Proposal(
            draft.customer_ids,
            allocations,
            draft.fit,
            draft.score,
            draft.reasons,
            _money(draft.left, currency),
            draft.ambiguous,
        )

    # -- decision ---------------------------------------------------------------

    def _decide(self, ctx: _Line, proposals: list[_Draft]) -> Decision:
        s = self.settings
        line_id = ctx.line.line_id
        kept = tuple(self._finish(ctx, p) for p in proposals[: s.max_proposals])
        if not proposals or proposals[0].score < s.review_threshold:
            reason = Reason("no_match", 0, "no invoice fits well enough")
            return Decision(line_id, Outcome.NONE, kept, kept[0].score if kept else 0, (reason,))
        best, rest = proposals[0], proposals[1:]
        second = rest[0].score if rest else 0
        rivals = [p for p in rest if p.customer_ids != best.customer_ids]
        other_customer_fits = any(p.score >= s.auto_threshold for p in rivals)
        blockers: list[Reason] = []
        if best.fit not in (Fit.EXACT, Fit.TOLERANCE):
            blockers.append(Reason(best.fit.value, 0, f"{best.fit.value} payment"))
        if best.score < s.auto_threshold:
            blockers.append(Reason("low_score", 0, f"score {best.score} < {s.auto_threshold}"))
        if best.ambiguous:
            blockers.append(Reason("ambiguous", 0, "several combinations fit"))
        if len(best.customer_ids) > 1:
            blockers.append(Reason("split", 0, "the payment covers several customers"))
        if rest and best.score - second < s.margin:
            text = f"next proposal too close ({best.score} vs {second})"
            blockers.append(Reason("close", 0, text))
        if other_customer_fits:
            blockers.append(Reason("two_customers", 0, "another customer fits as well"))
        if not blockers:
            reason = Reason("clear", 0, f"one proposal clearly ahead ({best.score} vs {second})")
            return Decision(line_id, Outcome.AUTO, kept, best.score, (reason,))
        return Decision(
            line_id, Outcome.REVIEW, kept, best.score, tuple(blockers), _suggest(best, blockers)
        )

    @staticmethod
    def _one_claim_per_invoice(decisions: list[Decision]) -> list[Decision]:
        claims: dict[Id, list[int]] = defaultdict(list)
        for n, decision in enumerate(decisions):
            if decision.outcome == Outcome.AUTO and decision.best is not None:
                for allocation in decision.best.allocations:
                    claims[allocation.invoice_id].append(n)
        out = list(decisions)
        for invoice_id, claimants in claims.items():
            if len(claimants) < 2:
                continue
            for n in claimants:
                d = out[n]
                others = ", ".join(decisions[m].line_id for m in claimants if m != n)
                reason = Reason("duplicate", 0, f"invoice {invoice_id} also paid by line {others}")
                out[n] = Decision(
                    d.line_id,
                    Outcome.REVIEW,
                    d.proposals,
                    d.confidence,
                    (*(r for r in d.reasons if r.code != "clear"), reason),
                    "duplicate",
                )
        return out


_Posting = int | list[int]
K = TypeVar("K")


def _put(index: dict[K, _Posting], key: K, position: int) -> None:
    known = index.get(key)
    if known is None:
        index[key] = position
    elif isinstance(known, int):
        index[key] = [known, position]
    else:
        known.append(position)


def _get(index: dict[K, _Posting], key: K) -> Sequence[int]:
    known = index.get(key)
    if known is None:
        return ()
    if isinstance(known, int):
        return (known,)
    return known


@cache
def _exponent(currency: str) -> int:
    return exponent(currency)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while indexing and matching.

    Both create millions of small objects and no reference cycles: the collector would
    only walk the whole heap again and again. It is restored afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_REFERENCE_CODES = frozenset({"rf", "number", "digits", "near"})


def _suggest(best: _Draft, blockers: list[Reason]) -> str:
    codes = {r.code for r in blockers}
    if "split" in codes:
        return "split"
    if best.fit == Fit.PARTIAL:
        return "partial"
    if best.fit == Fit.OVER:
        return "overpayment"
    if codes & {"ambiguous", "close", "two_customers"}:
        return "ambiguous"
    return "check"


def _money(minor: int, currency: str) -> Money:
    return Money.from_minor(minor, currency)


def _near(form: str, text: str) -> bool:
    """`form` appears in `text` with at most one character wrong or two neighbours swapped."""
    if form in text:
        return False  # written exactly: that is a number hit, not a near one
    n = len(form)
    half = n // 2
    # One error leaves one half intact: look for the halves, then check the window.
    starts: set[int] = set()
    for piece, offset in ((form[:half], 0), (form[half:], half)):
        pos = text.find(piece)
        while pos >= 0:
            starts.add(pos - offset)
            pos = text.find(piece, pos + 1)
    for start in starts:
        if start < 0 or start + n > len(text):
            continue
        window = text[start : start + n]
        wrong = [k for k in range(n) if window[k] != form[k]]
        if len(wrong) == 1:
            return True
        if (
            len(wrong) == 2
            and wrong[1] == wrong[0] + 1
            and window[wrong[0]] == form[wrong[1]]
            and window[wrong[1]] == form[wrong[0]]
        ):
            return True
    return False
