"""Penalty invoices: late-payment interest and fixed indemnities billed on their own invoice.

    draft_lines(customer, as_of) -> list[Draft]       what would be billed now
    issue_penalty_invoice(customer, as_of, user=None)  numbered, stored, PDF + Factur-X XML
    waive(penalty_invoice, reason, user=None)          status waived, who, when, why
    export_csv(queryset) -> bytes                      for the accountant

The original invoices are never modified. Every issued invoice of the customer that is late at
`as_of`, paid or not, is listed with its days, rate segments and interest (the penalty engine,
with the formal-notice date: `relance.legal.accrual`) and its fixed indemnity. An invoice
already billed up to a day is billed again only for the days after it; its indemnity is billed
once. A waived penalty invoice still counts as billed: waiving forgives those days. An invoice
whose penalties a payment plan or a settlement waived (an active
relance.negotiation.models.PenaltyWaiver) is not billed at all.

Numbers are `PEN-<year>-<nnnn>` per creditor and year, gap-free: the counter row is locked
(`select_for_update`) in the same transaction that stores the invoice, so a failure rolls the
number back, and two concurrent issues wait for each other. The customer row is locked too,
so the same days cannot be billed twice by two concurrent requests.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from relance.channels.letter.pdf import Letter, Row, Sender, render_pdf
from relance.core.errors import BadInput
from relance.customers.models import Customer, CustomerKind
from relance.domain.money import Money, sum_money
from relance.domain.penalties import Segment
from relance.ledger.models import Invoice, InvoiceStatus
from relance.ledger.penalties import rate_book
from relance.legal import cii
from relance.legal.accrual import notice_date_for, penalty_at
from relance.legal.handover import _fmt
from relance.legal.models import (
    PenaltyInvoice,
    PenaltyInvoiceLine,
    PenaltySequence,
    PenaltyStatus,
)
from relance.negotiation.common import waived_invoice_ids

HUNDRED = Decimal(100)
NO_VAT = cii.NO_VAT


@dataclass(frozen=True)
class BilledSegment:
    start: date
    end: date
    days: int
    rate: Decimal
    base: Money
    amount: Money


@dataclass(frozen=True)
class Draft:
    """One late invoice as it would be billed: the days after what was billed before."""

    invoice: Invoice
    period_start: date | None
    billed_until: date
    segments: list[BilledSegment]
    interest: Money
    indemnity: Money
    basis: str

    @property
    def days(self) -> int:
        return sum(s.days for s in self.segments)

    @property
    def total(self) -> Money:
        return self.interest + self.indemnity


def _clip(segments: tuple[Segment, ...], after: date | None) -> tuple[list[BilledSegment], Money]:
    """The segments' days after `after` (all of them if None), and their interest rounded once."""
    currency = segments[0].base.currency if segments else "EUR"
    kept: list[BilledSegment] = []
    exact = Decimal(0)
    for s in segments:
        start = s.start if after is None else max(s.start, after + timedelta(days=1))
        if start > s.end:
            continue
        days = (s.end - start).days + 1
        value = s.exact if days == s.days else s.base.amount * s.rate * days / (HUNDRED * s.divisor)
        exact += value
        kept.append(BilledSegment(start, s.end, days, s.rate, s.base, Money.round(value, currency)))
    return kept, Money.round(exact, currency)


def _billed(invoice: Invoice) -> tuple[date | None, bool]:
    """Up to which day the invoice's interest was billed, and whether its indemnity was."""
    rows = PenaltyInvoiceLine.objects.filter(invoice=invoice)
    until = rows.aggregate(m=Max("billed_until"))["m"]
    return until, rows.filter(indemnity_minor__gt=0).exists()


def draft_lines(customer: Customer, as_of: date, currency: str | None = None) -> list[Draft]:
    """What a penalty invoice for `customer` at `as_of` would list (nothing already billed);
    only the invoices in `currency` when it is given."""
    book = rate_book()
    notice = notice_date_for(customer, as_of)
    drafts = []
    invoices = Invoice.objects.filter(
        customer=customer, status=InvoiceStatus.ISSUED, due_date__lt=as_of
    )
    if currency is not None:
        invoices = invoices.filter(currency=currency)
    invoices = (
        invoices.select_related("creditor", "customer")
        .prefetch_related("allocations")
        .order_by("due_date", "number")
    )
    waived = waived_invoice_ids(invoices.values_list("pk", flat=True))
    for invoice in invoices:
        if invoice.pk in waived:
            continue
        found = penalty_at(invoice, as_of, book, notice)
        if found.result is None:
            if found.error_code == "rate_not_covered":
                raise BadInput(f"invoice {invoice.number}: {found.error}")
            continue
        result = found.result
        until, indemnity_billed = _billed(invoice)
        if until is not None and until >= result.claim.until and indemnity_billed:
            continue
        segments, interest = _clip(result.segments, until)
        indemnity = Money.zero(invoice.currency) if indemnity_billed else result.indemnity
        if interest.is_zero and indemnity.is_zero:
            continue
        drafts.append(
            Draft(
                invoice=invoice,
                period_start=segments[0].start if segments else None,
                billed_until=max(result.claim.until, until or result.claim.until),
                segments=segments,
                interest=interest,
                indemnity=indemnity,
                basis=result.basis,
            )
        )
    return drafts


def _next_number(creditor_id: int, year: int) -> str:
    PenaltySequence.objects.get_or_create(creditor_id=creditor_id, year=year)
    seq = PenaltySequence.objects.select_for_update().get(creditor_id=creditor_id, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"PEN-{year}-{seq.last:04d}"


@transaction.atomic
def issue_penalty_invoice(
    customer: Customer,
    as_of: date,
    *,
    user: Any = None,
    currency: str | None = None,
    dunning_key: str = "",
) -> PenaltyInvoice:
    """Bill what is not yet billed for `customer` at `as_of`; refused when there is nothing.

    `currency`: bill only the invoices in that currency (a dunning message is per currency).
    `dunning_key`: the dunning message issuing it (unique: see relance.dunning.legal_steps).
    """
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    drafts = draft_lines(customer, as_of, currency)
    currencies = {d.invoice.currency for d in drafts}
    if not drafts:
        raise BadInput(
            f"customer {customer.legal_name}: no late-payment penalty left to bill at {as_of}"
            + (f" in {currency}" if currency else "")
        )
    if len(currencies) > 1:
        raise BadInput(
            f"customer {customer.legal_name}: late invoices in several currencies "
            f"({', '.join(sorted(currencies))}); one penalty invoice per currency is not "
            "supported yet"
        )
    (currency,) = currencies
    interest = sum_money((d.interest for d in drafts), currency)
    indemnity = sum_money((d.indemnity for d in drafts), currency)
    number = _next_number(customer.creditor_id, as_of.year)
    pi = PenaltyInvoice.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        number=number,
        issued_on=as_of,
        currency=currency,
        interest_minor=interest.minor,
        indemnity_minor=indemnity.minor,
        total_minor=(interest + indemnity).minor,
        dunning_key=dunning_key,
        created_by=user,
    )
    for d in drafts:
        PenaltyInvoiceLine.objects.create(
            penalty_invoice=pi,
            invoice=d.invoice,
            period_start=d.period_start,
            billed_until=d.billed_until,
            days=d.days,
            segments=[
                {
                    "start": s.start.isoformat(),
                    "end": s.end.isoformat(),
                    "days": s.days,
                    "rate": str(s.rate),
                    "base": str(s.base.amount),
                    "amount": str(s.amount.amount),
                }
                for s in d.segments
            ],
            basis=d.basis[:100],
            interest_minor=d.interest.minor,
            indemnity_minor=d.indemnity.minor,
        )
    pi.pdf = render(pi)
    pi.save(update_fields=["pdf"])
    return pi


@transaction.atomic
def waive(pi: PenaltyInvoice, reason: str, *, user: Any = None) -> PenaltyInvoice:
    """Waive a penalty invoice (it stays, with who, when and why); its days stay billed."""
    pi = PenaltyInvoice.objects.select_for_update().get(pk=pi.pk)
    if not reason.strip():
        raise BadInput("reason: say why the penalties are waived")
    if pi.status == PenaltyStatus.WAIVED:
        raise BadInput(f"penalty invoice {pi.number} is already waived")
    pi.status = PenaltyStatus.WAIVED
    pi.waived_reason = reason.strip()[:300]
    pi.waived_by = user if user is not None and user.is_authenticated else None
    pi.waived_at = timezone.now()
    pi.save(update_fields=["status", "waived_reason", "waived_by", "waived_at"])
    return pi


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _rate(rate: Decimal) -> str:
    return f"{rate.normalize():f}".replace(".", ",") + " %"


def _address(party: Any) -> list[str]:
    return [
        line
        for line in (
            party.address_line1,
            party.address_line2,
            f"{party.postal_code} {party.city}".strip(),
        )
        if line
    ]


def _identity(party: Any) -> str:
    parts = [party.legal_name]
    if party.legal_form:
        parts.append(party.legal_form)
    parts.extend(_address(party))
    if party.siren:
        parts.append(f"SIREN {party.siren}")
    return ", ".join(parts)


def letter_of(pi: PenaltyInvoice) -> Letter:
    creditor = pi.creditor
    customer = pi.customer
    lines = list(pi.lines.select_related("invoice"))
    consumer = customer.kind == CustomerKind.B2C
    basis = (
        # a consumer owes interest at the legal rate from the formal notice, and no indemnity
        "Intérêts au taux légal courus depuis la mise en demeure (C. civ. 1231-6 et 1344-1) "
        "dus sur les factures suivantes, payées ou non, réglées après leur échéance."
        if consumer
        else "Intérêts de retard (C. com. L441-10) et indemnités forfaitaires pour frais de "
        "recouvrement (D441-5) dus sur les factures suivantes, payées ou non, réglées après "
        "leur échéance."
    )
    paragraphs = [
        f"Facture de pénalités n° {pi.number} du {_d(pi.issued_on)}.",
        f"Émetteur : {_identity(creditor)}. Client : {_identity(customer)}.",
        basis + " Les factures d'origine ne sont pas modifiées.",
    ]
    for line in lines:
        inv = line.invoice
        detail = "; ".join(
            f"du {_d(date.fromisoformat(s['start']))} au {_d(date.fromisoformat(s['end']))} : "
            f"{s['days']} jours au taux de {_rate(Decimal(s['rate']))} sur "
            f"{_fmt(Money.of(s['base'], pi.currency))} = {_fmt(Money.of(s['amount'], pi.currency))}"
            for s in line.segments
        )
        paragraphs.append(
            f"Facture {inv.number} du {_d(inv.issue_date)}, échéance {_d(inv.due_date)}, "
            f"montant {_fmt(inv.total)} : "
            + (f"{line.days} jours de retard ({detail}) ; " if line.segments else "")
            + f"intérêts {_fmt(Money.from_minor(line.interest_minor, pi.currency))}"
            + (
                ""
                if consumer
                else ", indemnité forfaitaire "
                f"{_fmt(Money.from_minor(line.indemnity_minor, pi.currency))}"
            )
            + (f" (taux : {line.basis})" if line.basis else "")
            + "."
        )
    paragraphs += [
        f"Total des intérêts : {_fmt(Money.from_minor(pi.interest_minor, pi.currency))}. "
        + (
            ""
            if consumer
            else "Total des indemnités : "
            f"{_fmt(Money.from_minor(pi.indemnity_minor, pi.currency))}. "
        )
        + f"Montant dû : {_fmt(Money.from_minor(pi.total_minor, pi.currency))}.",
        f"{NO_VAT}.",
        "Paiement à réception"
        + (f", par virement sur le compte IBAN {creditor.iban}" if creditor.iban else "")
        + f", en rappelant la référence {pi.number}.",
    ]
    rows = [
        Row(
            line.invoice.number,
            _d(line.invoice.issue_date),
            _d(line.invoice.due_date),
            str(line.days),
            _fmt(Money.from_minor(line.interest_minor + line.indemnity_minor, pi.currency)),
        )
        for line in lines
    ]
    return Letter(
        lang="fr",
        sender=Sender(creditor.legal_name, _address(creditor)),
        address=[customer.legal_name, *_address(customer)],
        place_date=f"{creditor.city + ', ' if creditor.city else ''}le {_d(pi.issued_on)}",
        subject=f"Facture de pénalités de retard {pi.number}",
        paragraphs=paragraphs,
        rows=rows,
        total=_fmt(Money.from_minor(pi.total_minor, pi.currency)),
        footer=" — ".join(
            part
            for part in (
                creditor.legal_name,
                creditor.legal_form,
                f"SIREN {creditor.siren}" if creditor.siren else "",
                NO_VAT,
            )
            if part
        ),
    )


def _party(party: Any) -> cii.Party:
    return cii.Party(
        party.legal_name,
        party.siren,
        party.address_line1,
        party.postal_code,
        party.city,
        getattr(party, "country", "") or "FR",
    )


def xml_of(pi: PenaltyInvoice) -> bytes:
    items: list[cii.XmlLine] = []
    for line in pi.lines.select_related("invoice"):
        number = line.invoice.number
        if line.interest_minor:
            amount = Money.from_minor(line.interest_minor, pi.currency).amount
            items.append(cii.XmlLine(f"Intérêts de retard, facture {number}", amount))
        if line.indemnity_minor:
            amount = Money.from_minor(line.indemnity_minor, pi.currency).amount
            items.append(cii.XmlLine(f"Indemnité forfaitaire, facture {number}", amount))
    return cii.penalty_invoice_xml(
        cii.XmlInvoice(
            number=pi.number,
            issued_on=pi.issued_on,
            currency=pi.currency,
            seller=_party(pi.creditor),
            buyer=_party(pi.customer),
            lines=items,
            total=Money.from_minor(pi.total_minor, pi.currency).amount,
            payment_terms="Paiement à réception",
        )
    )


def render(pi: PenaltyInvoice) -> bytes:
    """The PDF of the penalty invoice with its Factur-X XML embedded (XSD-checked)."""
    return cii.embed(render_pdf(letter_of(pi)), xml_of(pi))


def export_csv(rows: QuerySet[PenaltyInvoice]) -> bytes:
    """number;date;customer;siren;currency;interest;indemnity;amount;status (UTF-8 with BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "number",
            "date",
            "customer",
            "siren",
            "currency",
            "interest",
            "indemnity",
            "amount",
            "status",
        ]
    )
    for pi in rows.select_related("customer").order_by("issued_on", "number"):
        writer.writerow(
            [
                pi.number,
                pi.issued_on.isoformat(),
                pi.customer.legal_name,
                pi.customer.siren,
                pi.currency,
                Money.from_minor(pi.interest_minor, pi.currency).amount,
                Money.from_minor(pi.indemnity_minor, pi.currency).amount,
                Money.from_minor(pi.total_minor, pi.currency).amount,
                pi.status,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def pdf_of(pi: PenaltyInvoice) -> bytes:
    """The stored PDF (rendered again if it was never stored)."""
    return bytes(pi.pdf) if pi.pdf is not None else render(pi)
