"""The injonction-de-payer file of a payment-order case (CPC 1405 to 1407; LEGAL.md §5).

    court_file(case, as_of) -> CourtFile       the structured content (`as_json()` to export)
    court_file_pdf(case, as_of) -> bytes       the request and its documents in one PDF

The request names the competent court (computed when the case was opened, CPC 1406), the
creditor and the debtor (name, legal form, registered office, SIREN), the exact amount with
its breakdown (principal, interest, indemnities, per invoice, from `claim_breakdown`) and the
basis of the claim, then the numbered list of supporting documents (bordereau, décret
2021-1322): each invoice, the creditor's payment terms, each reminder sent (the customer's
`Correspondence` rows), the formal notice and its acknowledgment of receipt when recorded,
and the chronology of the recovery. The PDF concatenates (pypdf) the request, the
bordereau, the terms page, the stored invoice PDFs, the PDFs of the letters sent and the
notice with its receipt; a document that is not a PDF is listed and marked "joint à part".
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pypdf import PdfReader, PdfWriter

from relance.channels.letter.pdf import Letter, Sender, render_pdf
from relance.channels.models import Correspondence
from relance.core.errors import BadInput
from relance.domain import legal_case as lc
from relance.domain.legal_case import Route
from relance.legal.handover import Breakdown, _fmt, claim_breakdown
from relance.legal.models import STAGE_LABELS, FormalNotice, LegalCase
from relance.legal.penalty_invoices import _address, _d, _identity


@dataclass
class Exhibit:
    number: int
    title: str
    on: date | None
    pdf: bytes | None = None

    @property
    def attached(self) -> bool:
        return self.pdf is not None


@dataclass
class CourtFile:
    case: LegalCase
    as_of: date
    court: str
    breakdown: Breakdown
    exhibits: list[Exhibit] = field(default_factory=list)
    chronology: list[tuple[date, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        case, b = self.case, self.breakdown
        creditor, debtor = case.customer.creditor, case.customer
        return {
            "case": case.pk,
            "as_of": self.as_of.isoformat(),
            "court": self.court,
            "creditor": {
                "name": creditor.legal_name,
                "legal_form": creditor.legal_form,
                "address": _address(creditor),
                "siren": creditor.siren,
            },
            "debtor": {
                "name": debtor.legal_name,
                "legal_form": debtor.legal_form,
                "address": _address(debtor),
                "siren": debtor.siren,
                "professional": debtor.kind != "b2c",
            },
            "currency": b.currency,
            "amount": {
                "principal": str(b.principal.amount),
                "interest": str(b.interest.amount),
                "indemnity": str(b.indemnity.amount),
                "total": str(b.total.amount),
            },
            "basis": BASIS,
            "invoices": [
                {
                    "number": line.invoice.number,
                    "issue_date": line.invoice.issue_date.isoformat(),
                    "due_date": line.invoice.due_date.isoformat(),
                    "principal": str(line.principal.amount),
                    "interest": str(line.interest.amount),
                    "indemnity": str(line.indemnity.amount),
                    "rate_basis": line.basis or line.note,
                }
                for line in b.lines
            ],
            "exhibits": [
                {
                    "number": e.number,
                    "title": e.title,
                    "date": e.on.isoformat() if e.on else None,
                    "attached": e.attached,
                }
                for e in self.exhibits
            ],
            "chronology": [{"date": on.isoformat(), "what": what} for on, what in self.chronology],
        }


BASIS = (
    "Créance contractuelle : factures de vente ou de prestation impayées à leur échéance ; "
    "pénalités de retard (C. com. L441-10) et indemnité forfaitaire pour frais de "
    "recouvrement (D441-5) entre professionnels, intérêts au taux légal à compter de la mise "
    "en demeure (C. civ. 1231-6, 1344-1) envers un consommateur."
)


def _bytes(content: bytes | memoryview | None) -> bytes | None:
    return None if content is None else bytes(content)


def _is_pdf(content: bytes | None) -> bool:
    return content is not None and content.startswith(b"%PDF-")


def _terms_pdf(case: LegalCase) -> bytes:
    creditor = case.customer.creditor
    clause = (
        f"taux contractuel de {creditor.contractual_rate} % l'an"
        if creditor.penalty_clause == "contractual" and creditor.contractual_rate is not None
        else "taux de la BCE majoré de 10 points (C. com. L441-10)"
    )
    return render_pdf(
        Letter(
            lang="fr",
            sender=Sender(creditor.legal_name, _address(creditor)),
            address=[],
            place_date="",
            subject="Conditions de paiement du créancier",
            paragraphs=[
                f"Délai de paiement : {creditor.payment_terms_days} jours "
                f"({creditor.payment_terms_method}).",
                f"Pénalités de retard : {clause}, exigibles le jour suivant la date de "
                "règlement figurant sur la facture.",
                f"Indemnité forfaitaire pour frais de recouvrement : {creditor.indemnity_amount} "
                "€ par facture (D441-5).",
            ],
        )
    )


def _invoice_pdf(invoice: Any) -> bytes | None:
    if not invoice.pdf:
        return None
    try:
        with invoice.pdf.open("rb") as handle:
            content: bytes = handle.read()
    except OSError:
        return None
    return content if _is_pdf(content) else None


def court_file(case: LegalCase, as_of: date) -> CourtFile:
    """The content of the file; refused for another route or when nothing is overdue."""
    if case.route != Route.PAYMENT_ORDER.value:
        raise BadInput("the injonction-de-payer file is for a payment-order case")
    breakdown = claim_breakdown(case, as_of)
    if not breakdown.lines:
        raise BadInput(f"nothing is overdue for this customer on {as_of}")
    court = (
        lc.Court(case.court_kind, case.court_place, "CPC art. 1406").label("fr")
        if case.court_kind
        else ""
    )
    result = CourtFile(case, as_of, court, breakdown)

    def add(title: str, on: date | None, pdf: bytes | None) -> None:
        result.exhibits.append(Exhibit(len(result.exhibits) + 1, title, on, pdf))

    for line in breakdown.lines:
        inv = line.invoice
        add(f"Facture n° {inv.number} du {_d(inv.issue_date)}", inv.issue_date, _invoice_pdf(inv))
    add("Conditions de paiement du créancier", None, _terms_pdf(case))
    notices = list(FormalNotice.objects.filter(case=case))
    # a notice the dunning worker sent is archived with the message that carried it: listed
    # once, as the notice, below
    notice_pdfs = {bytes(n.pdf) for n in notices if n.pdf is not None}
    letters = (
        Correspondence.objects.filter(customer=case.customer)
        .prefetch_related("attachments")
        .order_by("sent_at", "pk")
    )
    for letter in letters:
        day = letter.sent_at.date()
        # the message's first PDF: the letter itself (an email's are the invoices it carried)
        pdfs = [c for a in letter.attachments.all() if _is_pdf(c := _bytes(a.content))]
        if not any(pdf in notice_pdfs for pdf in pdfs):
            title = f"Relance ({letter.channel}) du {_d(day)} : {letter.subject or '—'}"
            add(title, day, pdfs[0] if pdfs else None)
        result.chronology.append((day, f"relance {letter.channel} : {letter.subject}"))
    for notice in notices:
        add(f"Mise en demeure du {_d(notice.sent_on)}", notice.sent_on, _bytes(notice.pdf))
        receipt = _bytes(notice.receipt)
        if receipt is not None:
            add(
                f"Accusé de réception de la mise en demeure du {_d(notice.sent_on)}",
                None,
                receipt if _is_pdf(receipt) else None,
            )
    result.chronology.append((case.opened_on, "ouverture du dossier contentieux"))
    for event in case.events.all():
        result.chronology.append((event.on, str(STAGE_LABELS[lc.Stage(event.stage)])))
    result.chronology.sort(key=lambda item: item[0])
    return result


def _request_pdf(cf: CourtFile) -> bytes:
    case, b = cf.case, cf.breakdown
    creditor, debtor = case.customer.creditor, case.customer
    paragraphs = [
        "REQUÊTE EN INJONCTION DE PAYER (articles 1405 et suivants du Code de procédure civile)",
        f"Juridiction : {cf.court or '(à compléter)'}.",
        f"Créancier demandeur : {_identity(creditor)}.",
        f"Débiteur : {_identity(debtor)}.",
        f"Montant de la créance au {_d(cf.as_of)} : {_fmt(b.total)}, soit principal "
        f"{_fmt(b.principal)}, intérêts {_fmt(b.interest)}, indemnités forfaitaires "
        f"{_fmt(b.indemnity)}.",
    ]
    for line in b.lines:
        inv = line.invoice
        paragraphs.append(
            f"Facture n° {inv.number} du {_d(inv.issue_date)}, échéance {_d(inv.due_date)} : "
            f"principal {_fmt(line.principal)}, intérêts {_fmt(line.interest)}"
            + (f" ({line.basis})" if line.basis else "")
            + f", indemnité {_fmt(line.indemnity)}."
        )
    paragraphs.append(f"Fondement de la créance : {BASIS}")
    paragraphs.append("BORDEREAU DES PIÈCES")
    paragraphs += [
        f"Pièce n° {e.number} : {e.title}" + ("" if e.attached else " (jointe à part)")
        for e in cf.exhibits
    ]
    paragraphs.append("CHRONOLOGIE DU RECOUVREMENT")
    paragraphs += [f"{_d(on)} : {what}" for on, what in cf.chronology]
    return render_pdf(
        Letter(
            lang="fr",
            sender=Sender(creditor.legal_name, _address(creditor)),
            address=[cf.court] if cf.court else [],
            place_date=f"{creditor.city + ', ' if creditor.city else ''}le {_d(cf.as_of)}",
            subject=f"Requête en injonction de payer contre {debtor.legal_name}",
            paragraphs=paragraphs,
        )
    )


def court_file_pdf(case: LegalCase, as_of: date) -> bytes:
    """The request (with bordereau and chronology) followed by every attached document."""
    cf = court_file(case, as_of)
    writer = PdfWriter()
    for content in [_request_pdf(cf), *(e.pdf for e in cf.exhibits if e.pdf is not None)]:
        writer.append(PdfReader(io.BytesIO(content)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
