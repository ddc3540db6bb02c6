"""Invoices, credit notes, payments and allocations (lettrage).

Creating invoices, credit notes and payments is a ledger write (administrator,
credit manager). Allocating and un-allocating is open to every role that may
write, on the customers the caller sees. Issued invoices are never changed
through the API: corrections are credit notes.
"""

from datetime import timedelta
from typing import Any, Literal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status

from relance.api.auth import Caller, caller
from relance.api.common import (
    Limit,
    Offset,
    amount_text,
    check_currency,
    credit_notes_of,
    get_customer,
    get_invoice,
    invoices_of,
    page,
    page_body,
    parse_money,
    payments_of,
)
from relance.api.errors import COMMON, ONE, WRITE, Issues, conflict, invalid, not_found
from relance.api.schemas import (
    AllocationIn,
    AllocationOut,
    AllocationPage,
    CreditNoteDetail,
    CreditNoteIn,
    CreditNotePage,
    Day,
    Id,
    InvoiceDetail,
    InvoiceIn,
    InvoicePage,
    PaymentDetail,
    PaymentIn,
    PaymentPage,
)
from relance.core.errors import BadInput
from relance.core.models import Source
from relance.domain import identifiers as ids
from relance.ledger.models import Allocation, CreditNote, Invoice, InvoiceStatus, Payment
from relance.ledger.queries import default_buckets
from relance.ledger.services import allocate, unallocate
from relance.risk.services import refresh as refresh_risk

router = Router()


# --- output --------------------------------------------------------------------------------


def allocation_out(a: Allocation) -> dict[str, Any]:
    currency = a.invoice.currency
    return {
        "id": a.pk,
        "invoice": a.invoice_id,
        "invoice_number": a.invoice.number,
        "payment": a.payment_id,
        "credit_note": a.credit_note_id,
        "currency": currency,
        "amount": amount_text(a.amount_minor, currency),
        "date": a.date,
        "source": a.source,
        "created_at": a.created_at,
    }


def _allocations(qs: Any) -> list[dict[str, Any]]:
    return [allocation_out(a) for a in qs.select_related("invoice").order_by("date", "id")]


def invoice_out(i: Invoice, detail: bool = False) -> dict[str, Any]:
    c = i.currency
    data: dict[str, Any] = {
        "id": i.pk,
        "number": i.number,
        "customer": i.customer_id,
        "customer_name": i.customer.legal_name,
        "issue_date": i.issue_date,
        "delivery_date": i.delivery_date,
        "due_date": i.due_date,
        "currency": c,
        "total_excl_tax": amount_text(i.total_excl_tax_minor, c),
        "total_incl_tax": amount_text(i.total_incl_tax_minor, c),
        "allocated": amount_text(i.allocated_minor, c),
        "open": amount_text(i.total_incl_tax_minor - i.allocated_minor, c),
        "paid": i.is_paid,
        "status": i.status,
        "po_number": i.po_number,
        "source": i.source,
        "created_at": i.created_at,
    }
    if detail:
        data["allocations"] = _allocations(i.allocations.all())
    return data


def credit_note_out(n: CreditNote, detail: bool = False) -> dict[str, Any]:
    c = n.currency
    data: dict[str, Any] = {
        "id": n.pk,
        "number": n.number,
        "customer": n.customer_id,
        "issue_date": n.issue_date,
        "currency": c,
        "total_excl_tax": amount_text(n.total_excl_tax_minor, c),
        "total_incl_tax": amount_text(n.total_incl_tax_minor, c),
        "allocated": amount_text(n.allocated_minor, c),
        "unallocated": amount_text(n.total_incl_tax_minor - n.allocated_minor, c),
        "invoice": n.invoice_id,
        "reason": n.reason,
        "source": n.source,
        "created_at": n.created_at,
    }
    if detail:
        data["allocations"] = _allocations(n.allocations.all())
    return data


def payment_out(p: Payment, detail: bool = False) -> dict[str, Any]:
    c = p.currency
    data: dict[str, Any] = {
        "id": p.pk,
        "customer": p.customer_id,
        "external_ref": p.external_ref,
        "date": p.date,
        "currency": c,
        "amount": amount_text(p.amount_minor, c),
        "allocated": amount_text(p.allocated_minor, c),
        "unallocated": amount_text(p.amount_minor - p.allocated_minor, c),
        "method": p.method,
        "reference": p.reference,
        "payer_name": p.payer_name,
        "payer_iban": p.payer_iban,
        "source": p.source,
        "created_at": p.created_at,
    }
    if detail:
        data["allocations"] = _allocations(p.allocations.all())
    return data


# --- invoices ------------------------------------------------------------------------------


@router.get(
    "/invoices", response={200: InvoicePage, **COMMON}, summary="List invoices", tags=["invoices"]
)
def list_invoices(
    request: Any,
    customer: Id | None = None,
    status: QueryEx[
        Literal["open", "paid", "cancelled"] | None,
        P(description="open: something still owed; paid: fully allocated; cancelled."),
    ] = None,
    bucket: QueryEx[
        str | None,
        P(
            description="Aging bucket at `as_of` (open invoices only): not_due, d1_30, d31_60, "
            "d61_90, d90_plus with the default bounds (see GET /api/aging)."
        ),
    ] = None,
    as_of: QueryEx[Day | None, P(description="Date for `bucket` (default: today).")] = None,
    due_before: QueryEx[Day | None, P(description="Due on or before this date.")] = None,
    due_after: QueryEx[Day | None, P(description="Due on or after this date.")] = None,
    number: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    who = caller(request)
    qs = invoices_of(who).select_related("customer")
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if number is not None:
        qs = qs.filter(number=number)
    if status == "open":
        qs = qs.filter(status=InvoiceStatus.ISSUED, open_minor__gt=0)
    elif status == "paid":
        qs = qs.filter(status=InvoiceStatus.ISSUED, open_minor__lte=0)
    elif status == "cancelled":
        qs = qs.filter(status=InvoiceStatus.CANCELLED)
    if bucket is not None:
        buckets = {b.key: b for b in default_buckets().buckets}
        chosen = buckets.get(bucket)
        if chosen is None:
            raise invalid(
                _("Unknown aging bucket."),
                [
                    {
                        "field": "bucket",
                        "message": _("Expected one of: %(keys)s.") % {"keys": ", ".join(buckets)},
                        "code": "invalid_choice",
                    }
                ],
            )
        day = as_of or timezone.localdate()
        qs = qs.filter(status=InvoiceStatus.ISSUED, open_minor__gt=0, issue_date__lte=day)
        if chosen.min_days is not None:
            qs = qs.filter(due_date__lte=day - timedelta(days=chosen.min_days))
        if chosen.max_days is not None:
            qs = qs.filter(due_date__gte=day - timedelta(days=chosen.max_days))
    if due_before is not None:
        qs = qs.filter(due_date__lte=due_before)
    if due_after is not None:
        qs = qs.filter(due_date__gte=due_after)
    count, items = page(qs.order_by("due_date", "id"), limit, offset)
    return page_body(count, limit, offset, [invoice_out(i) for i in items])


@router.get(
    "/invoices/{invoice_id}",
    response={200: InvoiceDetail, **ONE},
    summary="Get an invoice with its allocations and open balance",
    tags=["invoices"],
)
def get_invoice_view(request: Any, invoice_id: Id) -> Any:
    return invoice_out(get_invoice(caller(request), invoice_id), detail=True)


@router.post(
    "/invoices",
    response={201: InvoiceDetail, **WRITE},
    summary="Create an invoice (409 when the number exists)",
    tags=["invoices"],
)
def create_invoice(request: Any, payload: InvoiceIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    customer = get_customer(who, payload.customer)
    issues = Issues()
    currency = check_currency(payload.currency or customer.currency, "currency", issues)
    issues.raise_if_any()
    total = parse_money(payload.total_incl_tax, currency, "total_incl_tax", issues)
    excl = parse_money(payload.total_excl_tax, currency, "total_excl_tax", issues)
    if total is not None and excl is not None and excl > total:
        issues.add(
            "total_excl_tax",
            _("The total excluding tax is more than the total including tax."),
        )
    due = payload.due_date
    if due is None:
        if customer.payment_terms_days is not None:
            due = payload.issue_date + timedelta(days=customer.payment_terms_days)
        else:
            due = customer.creditor.payment_terms.due_date(payload.issue_date)
    if due < payload.issue_date:
        issues.add("due_date", _("The due date is before the issue date."), "due_before_issue")
    number = payload.number.strip()
    if not number:
        issues.add("number", _("The invoice number is required."), "required")
    issues.raise_if_any()
    assert total is not None
    if Invoice.objects.filter(creditor_id=who.creditor_id, number=number).exists():
        raise conflict(_("Invoice %(number)s already exists.") % {"number": number}, "number")
    with transaction.atomic():
        invoice = Invoice.objects.create(
            creditor_id=who.creditor_id,
            customer=customer,
            number=number,
            issue_date=payload.issue_date,
            due_date=due,
            delivery_date=payload.delivery_date,
            currency=currency,
            total_incl_tax_minor=total.minor,
            total_excl_tax_minor=excl.minor if excl is not None else 0,
            po_number=payload.po_number,
            source=Source.API,
        )
    invoice.refresh_from_db()
    return Status(201, invoice_out(invoice, detail=True))


# --- credit notes --------------------------------------------------------------------------


def _get_credit_note(who: Caller, pk: int) -> CreditNote:
    found = credit_notes_of(who).filter(pk=pk).first()
    if found is None:
        raise not_found(_("Credit note %(id)s not found.") % {"id": pk})
    return found


@router.get(
    "/credit-notes",
    response={200: CreditNotePage, **COMMON},
    summary="List credit notes",
    tags=["credit notes"],
)
def list_credit_notes(
    request: Any,
    customer: Id | None = None,
    invoice: Id | None = None,
    unallocated: QueryEx[
        bool | None, P(description="Only those with something left to apply.")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    qs = credit_notes_of(caller(request))
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if invoice is not None:
        qs = qs.filter(invoice_id=invoice)
    if unallocated is not None:
        qs = qs.filter(unallocated_minor__gt=0) if unallocated else qs.filter(unallocated_minor=0)
    count, items = page(qs.order_by("-issue_date", "-id"), limit, offset)
    return page_body(count, limit, offset, [credit_note_out(n) for n in items])


@router.get(
    "/credit-notes/{credit_note_id}",
    response={200: CreditNoteDetail, **ONE},
    summary="Get a credit note",
    tags=["credit notes"],
)
def get_credit_note(request: Any, credit_note_id: Id) -> Any:
    return credit_note_out(_get_credit_note(caller(request), credit_note_id), detail=True)


@router.post(
    "/credit-notes",
    response={201: CreditNoteDetail, **WRITE},
    summary="Create a credit note, optionally applied to the invoice it corrects",
    tags=["credit notes"],
)
def create_credit_note(request: Any, payload: CreditNoteIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    customer = get_customer(who, payload.customer)
    issues = Issues()
    currency = check_currency(payload.currency or customer.currency, "currency", issues)
    issues.raise_if_any()
    total = parse_money(
        payload.total_incl_tax, currency, "total_incl_tax", issues, allow_zero=False
    )
    excl = parse_money(payload.total_excl_tax, currency, "total_excl_tax", issues)
    apply = parse_money(payload.apply_amount, currency, "apply_amount", issues, allow_zero=False)
    number = payload.number.strip()
    if not number:
        issues.add("number", _("The credit note number is required."), "required")
    issues.raise_if_any()
    assert total is not None
    invoice = get_invoice(who, payload.invoice) if payload.invoice is not None else None
    if CreditNote.objects.filter(creditor_id=who.creditor_id, number=number).exists():
        raise conflict(_("Credit note %(number)s already exists.") % {"number": number}, "number")
    with transaction.atomic():
        note = CreditNote.objects.create(
            creditor_id=who.creditor_id,
            customer=customer,
            number=number,
            issue_date=payload.issue_date,
            currency=currency,
            total_incl_tax_minor=total.minor,
            total_excl_tax_minor=excl.minor if excl is not None else 0,
            invoice=invoice,
            reason=payload.reason,
            source=Source.API,
        )
        # Applied to the corrected invoice: `apply_amount`, else what the invoice still
        # owes (nothing when it is already settled: the credit stays unallocated).
        owed = invoice is not None and invoice.total_incl_tax_minor > invoice.allocated_minor
        if invoice is not None and (apply is not None or owed):
            allocate(invoice, credit_note=note, amount=apply, user=who.user, source=Source.API)
    note.refresh_from_db()
    return Status(201, credit_note_out(note, detail=True))


# --- payments ------------------------------------------------------------------------------


def _get_payment(who: Caller, pk: int) -> Payment:
    found = payments_of(who).filter(pk=pk).first()
    if found is None:
        raise not_found(_("Payment %(id)s not found.") % {"id": pk})
    return found


@router.get(
    "/payments", response={200: PaymentPage, **COMMON}, summary="List payments", tags=["payments"]
)
def list_payments(
    request: Any,
    customer: Id | None = None,
    unallocated: QueryEx[
        bool | None, P(description="Only those with something left to apply.")
    ] = None,
    date_from: Day | None = None,
    date_to: Day | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    qs = payments_of(caller(request))
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if unallocated is not None:
        qs = qs.filter(unallocated_minor__gt=0) if unallocated else qs.filter(unallocated_minor=0)
    if date_from is not None:
        qs = qs.filter(date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(date__lte=date_to)
    count, items = page(qs.order_by("-date", "-id"), limit, offset)
    return page_body(count, limit, offset, [payment_out(p) for p in items])


@router.get(
    "/payments/{payment_id}",
    response={200: PaymentDetail, **ONE},
    summary="Get a payment with its allocations",
    tags=["payments"],
)
def get_payment(request: Any, payment_id: Id) -> Any:
    return payment_out(_get_payment(caller(request), payment_id), detail=True)


@router.post(
    "/payments",
    response={201: PaymentDetail, **WRITE},
    summary="Record a payment, optionally allocated to invoices",
    tags=["payments"],
)
def create_payment(request: Any, payload: PaymentIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    customer = get_customer(who, payload.customer) if payload.customer is not None else None
    issues = Issues()
    default_currency = customer.currency if customer else "EUR"
    currency = check_currency(payload.currency or default_currency, "currency", issues)
    issues.raise_if_any()
    amount = parse_money(payload.amount, currency, "amount", issues, allow_zero=False)
    iban = ""
    if payload.payer_iban.strip():
        try:
            iban = ids.clean_iban(payload.payer_iban, field="payer_iban")
        except ids.IdentifierError as exc:
            issues.issue(exc.issue)
    parts = [
        parse_money(a.amount, currency, f"allocations.{n}.amount", issues, allow_zero=False)
        for n, a in enumerate(payload.allocations)
    ]
    issues.raise_if_any()
    assert amount is not None
    invoices = [get_invoice(who, a.invoice) for a in payload.allocations]
    ref = (payload.external_ref or "").strip() or None
    if ref and Payment.objects.filter(creditor_id=who.creditor_id, external_ref=ref).exists():
        raise conflict(
            _("A payment with the reference %(ref)s already exists.") % {"ref": ref},
            "external_ref",
        )
    with transaction.atomic():
        payment = Payment.objects.create(
            creditor_id=who.creditor_id,
            customer=customer,
            external_ref=ref,
            date=payload.date,
            currency=currency,
            amount_minor=amount.minor,
            method=payload.method,
            reference=payload.reference,
            payer_name=payload.payer_name,
            payer_iban=iban,
            source=Source.API,
        )
        for n, (invoice, part) in enumerate(zip(invoices, parts, strict=True)):
            try:
                allocate(invoice, payment=payment, amount=part, user=who.user, source=Source.API)
            except BadInput as exc:
                raise invalid(
                    str(exc),
                    [{"field": f"allocations.{n}", "message": str(exc), "code": "refused"}],
                ) from exc
    payment.refresh_from_db()
    refresh_risk(who.creditor_id, [customer.pk] if customer else [])
    return Status(201, payment_out(payment, detail=True))


# --- allocations ---------------------------------------------------------------------------


def _allocations_of(who: Caller) -> Any:
    kwargs: dict[str, object] = {"creditor_id": who.creditor_id}
    if who.collector_id is not None:
        kwargs["invoice__customer__assigned_collector_id"] = who.collector_id
    return Allocation.objects.filter(**kwargs)


@router.get(
    "/allocations",
    response={200: AllocationPage, **COMMON},
    summary="List allocations",
    tags=["allocations"],
)
def list_allocations(
    request: Any,
    invoice: Id | None = None,
    payment: Id | None = None,
    credit_note: Id | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    qs = _allocations_of(caller(request)).select_related("invoice")
    filters = Q()
    if invoice is not None:
        filters &= Q(invoice_id=invoice)
    if payment is not None:
        filters &= Q(payment_id=payment)
    if credit_note is not None:
        filters &= Q(credit_note_id=credit_note)
    count, items = page(qs.filter(filters).order_by("date", "id"), limit, offset)
    return page_body(count, limit, offset, [allocation_out(a) for a in items])


@router.post(
    "/allocations",
    response={201: AllocationOut, **WRITE},
    summary="Allocate a payment or a credit note to an invoice",
    tags=["allocations"],
)
def create_allocation(request: Any, payload: AllocationIn) -> Any:
    who = caller(request)
    who.need_write()
    if (payload.payment is None) == (payload.credit_note is None):
        raise invalid(
            _("Give exactly one of payment or credit_note."),
            [
                {
                    "field": "payment",
                    "message": _("Give exactly one of payment or credit_note."),
                    "code": "one_of",
                }
            ],
        )
    invoice = get_invoice(who, payload.invoice)
    payment = _get_payment(who, payload.payment) if payload.payment is not None else None
    note = _get_credit_note(who, payload.credit_note) if payload.credit_note is not None else None
    issues = Issues()
    amount = parse_money(payload.amount, invoice.currency, "amount", issues, allow_zero=False)
    issues.raise_if_any()
    allocation = allocate(
        invoice,
        payment=payment,
        credit_note=note,
        amount=amount,
        on=payload.date,
        user=who.user,
        source=Source.API,
    )
    return Status(201, allocation_out(allocation))


@router.delete(
    "/allocations/{allocation_id}",
    response={204: None, **ONE},
    summary="Remove an allocation (the amounts become open again)",
    tags=["allocations"],
)
def delete_allocation(request: Any, allocation_id: Id) -> Any:
    who = caller(request)
    who.need_write()
    found = _allocations_of(who).filter(pk=allocation_id).first()
    if found is None:
        raise not_found(_("Allocation %(id)s not found.") % {"id": allocation_id})
    with transaction.atomic():
        unallocate(found)
    return Status(204, None)
