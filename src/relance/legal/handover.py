"""Handing a case over to a collection agency (CPCE R124-1 to R124-7) or a lawyer.

- `claim_breakdown(case, as_of)`: the sums due element by element (R124-3, R124-4): per
  overdue invoice, the principal still open, the late-payment interest and the fixed recovery
  indemnity, computed by the penalty engine (`relance.ledger.penalties`), each shown apart.
  Costs that stay with the creditor (CPCE L111-8) are never added to what the debtor is asked.
- `set_mandate(case, …)`: the written mandate's data (R124-3): the agency, its professional
  liability insurance, the fee paid by the creditor, the terms for handing over funds.
- `first_letter_pdf(case, as_of)`: the agency's first letter to the debtor with every mention
  of R124-4, including the text of L111-8 paragraphs 2 and 3.
- `handover_zip(case, as_of)`: the export for the agency: the claim as CSV, the mandate
  summary and the first letter as PDF.
- `record_collection(case, on, amount, fee)`: a sum collected and its fee, recorded back as a
  payment on the customer's oldest open invoices (so that balances and dunning follow).

Dunning stays paused while the case is open (the case's `Pause`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction

from relance.channels.letter.pdf import Letter, Row, Sender, render_pdf
from relance.core.errors import BadInput
from relance.domain.legal_case import Route, Stage
from relance.domain.money import Money, sum_money
from relance.ledger.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from relance.ledger.services import allocate
from relance.legal.accrual import penalty_at
from relance.legal.models import AgencyCollection, AgencyMandate, LegalCase
from relance.legal.services import claimable, record_event

#: CPCE L111-8, paragraphs 2 and 3, which R124-4 requires in the agency's first letter.
L111_8_PARAGRAPHS_2_3 = (
    "Les frais de recouvrement entrepris sans titre exécutoire restent à la charge du "
    "créancier, sauf s'ils concernent un acte dont l'accomplissement est prescrit par la loi "
    "au créancier. Toute stipulation contraire est réputée non écrite, sauf disposition "
    "législative contraire.",
    "Cependant, le créancier qui justifie du caractère nécessaire des démarches entreprises "
    "pour recouvrer sa créance peut demander au juge de l'exécution de laisser tout ou partie "
    "des frais ainsi exposés à la charge du débiteur de mauvaise foi.",
)

HANDOVER_ROUTES = (Route.AGENCY.value, Route.LAWYER.value)


@dataclass(frozen=True)
class ClaimLine:
    invoice: Invoice
    principal: Money
    interest: Money
    indemnity: Money
    basis: str  # how the interest rate was set ("ECB + 10", "contractual", …)
    note: str  # why no interest could be computed, if so

    @property
    def total(self) -> Money:
        return self.principal + self.interest + self.indemnity


@dataclass(frozen=True)
class Breakdown:
    as_of: date
    currency: str
    lines: list[ClaimLine]

    def _sum(self, attr: str) -> Money:
        return sum_money((getattr(line, attr) for line in self.lines), self.currency)

    @property
    def principal(self) -> Money:
        return self._sum("principal")

    @property
    def interest(self) -> Money:
        return self._sum("interest")

    @property
    def indemnity(self) -> Money:
        return self._sum("indemnity")

    @property
    def total(self) -> Money:
        return self.principal + self.interest + self.indemnity


def claim_breakdown(case: LegalCase, as_of: date) -> Breakdown:
    """The overdue invoices of the case's customer at `as_of` that are not time-barred,
    element by element."""
    invoices, _barred = claimable(case.customer, as_of, case.currency)
    zero = Money.zero(case.currency)
    lines = []
    for invoice in invoices:
        penalty = penalty_at(invoice, as_of)
        result = penalty.result
        lines.append(
            ClaimLine(
                invoice=invoice,
                principal=Money.from_minor(invoice.open_minor, case.currency),
                interest=result.interest if result else zero,
                indemnity=result.indemnity if result else zero,
                basis=result.basis if result else "",
                note=penalty.error,
            )
        )
    return Breakdown(as_of, case.currency, lines)


def _need_handover(case: LegalCase) -> None:
    if case.route not in HANDOVER_ROUTES:
        raise BadInput("this case is not handed over to an agency or a lawyer")


@transaction.atomic
def set_mandate(case: LegalCase, **fields: Any) -> AgencyMandate:
    """Create or replace the mandate of an agency case; every R124-3 element is required."""
    _need_handover(case)
    required = ("agency_name", "agency_address", "insurer", "insurance_policy", "signed_on")
    missing = [name for name in required if not fields.get(name)]
    if missing:
        raise BadInput(f"mandate: missing {', '.join(missing)} (CPCE R124-3)")
    fee = Decimal(str(fields.get("fee_percent", "")) or "0")
    if not Decimal(0) <= fee <= Decimal(100):
        raise BadInput("fee_percent: between 0 and 100")
    if fields["signed_on"] < case.opened_on:
        raise BadInput("signed_on: before the case was opened")
    fields.setdefault("letter_reference", f"REL-{case.pk:06d}")
    mandate, _created = AgencyMandate.objects.update_or_create(case=case, defaults=fields)
    if not case.events.filter(stage=Stage.HANDED_OVER.value).exists():
        record_event(
            case, Stage.HANDED_OVER.value, fields["signed_on"], note=str(fields["agency_name"])
        )
    return mandate


def _fmt(money: Money) -> str:
    """French display of an amount in a generated document (1 234,56 €)."""
    from babel.numbers import format_currency

    return str(format_currency(money.amount, money.currency, locale="fr_FR"))


def first_letter(case: LegalCase, as_of: date) -> Letter:
    """The agency's first letter to the debtor (R124-4), as a letter to render."""
    _need_handover(case)
    mandate = AgencyMandate.objects.filter(case=case).first()
    if mandate is None:
        raise BadInput("record the agency mandate first (CPCE R124-3)")
    breakdown = claim_breakdown(case, as_of)
    if not breakdown.lines:
        raise BadInput("nothing is overdue for this customer any more")
    creditor = case.customer.creditor
    customer = case.customer
    creditor_address = ", ".join(
        part
        for part in (
            creditor.address_line1,
            creditor.address_line2,
            f"{creditor.postal_code} {creditor.city}".strip(),
        )
        if part
    )
    paragraphs = [
        f"Notre société, {mandate.agency_name}, exerce une activité de recouvrement amiable de "
        f"créances pour le compte d'autrui. Elle a été mandatée par {creditor.legal_name}"
        f"{', ' + creditor.legal_form if creditor.legal_form else ''}, {creditor_address}"
        f"{' (SIREN ' + creditor.siren + ')' if creditor.siren else ''}, "
        f"pour recouvrer la créance décrite ci-dessous.",
        f"Fondement de la créance : factures impayées à leur échéance, dont le détail suit. "
        f"Principal restant dû : {_fmt(breakdown.principal)}. Intérêts de retard au "
        f"{as_of.strftime('%d/%m/%Y')} : {_fmt(breakdown.interest)}. Indemnités forfaitaires "
        f"pour frais de recouvrement : {_fmt(breakdown.indemnity)}. Total réclamé : "
        f"{_fmt(breakdown.total)}. Les frais qui restent à la charge du créancier ne vous sont "
        f"pas réclamés.",
        "Nous vous demandons de régler cette somme"
        + (
            f" par virement sur le compte IBAN {creditor.iban} de {creditor.legal_name}"
            if creditor.iban
            else ""
        )
        + f", en rappelant la référence {mandate.letter_reference}, ou de nous contacter "
        f"pour convenir d'une solution. Tout paiement fera l'objet d'un reçu.",
        "Article L111-8 du code des procédures civiles d'exécution, alinéas 2 et 3 :",
        *(f"« {text} »" for text in L111_8_PARAGRAPHS_2_3),
    ]
    rows = [
        Row(
            number=line.invoice.number,
            issued=line.invoice.issue_date.strftime("%d/%m/%Y"),
            due=line.invoice.due_date.strftime("%d/%m/%Y"),
            days_late=str((as_of - line.invoice.due_date).days),
            open=_fmt(line.principal),
        )
        for line in breakdown.lines
    ]
    return Letter(
        lang="fr",
        sender=Sender(mandate.agency_name, mandate.agency_address.splitlines()),
        address=[
            customer.legal_name,
            *[line for line in (customer.address_line1, customer.address_line2) if line],
            f"{customer.postal_code} {customer.city}".strip(),
        ],
        place_date=f"Le {(mandate.letter_date or as_of).strftime('%d/%m/%Y')}",
        subject=f"Recouvrement amiable — référence {mandate.letter_reference}",
        paragraphs=paragraphs,
        rows=rows,
        total=_fmt(breakdown.principal),
        footer=f"{mandate.agency_name} — recouvrement amiable de créances",
    )


def first_letter_pdf(case: LegalCase, as_of: date) -> bytes:
    return render_pdf(first_letter(case, as_of))


def mandate_pdf(case: LegalCase, as_of: date) -> bytes:
    """A summary of the mandate (R124-3) and the claim element by element."""
    mandate = AgencyMandate.objects.filter(case=case).first()
    if mandate is None:
        raise BadInput("record the agency mandate first (CPCE R124-3)")
    breakdown = claim_breakdown(case, as_of)
    creditor = case.customer.creditor
    letter = Letter(
        lang="fr",
        sender=Sender(
            creditor.legal_name, [creditor.address_line1, f"{creditor.postal_code} {creditor.city}"]
        ),
        address=[mandate.agency_name, *mandate.agency_address.splitlines()],
        place_date=f"Le {mandate.signed_on.strftime('%d/%m/%Y')}",
        subject=f"Mandat de recouvrement amiable — {case.customer.legal_name}",
        paragraphs=[
            f"Débiteur : {case.customer.legal_name}"
            f"{' (SIREN ' + case.customer.siren + ')' if case.customer.siren else ''}.",
            f"Sommes dues, élément par élément, au {as_of.strftime('%d/%m/%Y')} : principal "
            f"{_fmt(breakdown.principal)}, intérêts {_fmt(breakdown.interest)}, indemnités "
            f"forfaitaires {_fmt(breakdown.indemnity)}, total {_fmt(breakdown.total)}.",
            f"Assurance de responsabilité civile professionnelle : {mandate.insurer}, "
            f"police n° {mandate.insurance_policy}.",
            f"Rémunération du mandataire, à la charge du créancier : "
            f"{str(mandate.fee_percent).replace('.', ',')} % des "
            f"sommes encaissées.",
            f"Les fonds encaissés sont reversés au créancier dans un délai de "
            f"{mandate.funds_within_days} jours à compter de leur encaissement effectif.",
        ],
        rows=[
            Row(
                line.invoice.number,
                line.invoice.issue_date.strftime("%d/%m/%Y"),
                line.invoice.due_date.strftime("%d/%m/%Y"),
                str((as_of - line.invoice.due_date).days),
                _fmt(line.total),
            )
            for line in breakdown.lines
        ],
        total=_fmt(breakdown.total),
    )
    return render_pdf(letter)


def claim_csv(breakdown: Breakdown) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "invoice",
            "issue_date",
            "due_date",
            "currency",
            "principal",
            "interest",
            "indemnity",
            "total",
            "rate_basis",
        ]
    )
    for line in breakdown.lines:
        writer.writerow(
            [
                line.invoice.number,
                line.invoice.issue_date.isoformat(),
                line.invoice.due_date.isoformat(),
                breakdown.currency,
                line.principal.amount,
                line.interest.amount,
                line.indemnity.amount,
                line.total.amount,
                line.basis or line.note,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def handover_zip(case: LegalCase, as_of: date) -> bytes:
    """claim.csv, mandate.pdf and first-letter.pdf in one zip."""
    breakdown = claim_breakdown(case, as_of)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("claim.csv", claim_csv(breakdown))
        archive.writestr("mandate.pdf", mandate_pdf(case, as_of))
        archive.writestr("first-letter.pdf", first_letter_pdf(case, as_of))
    return buffer.getvalue()


@transaction.atomic
def record_collection(
    case: LegalCase, on: date, amount: Money, fee: Money, *, user: Any = None, note: str = ""
) -> AgencyCollection:
    """A sum collected by the agency or lawyer: a payment on the oldest open invoices."""
    _need_handover(case)
    if amount.currency != case.currency or fee.currency != case.currency:
        raise BadInput(f"amounts must be in {case.currency}")
    if not amount.is_positive:
        raise BadInput("amount: must be more than zero")
    if fee.is_negative or fee > amount:
        raise BadInput("fee: between zero and the amount collected")
    if on < case.opened_on:
        raise BadInput("collected on: before the case was opened")
    payment = Payment.objects.create(
        creditor_id=case.creditor_id,
        customer=case.customer,
        date=on,
        currency=case.currency,
        amount_minor=amount.minor,
        method=PaymentMethod.OTHER,
        reference=f"legal case #{case.pk}",
        payer_name=case.handler or case.customer.legal_name,
    )
    left = amount.minor
    for invoice in Invoice.objects.filter(
        customer=case.customer,
        currency=case.currency,
        status=InvoiceStatus.ISSUED,
        open_minor__gt=0,
    ).order_by("due_date", "number"):
        if left <= 0:
            break
        share = min(left, invoice.open_minor)
        allocate(
            invoice,
            payment=payment,
            amount=Money.from_minor(share, case.currency),
            on=on,
            user=user,
        )
        left -= share
    return AgencyCollection.objects.create(
        case=case,
        on=on,
        amount_minor=amount.minor,
        fee_minor=fee.minor,
        payment=payment,
        note=note[:300],
        created_by=user,
    )


def collected(case: LegalCase) -> tuple[Money, Money]:
    """Sums collected and fees so far."""
    rows = list(case.collections.values_list("amount_minor", "fee_minor"))
    return (
        Money.from_minor(sum(r[0] for r in rows), case.currency),
        Money.from_minor(sum(r[1] for r in rows), case.currency),
    )


def fee_due(mandate: AgencyMandate, amount: Money) -> Money:
    """The fee the mandate gives for a sum collected (rounded half-up to the cent)."""
    return Money.round(amount.amount * mandate.fee_percent / 100, amount.currency, ROUND_HALF_UP)
