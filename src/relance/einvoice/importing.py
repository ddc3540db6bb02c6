"""Importing e-invoices into the ledger (`relance import einvoice FILE|DIR`).

For each file: read it (readers), find the creditor whose SIREN or VAT number is the
seller's, find the customer by SIREN, then VAT number, then name (or create it), and
create the invoice or credit note with the original file kept as an `InvoiceDocument`
(under RELANCE_DATA_DIR/documents/einvoices/; a PDF is also the invoice's `pdf`). The
mention check is stored with the document and reported.

- All or nothing per file: one transaction; a file written to storage is removed again
  when the transaction fails.
- Idempotent: a number the creditor already has is left unchanged (issued invoices are
  never modified), with a warning when the file differs from the one first imported.
- A prepaid amount (BT-113) becomes a payment allocated to the invoice, so that the open
  amount is the amount due. A credit note referring to an invoice of the same customer
  (BT-25) is allocated to it, up to what it still owes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q

from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.customers.models import Customer, CustomerKind
from relance.domain.einvoice import DocumentKind, EInvoice, Party
from relance.domain.mentions import REFORM_FROM, Finding, Status, check
from relance.domain.money import Money
from relance.einvoice.models import EINVOICE_SOURCE, InvoiceDocument
from relance.einvoice.readers import Format, read_bytes
from relance.einvoice.readers.errors import EInvoiceError
from relance.ledger.models import CreditNote, Invoice, Payment, PaymentMethod
from relance.ledger.services import allocate

SUFFIXES = (".pdf", ".xml")


@dataclass
class FileResult:
    file: str
    status: str = "refused"  # created, would_create, unchanged, refused
    kind: str = ""
    number: str = ""
    profile: str = ""
    creditor: int | None = None
    customer: int | None = None
    customer_created: bool = False
    record: int | None = None  # the invoice or credit note id
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    error_code: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "refused"

    @property
    def missing(self) -> int:
        return sum(1 for f in self.findings if f.status is Status.MISSING)

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "kind": self.kind,
            "number": self.number,
            "profile": self.profile,
            "creditor": self.creditor,
            "customer": self.customer,
            "customer_created": self.customer_created,
            "id": self.record,
            "findings": [f.as_dict(lang) for f in self.findings],
            "warnings": self.warnings,
            "error": {"code": self.error_code, "message": self.error} if self.error else None,
        }


def files_in(path: Path) -> list[Path]:
    """The file itself, or the PDF and XML files of a directory (sorted, not recursive)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    if path.is_file():
        return [path]
    raise BadInput(f"{path}: no such file or directory")


def import_path(
    path: Path,
    *,
    creditor: Creditor | None = None,
    dry_run: bool = False,
    user: Any = None,
    reform_from: date = REFORM_FROM,
) -> list[FileResult]:
    return [
        import_file(p, creditor=creditor, dry_run=dry_run, user=user, reform_from=reform_from)
        for p in files_in(path)
    ]


def import_file(
    path: Path,
    *,
    creditor: Creditor | None = None,
    dry_run: bool = False,
    user: Any = None,
    reform_from: date = REFORM_FROM,
) -> FileResult:
    result = FileResult(file=path.name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        result.error, result.error_code = f"{path.name}: cannot read ({exc.strerror})", "unreadable"
        return result
    return import_bytes(
        data,
        path.name,
        creditor=creditor,
        dry_run=dry_run,
        user=user,
        reform_from=reform_from,
        result=result,
    )


def import_bytes(
    data: bytes,
    name: str,
    *,
    creditor: Creditor | None = None,
    dry_run: bool = False,
    user: Any = None,
    reform_from: date = REFORM_FROM,
    result: FileResult | None = None,
) -> FileResult:
    result = result or FileResult(file=name)
    try:
        inv, file_format = read_bytes(data, name)
        result.kind, result.number, result.profile = inv.kind.value, inv.number, inv.profile.value
        owner = creditor_for(inv.seller, creditor, name)
        result.creditor = owner.pk
        _check_amounts(inv, name)
        sha = hashlib.sha256(data).hexdigest()
        existing = _existing(owner, inv)
        if existing is not None:
            result.status, result.record = "unchanged", existing.pk
            result.customer = existing.customer_id
            doc = InvoiceDocument.objects.filter(
                Q(invoice_id=existing.pk)
                if isinstance(existing, Invoice)
                else Q(credit_note_id=existing.pk)
            ).first()
            result.findings = [_finding(f) for f in doc.findings] if doc else []
            if doc is None or doc.sha256 != sha:
                result.warnings.append(
                    f"{owner} already has {inv.kind.value.replace('_', ' ')} {inv.number}: "
                    "left unchanged (issued invoices are never modified)"
                )
            return result
        customer = find_customer(owner, inv.buyer)
        result.customer = customer.pk if customer else None
        result.customer_created = customer is None
        consumer = customer is not None and customer.kind == CustomerKind.B2C
        result.findings = check(inv, reform_from=reform_from, consumer=consumer)
        if inv.due_date is None and inv.kind is DocumentKind.INVOICE:
            result.warnings.append(
                "no due date in the file: the creditor's default payment terms apply"
            )
        if dry_run:
            result.status = "would_create"
            return result
        record = _write(owner, customer, inv, file_format, data, name, sha, result, user)
        result.status, result.record = "created", record.pk
        result.customer = record.customer_id
    except BadInput as exc:
        result.status = "refused"
        result.error = str(exc)
        result.error_code = exc.code if isinstance(exc, EInvoiceError) else "refused"
    except IntegrityError as exc:
        # Another import of the same number committed between our check and our insert.
        result.status = "refused"
        result.error = f"{name}: refused by the ledger ({str(exc).splitlines()[0]}); run it again"
        result.error_code = "conflict"
    return result


def _finding(stored: dict[str, str]) -> Finding:
    return Finding(
        stored["code"], Status(stored["status"]), stored["en"], stored["fr"], stored["basis"]
    )


def creditor_for(seller: Party, given: Creditor | None, source: str) -> Creditor:
    """The creditor that issued the invoice: SIREN (or SIRET's SIREN) or VAT number."""
    vat = seller.vat_number
    # A French VAT number is FR + 2 check characters + the SIREN.
    vat_siren = vat[4:] if vat.startswith("FR") and len(vat) == 13 else ""
    sirens = {s for s in (seller.siren, seller.siret[:9], vat_siren) if s}
    query = Q()
    if sirens:
        query |= Q(siren__in=sirens)
    if seller.vat_number:
        query |= Q(vat_number__iexact=seller.vat_number)
    who = f"the seller {seller.name or '?'}"
    if not query:
        raise BadInput(f"{source}: {who} has neither SIREN nor VAT number: no creditor to match")
    ids = ", ".join(
        p for p in (f"SIREN {'/'.join(sorted(sirens))}" if sirens else "", seller.vat_number) if p
    )
    if given is not None:
        if not Creditor.objects.filter(query, pk=given.pk).exists():
            raise BadInput(f"{source}: {who} ({ids}) is not the creditor {given}")
        return given
    found = list(Creditor.objects.filter(query).order_by("pk")[:2])
    if not found:
        raise BadInput(f"{source}: no creditor has the seller's {ids} ({seller.name or '?'})")
    if len(found) > 1:
        raise BadInput(f"{source}: several creditors match {ids}: choose one with --creditor")
    return found[0]


def find_customer(owner: Creditor, buyer: Party) -> Customer | None:
    """The customer by SIREN, then VAT number, then exact name (case-insensitive)."""
    customers = Customer.objects.filter(creditor=owner)
    siren = buyer.siren or buyer.siret[:9]
    for query in (
        Q(siren=siren) if siren else None,
        Q(vat_number__iexact=buyer.vat_number) if buyer.vat_number else None,
        Q(legal_name__iexact=buyer.name) if buyer.name else None,
    ):
        if query is not None:
            found = customers.filter(query).order_by("pk").first()
            if found is not None:
                return found
    return None


def _existing(owner: Creditor, inv: EInvoice) -> Invoice | CreditNote | None:
    model: type[Invoice] | type[CreditNote] = (
        CreditNote if inv.kind is DocumentKind.CREDIT_NOTE else Invoice
    )
    return model.objects.filter(creditor=owner, number=inv.number).first()


def _check_amounts(inv: EInvoice, source: str) -> None:
    what = "credit note" if inv.kind is DocumentKind.CREDIT_NOTE else "invoice"
    if inv.total_incl_tax.is_negative:
        raise EInvoiceError(
            "bad_value",
            f"{what} {inv.number} has a negative total ({inv.total_incl_tax}): a correction "
            "that lowers what is owed is recorded as a credit note",
            source=source,
            field="total incl. tax",
        )
    if inv.kind is DocumentKind.CREDIT_NOTE and inv.total_incl_tax.is_zero:
        raise EInvoiceError(
            "bad_value", f"credit note {inv.number} is for zero", source=source, field="total"
        )
    if inv.amount_due.is_negative:
        raise EInvoiceError(
            "bad_value",
            f"{what} {inv.number}: the amount due is negative ({inv.amount_due}): more was "
            "prepaid than invoiced",
            source=source,
            field="amount due",
        )
    if len(inv.number) > 64:
        raise EInvoiceError(
            "bad_value", "the invoice number is longer than 64 characters", source=source
        )


def _new_customer(owner: Creditor, buyer: Party) -> Customer:
    a = buyer.address
    country = a.country if len(a.country) == 2 else ""
    siren = buyer.siren or buyer.siret[:9]
    return Customer.objects.create(
        creditor=owner,
        legal_name=(buyer.name or siren or buyer.vat_number or "?")[:200],
        siren=siren if len(siren) == 9 else "",
        siret=buyer.siret if len(buyer.siret) == 14 else "",
        vat_number=buyer.vat_number[:20],
        address_line1=(a.lines[0] if a.lines else "")[:200],
        address_line2=", ".join(a.lines[1:])[:200],
        postal_code=a.postal_code[:20],
        city=a.city[:100],
        country=country or ("FR" if siren else owner.country),
        kind=CustomerKind.B2B,
        currency=owner.currency,
    )


def _write(
    owner: Creditor,
    customer: Customer | None,
    inv: EInvoice,
    file_format: str,
    data: bytes,
    name: str,
    sha: str,
    result: FileResult,
    user: Any,
) -> Invoice | CreditNote:
    stored: list[str] = []
    try:
        with transaction.atomic():
            if customer is None:
                customer = _new_customer(owner, inv.buyer)
            doc = InvoiceDocument(
                creditor=owner,
                file_name=name[:255],
                sha256=sha,
                file_format=file_format,
                syntax=inv.syntax,
                profile=inv.profile.value,
                findings=[
                    {
                        "code": f.code,
                        "status": f.status.value,
                        "en": f.en,
                        "fr": f.fr,
                        "basis": f.basis,
                    }
                    for f in result.findings
                ],
            )
            suffix = ".pdf" if file_format == Format.PDF else ".xml"
            doc.file.save(f"{owner.pk}-{inv.number}{suffix}", ContentFile(data), save=False)
            stored.append(str(doc.file.name))
            record: Invoice | CreditNote
            if inv.kind is DocumentKind.CREDIT_NOTE:
                record = _credit_note(owner, customer, inv, doc, file_format, user)
                doc.credit_note = record
            else:
                record = _invoice(owner, customer, inv, doc, file_format, user)
                doc.invoice = record
            doc.save()
            return record
    except Exception:
        for stored_name in stored:
            default_storage.delete(stored_name)
        raise


def _excl(inv: EInvoice) -> int:
    if inv.total_excl_tax is not None:
        return inv.total_excl_tax.minor
    if inv.tax_total is not None:
        return (inv.total_incl_tax - inv.tax_total).minor
    return 0


def _invoice(
    owner: Creditor,
    customer: Customer,
    inv: EInvoice,
    doc: InvoiceDocument,
    file_format: str,
    user: Any,
) -> Invoice:
    due = inv.due_date or owner.payment_terms.due_date(inv.issue_date)
    if due < inv.issue_date:
        raise EInvoiceError(
            "bad_value",
            f"due date {due.isoformat()} is before the issue date {inv.issue_date.isoformat()}",
            source=doc.file_name,
            field="due date",
        )
    invoice = Invoice.objects.create(
        creditor=owner,
        customer=customer,
        number=inv.number,
        issue_date=inv.issue_date,
        delivery_date=inv.delivery_date or inv.period_end,
        due_date=due,
        currency=inv.currency,
        total_excl_tax_minor=_excl(inv),
        total_incl_tax_minor=inv.total_incl_tax.minor,
        po_number=inv.purchase_order[:64],
        source=EINVOICE_SOURCE,
        pdf=doc.file.name if file_format == Format.PDF else "",
    )
    prepaid = inv.total_incl_tax - inv.amount_due
    if prepaid.is_positive:
        payment = Payment.objects.create(
            creditor=owner,
            customer=customer,
            external_ref=f"einvoice-prepaid:{invoice.pk}",
            date=inv.issue_date,
            currency=inv.currency,
            amount_minor=prepaid.minor,
            method=PaymentMethod.OTHER,
            reference=f"prepaid on e-invoice {inv.number}",
            source=EINVOICE_SOURCE,
        )
        allocate(invoice, payment=payment, on=inv.issue_date, user=user, source=EINVOICE_SOURCE)
    return invoice


def _credit_note(
    owner: Creditor,
    customer: Customer,
    inv: EInvoice,
    doc: InvoiceDocument,
    file_format: str,
    user: Any,
) -> CreditNote:
    corrected = (
        Invoice.objects.filter(creditor=owner, number=inv.preceding_invoice).first()
        if inv.preceding_invoice
        else None
    )
    note = CreditNote.objects.create(
        creditor=owner,
        customer=customer,
        number=inv.number,
        issue_date=inv.issue_date,
        currency=inv.currency,
        total_excl_tax_minor=_excl(inv),
        total_incl_tax_minor=inv.total_incl_tax.minor,
        invoice=corrected,
        reason=(inv.notes[0].text if inv.notes else "")[:200],
        source=EINVOICE_SOURCE,
        pdf=doc.file.name if file_format == Format.PDF else "",
    )
    if (
        corrected is not None
        and corrected.customer_id == customer.pk
        and corrected.currency == note.currency
        and corrected.open_minor > 0
    ):
        amount = min(corrected.open_minor, note.total_incl_tax_minor)
        allocate(
            corrected,
            credit_note=note,
            amount=Money.from_minor(amount, note.currency),
            on=inv.issue_date,
            user=user,
            source=EINVOICE_SOURCE,
        )
    return note
