"""Seed a realistic French demo portfolio (deterministic for a given seed and date).

About 200 customers and 5,000 invoices over the 18 months before the as-of date,
with good payers, occasional and chronic late payers, customers in difficulty,
non-payers and customers with disputed invoices. Everything is written through
bulk inserts; balances come from allocations like any other data (the ledger
triggers keep them).
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from relance.accounts.models import Membership, Role
from relance.analytics.forecast import save_weekly_forecasts
from relance.core.models import Source
from relance.creditors.models import Creditor
from relance.customers.models import Contact, ContactRole, Customer, CustomerKind
from relance.demo import names
from relance.demo.dunning import seed_dunning
from relance.demo.negotiation import seed_negotiation
from relance.domain.calendar import PaymentTerms, TermsMethod
from relance.domain.identifiers import (
    IdentifierError,
    clean_phone,
    french_vat,
    generate_siren,
    generate_siret,
)
from relance.domain.money import Money
from relance.ledger.models import Allocation, CreditNote, Invoice, Payment, PaymentMethod
from relance.risk.services import recompute as recompute_risk

DEMO_SIREN = "732829320"
DEMO_PASSWORD = "relance-demo"  # noqa: S105 - a local demo login, printed on purpose
DEMO_USERS = (
    ("admin", Role.ADMIN, "Administrateur", ""),
    ("sophie", Role.CREDIT_MANAGER, "Sophie", "Marchand"),
    ("claire", Role.COLLECTOR, "Claire", "Fontaine"),
    ("julien", Role.COLLECTOR, "Julien", "Roussel"),
    ("compta", Role.READ_ONLY, "Cabinet", "Expert-comptable"),
)

#: profile → (share of customers, probability an invoice is paid late, days late range,
#:            share of each late payment actually paid, months before as-of when payments stop)
PROFILES: dict[str, tuple[float, float, tuple[int, int], tuple[float, float], int | None]] = {
    "good": (0.45, 0.04, (1, 6), (1.0, 1.0), None),
    "occasional": (0.25, 0.22, (4, 28), (1.0, 1.0), None),
    "chronic": (0.13, 0.85, (15, 75), (1.0, 1.0), None),
    "difficulty": (0.08, 0.70, (20, 90), (0.3, 0.7), None),
    "non_payer": (0.04, 0.50, (10, 40), (1.0, 1.0), 6),
    "disputes": (0.05, 0.10, (3, 15), (1.0, 1.0), None),
}


@dataclass
class DemoSummary:
    creditor_id: int
    customers: int
    contacts: int
    invoices: int
    credit_notes: int
    payments: int
    allocations: int
    profiles: dict[str, int] = field(default_factory=dict)
    reminders_sent: int = 0


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in plain.lower()).strip("-").replace("--", "-")


def _phone(rng: random.Random, prefix: str) -> str:
    """A French number with this prefix that the numbering plan accepts."""
    while True:
        number = " ".join([prefix, *(str(rng.randint(10, 99)) for _ in range(4))])
        try:
            clean_phone(number)
        except IdentifierError:
            continue
        return number


def _mobile(rng: random.Random) -> str:
    return _phone(rng, rng.choice(("06", "07")))


def _amount(rng: random.Random, low: int, high: int) -> Money:
    """A price excl. tax, log-uniform between low and high, in cents."""
    value = Decimal(str(round(low * (high / low) ** rng.random(), 2)))
    return Money.round(value, "EUR")


def existing_demo(as_of: date | None = None) -> Creditor | None:
    return Creditor.objects.filter(siren=DEMO_SIREN).first()


def seed_demo(
    as_of: date,
    *,
    customers: int = 200,
    invoices: int = 5000,
    months: int = 18,
    seed: int = 2026,
    progress: object | None = None,
) -> DemoSummary:
    """Create the demo creditor, its users and portfolio as of `as_of`. One transaction."""
    rng = random.Random(seed)
    with transaction.atomic():
        return _seed(rng, as_of, customers, invoices, months)


def _seed(
    rng: random.Random, as_of: date, n_customers: int, n_invoices: int, months: int
) -> DemoSummary:
    creditor = Creditor.objects.create(
        legal_name="Lambert Équipements Professionnels",
        trade_name="Lambert Équipements",
        legal_form="SAS",
        share_capital="150 000 €",
        siren=DEMO_SIREN,
        siret=DEMO_SIREN + "00074",
        vat_number=french_vat(DEMO_SIREN),
        rcs="RCS Lyon 732 829 320",
        address_line1="18 rue de la Villette",
        postal_code="69003",
        city="Lyon",
        email="comptabilite@lambert-equipements.fr",
        phone="04 72 00 00 00",
        website="https://lambert-equipements.fr",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        payment_terms_days=30,
    )
    users = {}
    user_model = get_user_model()
    for username, role, first, last in DEMO_USERS:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                email=f"{username}@lambert-equipements.fr",
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
        Membership.objects.create(user=user, creditor=creditor, role=role)
        users[username] = user

    start = as_of - timedelta(days=round(months * 30.44))
    profile_names = list(PROFILES)
    weights = [PROFILES[p][0] for p in profile_names]

    customer_rows: list[Customer] = []
    profiles: list[str] = []
    trades: list[tuple[str, tuple[str, ...], tuple[int, int]]] = []
    used_names: set[str] = set()
    for i in range(n_customers):
        profile = rng.choices(profile_names, weights)[0]
        town, postal, landline = rng.choice(names.TOWNS)
        b2c = rng.random() < 0.05
        trade: tuple[str, tuple[str, ...], tuple[int, int]] = rng.choice(names.TRADES)
        if b2c:
            first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.SURNAMES)
            legal_name, form, siren, siret, vat = f"{first} {last}", "", "", "", ""
            trade = ("Particulier", ("",), (90, 1_800))  # consumers have no trade
        else:
            while True:
                legal_name = f"{trade[0]} {rng.choice(names.SURNAMES)}"
                if rng.random() < 0.4:
                    legal_name += f" {rng.choice(names.SUFFIXES)}"
                if legal_name not in used_names:
                    break
            form = rng.choice(trade[1])
            siren = generate_siren(rng)
            siret = generate_siret(siren, rng)
            vat = french_vat(siren)
        used_names.add(legal_name)
        collector = (
            users["claire"] if i % 5 in (0, 1) else users["julien"] if i % 5 in (2, 3) else None
        )
        terms = rng.choice((30, 30, 30, 45, 60)) if not b2c else 0
        since = start - timedelta(days=rng.randint(0, 2500)) if rng.random() < 0.8 else None
        note = {
            "chronic": (
                "Paie systématiquement en retard malgré les relances ; régularise après un appel."
            ),
            "difficulty": "Difficultés de trésorerie signalées par le gérant ; paiements partiels.",
            "non_payer": "Ne répond plus aux relances depuis plusieurs mois.",
            "disputes": "Conteste régulièrement les quantités livrées.",
        }.get(profile, "")
        customer_rows.append(
            Customer(
                creditor=creditor,
                external_ref=f"CLI{i + 1:04d}",
                legal_name=legal_name,
                legal_form=form,
                siren=siren,
                siret=siret,
                vat_number=vat,
                address_line1=f"{rng.randint(1, 140)} {rng.choice(names.STREETS)}",
                postal_code=postal,
                city=town,
                websites="" if b2c else f"https://www.{_slug(legal_name)}.fr",
                kind=CustomerKind.B2C if b2c else CustomerKind.B2B,
                language="fr",
                segment="particuliers" if b2c else rng.choice(names.SEGMENTS),
                assigned_collector=collector,
                credit_limit_minor=None
                if b2c
                else rng.choice((5_000, 10_000, 20_000, 50_000)) * 100,
                payment_terms_days=terms,
                notes=note,
                customer_since=since,
            )
        )
        profiles.append(profile)
        trades.append(trade)
        del landline
    Customer.objects.bulk_create(customer_rows, batch_size=500)
    customer_rows = list(Customer.objects.filter(creditor=creditor).order_by("external_ref"))

    contacts = _contacts(rng, customer_rows)
    Contact.objects.bulk_create(contacts, batch_size=500)

    # Split the invoices between customers, some much bigger than others.
    shares = [rng.lognormvariate(0, 0.8) for _ in customer_rows]
    total_share = sum(shares)
    counts = [max(1, int(n_invoices * s / total_share)) for s in shares]
    while sum(counts) > n_invoices:
        counts[counts.index(max(counts))] -= 1
    while sum(counts) < n_invoices:
        counts[rng.randrange(len(counts))] += 1

    invoice_plan: list[tuple[int, date, Money, int]] = []
    for idx, (customer, count) in enumerate(zip(customer_rows, counts, strict=True)):
        low, high = trades[idx][2]
        for _ in range(count):
            issue = start + timedelta(days=rng.randint(0, (as_of - start).days))
            invoice_plan.append(
                (idx, issue, _amount(rng, low, high), customer.payment_terms_days or 0)
            )
    invoice_plan.sort(key=lambda row: row[1])
    per_year: Counter[int] = Counter()
    invoice_rows: list[Invoice] = []
    for idx, issue, excl, terms_days in invoice_plan:
        per_year[issue.year] += 1
        method = TermsMethod.END_OF_MONTH_AFTER if terms_days == 45 else TermsMethod.NET
        incl = excl.times(Decimal("1.2"))
        invoice_rows.append(
            Invoice(
                creditor=creditor,
                customer=customer_rows[idx],
                number=f"FA-{issue.year}-{per_year[issue.year]:05d}",
                issue_date=issue,
                delivery_date=issue - timedelta(days=rng.randint(0, 10)),
                due_date=PaymentTerms(terms_days, method).due_date(issue),
                total_excl_tax_minor=excl.minor,
                total_incl_tax_minor=incl.minor,
                po_number=f"BC{rng.randint(10000, 99999)}" if rng.random() < 0.3 else "",
                source=Source.DEMO,
            )
        )
    Invoice.objects.bulk_create(invoice_rows, batch_size=1000)
    invoice_rows = list(
        Invoice.objects.filter(creditor=creditor).order_by("issue_date", "id").select_related(None)
    )
    by_customer: dict[int, list[Invoice]] = {}
    for inv in invoice_rows:
        by_customer.setdefault(inv.customer_id, []).append(inv)

    payments: list[Payment] = []
    planned: list[
        tuple[int, list[tuple[Invoice, int]]]
    ] = []  # payment index → invoices and amounts
    notes: list[CreditNote] = []
    note_links: list[tuple[int, Invoice, int]] = []
    note_seq = 0
    disputed_all: set[int] = set()
    for idx, customer in enumerate(customer_rows):
        profile = profiles[idx]
        _share, p_late, (late_min, late_max), (part_min, part_max), stop = PROFILES[profile]
        stop_date = as_of - timedelta(days=30 * stop) if stop else None
        invoices = by_customer.get(customer.pk, [])
        disputed = set()
        if profile == "disputes" and invoices:
            disputed = {inv.pk for inv in rng.sample(invoices, k=min(2, len(invoices)))}
            disputed_all |= disputed
        for inv in invoices:
            if inv.pk in disputed:
                continue
            if rng.random() < 0.02:  # a partial credit note (price adjustment)
                note_seq += 1
                part = Money.from_minor(inv.total_incl_tax_minor, "EUR").times(Decimal("0.1"))
                notes.append(
                    CreditNote(
                        creditor=creditor,
                        customer=customer,
                        number=f"AV-{inv.issue_date.year}-{note_seq:04d}",
                        issue_date=inv.issue_date + timedelta(days=5),
                        total_incl_tax_minor=part.minor,
                        total_excl_tax_minor=Money.round(part.amount / Decimal("1.2"), "EUR").minor,
                        invoice=inv,
                        reason="Geste commercial : remise sur prix",
                        source=Source.DEMO,
                    )
                )
                note_links.append((len(notes) - 1, inv, part.minor))
            late = rng.random() < p_late
            delay = rng.randint(late_min, late_max) if late else -rng.randint(0, 5)
            pay_on = max(inv.due_date + timedelta(days=delay), inv.issue_date)
            if pay_on > as_of or (stop_date and pay_on > stop_date):
                continue
            owed = inv.total_incl_tax_minor - (
                note_links[-1][2] if note_links and note_links[-1][1] is inv else 0
            )
            fraction = rng.uniform(part_min, part_max) if late else 1.0
            amount = owed if fraction >= 1 else max(100, int(owed * fraction))
            pay_method = rng.choice(
                (PaymentMethod.TRANSFER,) * 6 + (PaymentMethod.CHEQUE, PaymentMethod.DIRECT_DEBIT)
            )
            payments.append(
                Payment(
                    creditor=creditor,
                    customer=customer,
                    external_ref=f"VIR-{len(payments) + 1:06d}",
                    date=pay_on,
                    amount_minor=amount,
                    method=pay_method,
                    reference=f"Règlement {inv.number}",
                    payer_name=customer.legal_name.upper(),
                    source=Source.DEMO,
                )
            )
            planned.append((len(payments) - 1, [(inv, amount)]))

    CreditNote.objects.bulk_create(notes, batch_size=500)
    Payment.objects.bulk_create(payments, batch_size=1000)
    allocations = [
        Allocation(
            creditor=creditor,
            invoice=inv,
            credit_note=notes[n],
            amount_minor=amount,
            date=notes[n].issue_date,
            source=Source.DEMO,
        )
        for n, inv, amount in note_links
    ]
    for p_index, parts in planned:
        for inv, amount in parts:
            allocations.append(
                Allocation(
                    creditor=creditor,
                    invoice=inv,
                    payment=payments[p_index],
                    amount_minor=amount,
                    date=payments[p_index].date,
                    source=Source.DEMO,
                )
            )
    Allocation.objects.bulk_create(allocations, batch_size=1000)
    reminders = seed_dunning(creditor, as_of, disputed_all)
    seed_negotiation(creditor, as_of, seed=rng.randint(0, 2**31))
    save_weekly_forecasts(creditor, as_of)
    recompute_risk(creditor, as_of, deliver=False)  # the demo shows segments and holds
    return DemoSummary(
        creditor_id=creditor.pk,
        customers=len(customer_rows),
        contacts=len(contacts),
        invoices=len(invoice_rows),
        credit_notes=len(notes),
        payments=len(payments),
        allocations=len(allocations),
        profiles=dict(Counter(profiles)),
        reminders_sent=reminders,
    )


def _contacts(rng: random.Random, customers: list[Customer]) -> list[Contact]:
    rows: list[Contact] = []
    for customer in customers:
        domain = f"{_slug(customer.legal_name)}.fr"
        town_prefix = next((t[2] for t in names.TOWNS if t[1] == customer.postal_code), "01")
        if customer.kind == CustomerKind.B2C:
            first, _, last = customer.legal_name.partition(" ")
            rows.append(
                Contact(
                    customer=customer,
                    first_name=first,
                    last_name=last,
                    role=ContactRole.OTHER,
                    email=f"{_slug(first)}.{_slug(last)}@exemple.fr",
                    mobile=_mobile(rng),
                    preferred_channel="email",
                    is_primary_billing=True,
                    last_verified_on=customer.customer_since,
                )
            )
            continue
        roles = [ContactRole.ACCOUNTS_PAYABLE, ContactRole.MANAGEMENT]
        if rng.random() < 0.5:
            roles.append(ContactRole.PURCHASING)
        for n, role in enumerate(roles):
            first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.SURNAMES)
            mailbox = {
                ContactRole.ACCOUNTS_PAYABLE: "comptabilite",
                ContactRole.MANAGEMENT: f"{_slug(first)}.{_slug(last)}",
                ContactRole.PURCHASING: "achats",
            }.get(role, "contact")
            rows.append(
                Contact(
                    customer=customer,
                    first_name=first,
                    last_name=last,
                    role=role,
                    job_title={
                        ContactRole.ACCOUNTS_PAYABLE: "Comptable fournisseurs",
                        ContactRole.MANAGEMENT: "Gérant"
                        if customer.legal_form in ("SARL", "EURL")
                        else "Président",
                        ContactRole.PURCHASING: "Responsable achats",
                    }.get(role, ""),
                    department={
                        ContactRole.ACCOUNTS_PAYABLE: "Comptabilité",
                        ContactRole.PURCHASING: "Achats",
                    }.get(role, "Direction"),
                    email=f"{mailbox}@{domain}",
                    phone=_phone(rng, town_prefix),
                    mobile=_mobile(rng) if role == ContactRole.MANAGEMENT else "",
                    preferred_channel="email" if n == 0 else "phone",
                    opt_out_sms=rng.random() < 0.1,
                    is_primary_billing=n == 0,
                    last_verified_on=customer.customer_since,
                )
            )
    return rows
