"""`relance bench match`: the matching engine on a generated, labelled set, in memory.

No database: open invoices and bank lines are domain records (`OpenInvoice`,
`StatementLine`) generated here with the truth of each line; the engine is timed from
indexing the invoices to the last decision.

The lines mix what banks deliver (weights in `CATEGORIES`): RF references, invoice
numbers in any spelling (spaces, lower case, no prefix, "facture 2025/42"), one
character mistyped or two swapped, grouped payments (named or not), payers known only by
IBAN with the exact amount — these are *matchable*: a full settlement the engine
should apply — and partial payments, over-payments, wrong amounts and unknown payers,
which must not be applied automatically.

Figures: `auto_rate` = matchable lines applied automatically / matchable lines;
`wrong` = automatic applications whose invoices are not the true ones (any automatic
application of a line that is not matchable counts); `precision` / `recall` at the
invoice level over automatic applications.
"""

from __future__ import annotations

import gc
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from relance.bench.measure import peak_rss_mb
from relance.domain.matching import Decision, Matcher, MatchSettings, OpenInvoice, Outcome
from relance.domain.money import Money
from relance.domain.references import format_rf, rf_reference
from relance.domain.statements import LineKind, StatementLine

NUMBERING = "F-{YYYY}-{NNNNNN}"
SETTINGS = MatchSettings(numbering=(NUMBERING,))

#: category → (weight, matchable)
CATEGORIES: dict[str, tuple[int, bool]] = {
    "rf": (22, True),
    "number": (20, True),
    "typo": (6, True),
    "iban_only": (15, True),
    "group_named": (6, True),
    "group_iban": (5, True),
    "partial": (6, False),
    "over": (4, False),
    "wrong_amount": (6, False),
    "unknown": (10, False),
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SURNAMES = _words(
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent"
    " Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard Andre"
    " Lefevre Mercier Dupont Lambert Bonnet Francois Martinez Legrand Garnier Faure Rousseau"
    " Blanc Guerin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clement Gauthier Dumont"
    " Lopez Fontaine Chevalier Robin Masson Sanchez Gerard Nguyen Boyer Denis Lemaire Duval"
    " Joly Gautier Roger Roche Roy Noel Meyer Lucas Meunier Jean Perez Marchand Dufour Blanchard"
    " Marie Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez Pierre Renard Arnaud"
    " Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard"
)
_TRADES = _words(
    "Plomberie Menuiserie Électricité Boulangerie Transports Conseil Informatique Bâtiment"
    " Peinture Jardins Optique Pharmacie Garage Traiteur Imprimerie Toitures Carrelage"
    " Chauffage Nettoyage Sécurité Logistique Architecture Ingénierie Énergies Distribution"
    " Textiles Métallerie Ébénisterie Vitrerie Paysages"
)
_PLACES = _words(
    "Lyon Nantes Lille Rennes Brest Nice Metz Tours Dijon Reims Angers Caen Rouen Pau Nîmes"
    " Annecy Vannes Niort Albi Agen"
)
_FORMS = ("SAS", "SARL", "SA", "EURL", "SASU", "")


@dataclass(frozen=True, slots=True)
class Label:
    category: str
    invoice_ids: tuple[int, ...]  # what the line really pays (empty for an unknown payer)
    matchable: bool


@dataclass(frozen=True, slots=True)
class MatchData:
    lines: tuple[StatementLine, ...]
    invoices: tuple[OpenInvoice, ...]
    labels: dict[str, Label]


def _iban(rng: random.Random) -> str:
    return "FR76" + "".join(rng.choice("0123456789") for _ in range(23))


def _company(rng: random.Random) -> str:
    parts = [rng.choice(_SURNAMES), rng.choice(_TRADES), rng.choice(_PLACES), rng.choice(_FORMS)]
    return " ".join(p for p in parts if p)


def _payer_name(rng: random.Random, name: str) -> str:
    """How a bank writes the customer's name: capitals, no accents, form moved or dropped."""
    roll = rng.random()
    if roll < 0.4:
        return name.upper()
    if roll < 0.6:
        words = name.split()
        return " ".join(w for w in words if w not in _FORMS).upper()
    if roll < 0.7:
        return name[: max(8, len(name) - 6)]  # truncated
    return name


def _spell(rng: random.Random, number: str) -> str:
    """An invoice number as payers write it."""
    prefix, year, seq = number.split("-")
    n = int(seq)
    return rng.choice(
        (
            f"Facture {number}",
            f"{prefix} {year} {n}",
            f"{prefix.lower()}{year}-{seq}",
            f"facture {year}/{seq}",
            f"FACT {prefix}{year}{seq}",
            f"{number.lower()} merci",
            f"inv. {year}-{n}",
        )
    )


def _typo(rng: random.Random, text: str) -> str:
    """One digit changed, or two neighbouring digits swapped."""
    digits = [k for k, ch in enumerate(text) if ch.isdigit()]
    k = rng.choice(digits[1:-1] or digits)
    chars = list(text)
    swap = k + 1 < len(chars) and chars[k + 1].isdigit() and chars[k + 1] != chars[k]
    if swap and rng.random() < 0.5:
        chars[k], chars[k + 1] = chars[k + 1], chars[k]
        return "".join(chars)
    chars[k] = rng.choice([d for d in "0123456789" if d != chars[k]])
    return "".join(chars)


def generate(n_lines: int, n_invoices: int, seed: int = 2025) -> MatchData:
    """Open invoices of n_invoices / 10 customers and n_lines labelled bank credits."""
    rng = random.Random(seed)
    n_customers = max(1, n_invoices // 10)
    names = [_company(rng) for _ in range(n_customers)]
    ibans: list[tuple[str, ...]] = []
    for _ in range(n_customers):
        roll = rng.random()
        ibans.append(
            () if roll < 0.2 else (_iban(rng),) if roll < 0.9 else (_iban(rng), _iban(rng))
        )
    start = date(2025, 1, 1)
    days = [start + timedelta(days=k) for k in range(400)]
    terms = (30, 45, 60)
    invoices: list[OpenInvoice] = []
    for k in range(n_invoices):
        customer = k % n_customers
        number = f"F-2025-{k + 1:06d}"
        issue = rng.randrange(300)
        invoices.append(
            OpenInvoice(
                invoice_id=k,
                customer_id=customer,
                number=number,
                rf_reference=rf_reference(number),
                open_amount=Money.from_minor(rng.randrange(5_000, 500_000), "EUR"),
                issue_date=days[issue],
                due_date=days[issue + rng.choice(terms)],
                customer_name=names[customer],
                customer_ibans=ibans[customer],
            )
        )
    by_customer: dict[int, list[int]] = {}
    for k in range(n_invoices):
        by_customer.setdefault(k % n_customers, []).append(k)
    free = list(range(n_invoices))
    rng.shuffle(free)
    used: set[int] = set()
    categories = list(CATEGORIES)
    weights = [CATEGORIES[c][0] for c in categories]
    lines: list[StatementLine] = []
    labels: dict[str, Label] = {}

    def take() -> int:
        while free:
            k = free.pop()
            if k not in used:
                used.add(k)
                return k
        raise ValueError("more lines than invoices: ask for fewer lines")

    for n in range(n_lines):
        category = rng.choices(categories, weights)[0]
        line_id = f"L{n:07d}"
        refs: tuple[str, ...] = ()
        payer_iban = ""
        if category in ("group_named", "group_iban"):
            first = take()
            customer = first % n_customers
            mates = [k for k in by_customer[customer] if k not in used]
            size = rng.randint(2, 4)
            if len(mates) < size - 1 or (category == "group_iban" and not ibans[customer]):
                category = "rf"
                paid = [first]
            else:
                chosen = rng.sample(mates, size - 1)
                used.update(chosen)
                paid = [first, *chosen]
        else:
            paid = [take()]
        first_invoice = invoices[paid[0]]
        customer = paid[0] % n_customers
        total = sum(invoices[k].open_amount.minor for k in paid)
        amount = total
        known_iban = rng.choice(ibans[customer]) if ibans[customer] else ""
        if category == "iban_only" and not known_iban:
            category = "number"
        if category in ("rf", "typo") or (category in ("partial", "over", "wrong_amount")):
            use_rf = rng.random() < 0.5
            ref = (
                format_rf(first_invoice.rf_reference)
                if use_rf
                else _spell(rng, first_invoice.number)
            )
            refs = (_typo(rng, ref) if category == "typo" else ref,)
        elif category == "number":
            refs = (_spell(rng, first_invoice.number),)
        elif category == "group_named":
            refs = (" ".join(invoices[k].number for k in paid),)
        elif category == "iban_only" or category == "group_iban":
            refs = (rng.choice(("VIREMENT", "REGLEMENT FACTURES", "")),)
        if category == "partial":
            amount = rng.randrange(100, total)
        elif category == "over":
            amount = total + rng.randrange(100, 50_000)
        elif category == "wrong_amount":
            amount = max(100, total + rng.choice((-1, 1)) * rng.randrange(1_000, 100_000))
        if category in ("iban_only", "group_iban"):
            payer_iban = known_iban
        elif category != "unknown":
            payer_iban = known_iban if rng.random() < 0.6 else rng.choice(("", _iban(rng)))
        payer = _payer_name(rng, names[customer])
        label_ids = tuple(sorted(paid))
        if category == "unknown":
            used.difference_update(paid)  # nobody pays this invoice: an unknown payer does
            payer, payer_iban, label_ids = _company(rng).upper(), _iban(rng), ()
            amount = rng.randrange(5_000, 500_000)
            refs = (rng.choice(("VIREMENT", "PAIEMENT COMMANDE", "")),)
        booked = first_invoice.due_date + timedelta(days=rng.randint(-20, 60))
        lines.append(
            StatementLine(
                line_id=line_id,
                booking_date=booked,
                value_date=booked,
                amount=Money.from_minor(amount, "EUR"),
                kind=LineKind.CREDIT,
                counterparty_name=payer,
                counterparty_iban=payer_iban,
                references=tuple(r for r in refs if r),
            )
        )
        labels[line_id] = Label(category, label_ids, CATEGORIES[category][1])
    return MatchData(tuple(lines), tuple(invoices), labels)


def score(data: MatchData, decisions: Sequence[Decision]) -> dict[str, object]:
    """auto_rate, wrong, precision and recall of decisions against the labels."""
    matchable = auto_ok = wrong = 0
    auto_invoices = correct_invoices = truth_invoices = 0
    outcomes: Counter[str] = Counter()
    wrong_by_category: Counter[str] = Counter()
    missed_by_category: Counter[str] = Counter()
    for decision in decisions:
        label = data.labels[decision.line_id]
        outcomes[decision.outcome.value] += 1
        truth = set(label.invoice_ids)
        if label.matchable:
            matchable += 1
            truth_invoices += len(truth)
        if decision.outcome != Outcome.AUTO or decision.best is None:
            if label.matchable:
                missed_by_category[label.category] += 1
            continue
        applied = {a.invoice_id for a in decision.best.allocations}
        auto_invoices += len(applied)
        if label.matchable:
            correct_invoices += len(applied & truth)
        if label.matchable and applied == truth:
            auto_ok += 1
        else:
            wrong += 1
            wrong_by_category[label.category] += 1
    return {
        "matchable": matchable,
        "auto_rate": round(auto_ok / matchable, 4) if matchable else 0.0,
        "wrong": wrong,
        "precision": round(correct_invoices / auto_invoices, 4) if auto_invoices else 1.0,
        "recall": round(correct_invoices / truth_invoices, 4) if truth_invoices else 0.0,
        "outcomes": dict(outcomes),
        "wrong_by_category": dict(wrong_by_category),
        "not_auto_by_category": dict(missed_by_category),
    }


def run(n_lines: int, n_invoices: int, seed: int = 2025) -> dict[str, object]:
    started = time.perf_counter()
    gc.disable()  # millions of records and no cycles: collecting would only rescan them
    try:
        data = generate(n_lines, n_invoices, seed)
    finally:
        gc.enable()
    gc.freeze()  # the generated records live to the end: the collector need not scan them
    generated = time.perf_counter()
    cpu = time.process_time()
    matcher = Matcher(data.invoices, SETTINGS)
    indexed = time.perf_counter()
    decisions = matcher.match_all(data.lines)
    done = time.perf_counter()
    cpu = time.process_time() - cpu
    result: dict[str, object] = {
        "mode": "in memory: domain records, no database",
        "lines": n_lines,
        "invoices": n_invoices,
        "customers": max(1, n_invoices // 10),
        "seconds": round(done - generated, 2),
        "lines_per_s": round(n_lines / max(done - generated, 1e-9)),
        "index_s": round(indexed - generated, 2),
        "match_s": round(done - indexed, 2),
        "cpu_s": round(cpu, 2),
        "generate_s": round(generated - started, 2),
    }
    result.update(score(data, decisions))
    result["categories"] = dict(Counter(label.category for label in data.labels.values()))
    result["peak_rss_mb"] = peak_rss_mb()
    return result
