"""Request and response bodies.

Amounts are decimal strings in the currency given next to them
(``{"total_incl_tax": "1234.50", "currency": "EUR"}``), never JSON numbers:
a float cannot hold every amount exactly.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import BeforeValidator, Strict, StrictBool, StrictInt, model_validator

from relance.customers.models import Channel, ContactRole, CustomerKind, CustomerStatus
from relance.ledger.models import PaymentMethod

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso_date_only(value: Any) -> Any:
    """Dates are written YYYY-MM-DD; numbers (read as timestamps) and other forms are refused."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise ValueError("expected a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value.strip()} is not a valid date") from None


#: An object id (1 to 2**63 - 1): anything else is refused (422) before reaching the database.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
#: The same in a JSON body, where it must be a JSON number (a string is an invoice number).
BodyId = Annotated[int, Strict(), Field(ge=1, le=2**63 - 1)]

#: An input date: ISO 8601 calendar date only.
Day = Annotated[date, BeforeValidator(iso_date_only)]

AMOUNT = 'Decimal amount as a string, e.g. "1234.50" (a comma is accepted as decimal mark).'


class Input(Schema):
    """A request body: a JSON object, never another value read attribute by attribute."""

    @model_validator(mode="before")
    @classmethod
    def _object_only(cls, value: Any) -> Any:
        raw = value._obj if isinstance(value, DjangoGetter) else value
        if not isinstance(raw, dict):
            raise ValueError("expected a JSON object")
        return value


class Page(Schema):
    count: int = Field(description="Number of items matching the filters.")
    limit: int
    offset: int


# --- customers -----------------------------------------------------------------------------


class CustomerOut(Schema):
    id: int
    external_ref: str | None
    legal_name: str
    legal_form: str
    siren: str
    siret: str
    vat_number: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    country: str
    websites: list[str]
    kind: CustomerKind
    language: str
    currency: str
    segment: str
    assigned_collector: int | None
    credit_limit: str | None
    payment_terms_days: int | None
    notes: str
    status: CustomerStatus
    customer_since: date | None
    created_at: datetime
    updated_at: datetime


class CustomerPage(Page):
    items: list[CustomerOut]


class CustomerIn(Input):
    legal_name: str = Field(min_length=1, max_length=200)
    external_ref: str | None = Field(None, max_length=64)
    legal_form: str = Field("", max_length=50)
    siren: str = ""
    siret: str = ""
    vat_number: str = ""
    address_line1: str = Field("", max_length=200)
    address_line2: str = Field("", max_length=200)
    postal_code: str = ""
    city: str = Field("", max_length=100)
    country: str = "FR"
    websites: list[str] = []
    kind: CustomerKind = CustomerKind.B2B
    language: str = "fr"
    currency: str = "EUR"
    segment: str = Field("", max_length=40)
    assigned_collector: BodyId | None = Field(None, description="User id of the collector.")
    credit_limit: str | None = Field(None, min_length=1, max_length=40, description=AMOUNT)
    payment_terms_days: StrictInt | None = Field(None, ge=0, le=365)
    notes: str = ""
    status: CustomerStatus = CustomerStatus.ACTIVE
    customer_since: Day | None = None


class CustomerPatch(Input):
    legal_name: str | None = Field(None, min_length=1, max_length=200)
    external_ref: str | None = Field(None, max_length=64)
    legal_form: str | None = Field(None, max_length=50)
    siren: str | None = None
    siret: str | None = None
    vat_number: str | None = None
    address_line1: str | None = Field(None, max_length=200)
    address_line2: str | None = Field(None, max_length=200)
    postal_code: str | None = None
    city: str | None = Field(None, max_length=100)
    country: str | None = None
    websites: list[str] | None = None
    kind: CustomerKind | None = None
    language: str | None = None
    currency: str | None = None
    segment: str | None = Field(None, max_length=40)
    assigned_collector: BodyId | None = None
    credit_limit: str | None = Field(None, min_length=1, max_length=40, description=AMOUNT)
    payment_terms_days: StrictInt | None = Field(None, ge=0, le=365)
    notes: str | None = None
    status: CustomerStatus | None = None
    customer_since: Day | None = None


# --- contacts ------------------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    customer: int
    external_ref: str | None
    first_name: str
    last_name: str
    job_title: str
    role: ContactRole
    department: str
    email: str
    phone: str
    mobile: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    country: str
    preferred_channel: str
    opt_out_email: bool
    opt_out_sms: bool
    opt_out_letter: bool
    opt_out_phone: bool
    is_primary_billing: bool
    last_verified_on: date | None
    notes: str
    email_undeliverable_since: datetime | None = Field(
        None, description="Set by delivery feedback (bounce, complaint): no email goes there."
    )
    email_undeliverable_reason: str = ""
    mobile_undeliverable_since: datetime | None = Field(
        None, description="Set by SMS delivery reports (hard bounce): no SMS goes there."
    )
    mobile_undeliverable_reason: str = ""
    phone_wrong_since: datetime | None = Field(
        None, description="Set when a call found the number wrong: no call task goes there."
    )
    phone_wrong_reason: str = ""


class ContactPage(Page):
    items: list[ContactOut]


class ContactIn(Input):
    external_ref: str | None = Field(None, max_length=64)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    job_title: str = Field("", max_length=100)
    role: ContactRole = ContactRole.OTHER
    department: str = Field("", max_length=100)
    email: str = ""
    phone: str = ""
    mobile: str = ""
    address_line1: str = Field("", max_length=200)
    address_line2: str = Field("", max_length=200)
    postal_code: str = ""
    city: str = Field("", max_length=100)
    country: str = ""
    preferred_channel: Channel | None = None
    opt_out_email: StrictBool = False
    opt_out_sms: StrictBool = False
    opt_out_letter: StrictBool = False
    opt_out_phone: StrictBool = False
    is_primary_billing: StrictBool = Field(
        False, description="Making a contact the primary billing contact unsets the previous one."
    )
    last_verified_on: Day | None = None
    notes: str = ""


class ContactPatch(Input):
    external_ref: str | None = Field(None, max_length=64)
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    job_title: str | None = Field(None, max_length=100)
    role: ContactRole | None = None
    department: str | None = Field(None, max_length=100)
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    address_line1: str | None = Field(None, max_length=200)
    address_line2: str | None = Field(None, max_length=200)
    postal_code: str | None = None
    city: str | None = Field(None, max_length=100)
    country: str | None = None
    preferred_channel: Channel | None = None
    opt_out_email: StrictBool | None = None
    opt_out_sms: StrictBool | None = None
    opt_out_letter: StrictBool | None = None
    opt_out_phone: StrictBool | None = None
    is_primary_billing: StrictBool | None = None
    last_verified_on: Day | None = None
    notes: str | None = None


# --- ledger --------------------------------------------------------------------------------


class AllocationOut(Schema):
    id: int
    invoice: int
    invoice_number: str
    payment: int | None
    credit_note: int | None
    currency: str
    amount: str
    date: date
    source: str
    created_at: datetime


class AllocationPage(Page):
    items: list[AllocationOut]


class InvoiceOut(Schema):
    id: int
    number: str
    customer: int
    customer_name: str
    issue_date: date
    delivery_date: date | None
    due_date: date
    currency: str
    total_excl_tax: str
    total_incl_tax: str
    allocated: str
    open: str = Field(description="Amount still owed (total minus allocations).")
    paid: bool
    status: str
    po_number: str
    source: str
    created_at: datetime


class InvoiceDetail(InvoiceOut):
    allocations: list[AllocationOut]


class InvoicePage(Page):
    items: list[InvoiceOut]


class InvoiceIn(Input):
    customer: BodyId
    number: str = Field(min_length=1, max_length=64)
    issue_date: Day
    due_date: Day | None = Field(
        None, description="Default: issue date plus the customer's (else the creditor's) terms."
    )
    delivery_date: Day | None = None
    currency: str | None = Field(None, description="Default: the customer's currency.")
    total_incl_tax: str = Field(min_length=1, max_length=40, description=AMOUNT)
    total_excl_tax: str | None = Field(None, min_length=1, max_length=40, description=AMOUNT)
    po_number: str = Field("", max_length=64)


class CreditNoteOut(Schema):
    id: int
    number: str
    customer: int
    issue_date: date
    currency: str
    total_excl_tax: str
    total_incl_tax: str
    allocated: str
    unallocated: str
    invoice: int | None
    reason: str
    source: str
    created_at: datetime


class CreditNoteDetail(CreditNoteOut):
    allocations: list[AllocationOut]


class CreditNotePage(Page):
    items: list[CreditNoteOut]


class CreditNoteIn(Input):
    customer: BodyId
    number: str = Field(min_length=1, max_length=64)
    issue_date: Day
    currency: str | None = None
    total_incl_tax: str = Field(min_length=1, max_length=40, description=AMOUNT)
    total_excl_tax: str | None = Field(None, min_length=1, max_length=40, description=AMOUNT)
    reason: str = Field("", max_length=200)
    invoice: BodyId | str | None = Field(
        None,
        description="Invoice corrected: id (a number) or invoice number (a string); "
        "the credit note is applied to it.",
    )
    apply_amount: str | None = Field(
        None, description="Amount applied to the invoice. Default: as much as possible."
    )


class PaymentOut(Schema):
    id: int
    customer: int | None
    external_ref: str | None
    date: date
    currency: str
    amount: str
    allocated: str
    unallocated: str
    method: str
    reference: str
    payer_name: str
    payer_iban: str
    source: str
    created_at: datetime


class PaymentDetail(PaymentOut):
    allocations: list[AllocationOut]


class PaymentPage(Page):
    items: list[PaymentOut]


class PaymentAllocationIn(Input):
    invoice: BodyId | str = Field(description="Invoice id (a number) or invoice number (a string).")
    amount: str | None = Field(
        None, min_length=1, max_length=40, description=AMOUNT + " Default: as much as possible."
    )


class PaymentIn(Input):
    customer: BodyId | None = Field(None, description="Empty while the payer is not identified.")
    external_ref: str | None = Field(None, max_length=100)
    date: Day
    currency: str | None = None
    amount: str = Field(min_length=1, max_length=40, description=AMOUNT)
    method: PaymentMethod = PaymentMethod.TRANSFER
    reference: str = Field("", max_length=200)
    payer_name: str = Field("", max_length=200)
    payer_iban: str = ""
    allocations: list[PaymentAllocationIn] = []


class AllocationIn(Input):
    invoice: BodyId | str = Field(description="Invoice id (a number) or invoice number (a string).")
    payment: BodyId | None = None
    credit_note: BodyId | None = None
    amount: str | None = Field(
        None, min_length=1, max_length=40, description=AMOUNT + " Default: as much as possible."
    )
    date: Day | None = Field(None, description="Default: the payment or credit-note date.")


# --- aging ---------------------------------------------------------------------------------


class BucketOut(Schema):
    key: str
    label: str
    min_days: int | None
    max_days: int | None


class BucketAmount(Schema):
    key: str
    label: str
    amount: str
    count: int


class CurrencyAging(Schema):
    currency: str
    buckets: list[BucketAmount]
    total: str
    overdue: str
    count: int


class AgingOut(Schema):
    as_of: date
    buckets: list[BucketOut]
    currencies: list[CurrencyAging]


# --- imports -------------------------------------------------------------------------------


class ImportOut(Schema):
    ok: bool
    dry_run: bool
    result: dict[str, object] = Field(description="The import report (rows, created, updated…).")


# --- caller --------------------------------------------------------------------------------


class MeOut(Schema):
    user: int
    username: str
    creditor: int
    creditor_name: str
    role: str
    can_write: bool = Field(description="False for the read_only role.")
    can_write_ledger: bool = Field(
        description="May create customers, invoices, credit notes, payments and run imports."
    )
    sees_all_customers: bool = Field(description="False for a collector (assigned customers only).")
    token_prefix: str | None = Field(description="Null when called from a web session.")
    token_expires_at: datetime | None
