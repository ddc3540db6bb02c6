"""Customers and their contacts."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status

from relance.accounts.models import Membership
from relance.api.auth import Caller, caller
from relance.api.common import (
    Limit,
    Offset,
    amount_text,
    check_currency,
    customers_of,
    get_customer,
    page,
    page_body,
    parse_money,
)
from relance.api.errors import COMMON, ONE, WRITE, Issues, conflict, forbidden, not_found
from relance.api.schemas import (
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    CustomerIn,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    Day,
    Id,
)
from relance.core.collation import by_name
from relance.customers.models import Contact, Customer, CustomerStatus
from relance.domain import identifiers as ids
from relance.ledger.models import Invoice, InvoiceStatus

router = Router(tags=["customers"])

#: Fields only an administrator or a credit manager may set on an existing customer.
MANAGER_FIELDS = {"assigned_collector", "credit_limit", "status", "payment_terms_days"}


def customer_out(c: Customer) -> dict[str, Any]:
    return {
        "id": c.pk,
        "external_ref": c.external_ref,
        "legal_name": c.legal_name,
        "legal_form": c.legal_form,
        "siren": c.siren,
        "siret": c.siret,
        "vat_number": c.vat_number,
        "address_line1": c.address_line1,
        "address_line2": c.address_line2,
        "postal_code": c.postal_code,
        "city": c.city,
        "country": c.country,
        "websites": c.website_list,
        "kind": c.kind,
        "language": c.language,
        "currency": c.currency,
        "segment": c.segment,
        "assigned_collector": c.assigned_collector_id,
        "credit_limit": (
            None if c.credit_limit_minor is None else amount_text(c.credit_limit_minor, c.currency)
        ),
        "payment_terms_days": c.payment_terms_days,
        "notes": c.notes,
        "status": c.status,
        "customer_since": c.customer_since,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def _clean_customer(who: Caller, data: dict[str, Any], current: Customer | None) -> dict[str, Any]:
    """Model field values from a (partial) payload; field errors raised all at once (422)."""
    issues = Issues()
    out: dict[str, Any] = {}
    for key in (
        "legal_name",
        "legal_form",
        "address_line1",
        "address_line2",
        "city",
        "kind",
        "segment",
        "payment_terms_days",
        "notes",
        "status",
        "customer_since",
    ):
        if key in data:
            value = data[key]
            out[key] = value.strip() if isinstance(value, str) else value
    if out.get("legal_name") == "" or ("legal_name" in data and data["legal_name"] is None):
        issues.add("legal_name", _("The legal name is required."), "required")
    for key in ("legal_form", "address_line1", "address_line2", "city", "segment", "notes"):
        if key in out and out[key] is None:
            out[key] = ""
    for key in ("kind", "status"):
        if key in out and out[key] is None:
            del out[key]
    if "external_ref" in data:
        out["external_ref"] = (data["external_ref"] or "").strip() or None
    try:
        if data.get("country") is not None:
            out["country"] = ids.clean_country(data["country"])
    except ids.IdentifierError as exc:
        issues.issue(exc.issue)
    country = out.get("country") or (current.country if current else "FR")
    checks = (
        ("siren", ids.clean_siren),
        ("siret", ids.clean_siret),
        ("vat_number", ids.clean_vat),
    )
    for key, clean in checks:
        if key in data:
            raw = (data[key] or "").strip()
            try:
                out[key] = clean(raw) if raw else ""
            except ids.IdentifierError as exc:
                issues.issue(exc.issue)
    if data.get("postal_code") is not None:
        raw = data["postal_code"].strip()
        try:
            out["postal_code"] = ids.clean_postal_code(raw, country) if raw else ""
        except ids.IdentifierError as exc:
            issues.issue(exc.issue)
    elif "postal_code" in data:
        out["postal_code"] = ""
    siren = out.get("siren", current.siren if current else "")
    siret = out.get("siret", current.siret if current else "")
    vat = out.get("vat_number", current.vat_number if current else "")
    if siret and "siret" not in [e["field"] for e in issues.errors]:
        if not siren:
            out["siren"] = siren = siret[:9]
        elif siren and siret[:9] != siren:
            issues.add(
                "siret",
                _("SIRET %(siret)s does not belong to SIREN %(siren)s.")
                % {"siret": siret, "siren": siren},
                "siret_siren_mismatch",
            )
    if vat and siren and not issues:
        mismatch = ids.check_vat_matches_siren(vat, siren)
        if mismatch is not None:
            issues.issue(mismatch)
    if data.get("language") is not None:
        codes = [code for code, _label in settings.LANGUAGES]
        if data["language"] not in codes:
            issues.add(
                "language",
                _("Unknown language '%(value)s' (expected one of: %(codes)s).")
                % {"value": data["language"], "codes": ", ".join(codes)},
            )
        else:
            out["language"] = data["language"]
    if data.get("currency") is not None:
        out["currency"] = check_currency(data["currency"], "currency", issues)
    currency = out.get("currency") or (current.currency if current else "EUR")
    if "credit_limit" in data:
        limit = parse_money(data["credit_limit"], currency, "credit_limit", issues)
        out["credit_limit_minor"] = None if limit is None else limit.minor
    if "websites" in data:
        out["websites"] = "\n".join(w.strip() for w in (data["websites"] or []) if w.strip())
    if "assigned_collector" in data:
        user_id = data["assigned_collector"]
        if (
            user_id is not None
            and not Membership.objects.filter(user_id=user_id, creditor_id=who.creditor_id).exists()
        ):
            issues.add(
                "assigned_collector",
                _("User %(id)s is not a member of this creditor.") % {"id": user_id},
                "unknown_user",
            )
        out["assigned_collector_id"] = user_id
    issues.raise_if_any()
    external_ref = out.get("external_ref")
    if external_ref:
        taken = Customer.objects.filter(creditor_id=who.creditor_id, external_ref=external_ref)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            raise conflict(
                _("Another customer already has the reference %(ref)s.") % {"ref": external_ref},
                "external_ref",
            )
    return out


@router.get("/customers", response={200: CustomerPage, **COMMON}, summary="List customers")
def list_customers(
    request: Any,
    q: QueryEx[str | None, P(description="Search in name, SIREN, SIRET and reference.")] = None,
    status: CustomerStatus | None = None,
    segment: str | None = None,
    collector: QueryEx[Id | None, P(description="Assigned collector (user id).")] = None,
    overdue: QueryEx[bool | None, P(description="Only customers with an overdue invoice.")] = None,
    as_of: QueryEx[Day | None, P(description="Date for `overdue` (default: today).")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    who = caller(request)
    qs = customers_of(who)
    if q:
        term = q.strip()
        compact = term.replace(" ", "")
        cond = Q(legal_name__icontains=term) | Q(external_ref__iexact=term)
        if compact.isdigit():
            cond |= Q(siren__startswith=compact) | Q(siret__startswith=compact)
        qs = qs.filter(cond)
    if status is not None:
        qs = qs.filter(status=status)
    if segment is not None:
        qs = qs.filter(segment=segment)
    if collector is not None:
        qs = qs.filter(assigned_collector_id=collector)
    if overdue is not None:
        day = as_of or timezone.localdate()
        late = Invoice.objects.filter(
            customer=OuterRef("pk"),
            status=InvoiceStatus.ISSUED,
            open_minor__gt=0,
            due_date__lt=day,
        )
        qs = qs.filter(Exists(late)) if overdue else qs.exclude(Exists(late))
    count, items = page(qs.order_by(by_name(), "id"), limit, offset)
    return page_body(count, limit, offset, [customer_out(c) for c in items])


@router.get(
    "/customers/{customer_id}", response={200: CustomerOut, **ONE}, summary="Get a customer"
)
def get_customer_view(request: Any, customer_id: Id) -> Any:
    return customer_out(get_customer(caller(request), customer_id))


@router.post("/customers", response={201: CustomerOut, **WRITE}, summary="Create a customer")
def create_customer(request: Any, payload: CustomerIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    fields = _clean_customer(who, payload.dict(), None)
    with transaction.atomic():
        customer = Customer.objects.create(creditor_id=who.creditor_id, **fields)
    return Status(201, customer_out(customer))


@router.patch(
    "/customers/{customer_id}", response={200: CustomerOut, **WRITE}, summary="Update a customer"
)
def update_customer(request: Any, customer_id: Id, payload: CustomerPatch) -> Any:
    who = caller(request)
    who.need_write()
    customer = get_customer(who, customer_id)
    data = payload.dict(exclude_unset=True)
    if not who.membership.can_import and MANAGER_FIELDS & data.keys():
        raise forbidden(
            _("Only an administrator or a credit manager can change: %(fields)s.")
            % {"fields": ", ".join(sorted(MANAGER_FIELDS & data.keys()))}
        )
    fields = _clean_customer(who, data, customer)
    for key, value in fields.items():
        setattr(customer, key, value)
    with transaction.atomic():
        customer.save()
    return customer_out(customer)


# --- contacts ------------------------------------------------------------------------------


def contact_out(c: Contact) -> dict[str, Any]:
    data = {f: getattr(c, f) for f in ContactOut.model_fields if f not in ("id", "customer")}
    data.update(id=c.pk, customer=c.customer_id)
    return data


def _clean_contact(data: dict[str, Any], country: str) -> dict[str, Any]:
    issues = Issues()
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None and key not in ("last_verified_on", "external_ref"):
            if key in ("preferred_channel",):
                out[key] = ""
            continue
        out[key] = value.strip() if isinstance(value, str) else value
    if "external_ref" in out:
        out["external_ref"] = out["external_ref"] or None
    try:
        if out.get("country"):
            out["country"] = country = ids.clean_country(out["country"])
    except ids.IdentifierError as exc:
        issues.issue(exc.issue)
    for key in ("email",):
        if out.get(key):
            try:
                out[key] = ids.clean_email(out[key], field=key)
            except ids.IdentifierError as exc:
                issues.issue(exc.issue)
    for key in ("phone", "mobile"):
        if out.get(key):
            try:
                out[key] = ids.clean_phone(out[key], default_region=country or "FR", field=key)
            except ids.IdentifierError as exc:
                issues.issue(exc.issue)
    if out.get("postal_code"):
        try:
            out["postal_code"] = ids.clean_postal_code(out["postal_code"], country or "FR")
        except ids.IdentifierError as exc:
            issues.issue(exc.issue)
    issues.raise_if_any()
    return out


def _get_contact(who: Caller, contact_id: Id) -> Contact:
    found = (
        Contact.objects.filter(customer__in=customers_of(who), pk=contact_id)
        .select_related("customer")
        .first()
    )
    if found is None:
        raise not_found(_("Contact %(id)s not found.") % {"id": contact_id})
    return found


def _save_contact(contact: Contact) -> None:
    with transaction.atomic():
        if contact.is_primary_billing:
            Contact.objects.filter(
                customer_id=contact.customer_id, is_primary_billing=True
            ).exclude(pk=contact.pk).update(is_primary_billing=False)
        if contact.external_ref:
            taken = Contact.objects.filter(
                customer_id=contact.customer_id, external_ref=contact.external_ref
            ).exclude(pk=contact.pk)
            if taken.exists():
                raise conflict(
                    _("Another contact of this customer has the reference %(ref)s.")
                    % {"ref": contact.external_ref},
                    "external_ref",
                )
        contact.save()


@router.get(
    "/customers/{customer_id}/contacts",
    response={200: ContactPage, **ONE},
    summary="List a customer's contacts",
    tags=["contacts"],
)
def list_contacts(
    request: Any,
    customer_id: Id,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    customer = get_customer(caller(request), customer_id)
    count, items = page(
        customer.contacts.order_by("-is_primary_billing", "last_name", "id"), limit, offset
    )
    return page_body(count, limit, offset, [contact_out(c) for c in items])


@router.post(
    "/customers/{customer_id}/contacts",
    response={201: ContactOut, **WRITE},
    summary="Add a contact to a customer",
    tags=["contacts"],
)
def create_contact(request: Any, customer_id: Id, payload: ContactIn) -> Any:
    who = caller(request)
    who.need_write()
    customer = get_customer(who, customer_id)
    fields = _clean_contact(payload.dict(), customer.country)
    contact = Contact(customer=customer, **fields)
    _save_contact(contact)
    return Status(201, contact_out(contact))


@router.get(
    "/contacts/{contact_id}",
    response={200: ContactOut, **ONE},
    summary="Get a contact",
    tags=["contacts"],
)
def get_contact(request: Any, contact_id: Id) -> Any:
    return contact_out(_get_contact(caller(request), contact_id))


@router.patch(
    "/contacts/{contact_id}",
    response={200: ContactOut, **WRITE},
    summary="Update a contact",
    tags=["contacts"],
)
def update_contact(request: Any, contact_id: Id, payload: ContactPatch) -> Any:
    who = caller(request)
    who.need_write()
    contact = _get_contact(who, contact_id)
    fields = _clean_contact(payload.dict(exclude_unset=True), contact.customer.country)
    if "email" in fields and fields["email"] != contact.email:
        # A corrected address is usable again (delivery feedback had flagged the old one).
        fields |= {"email_undeliverable_since": None, "email_undeliverable_reason": ""}
    if "mobile" in fields and fields["mobile"] != contact.mobile:
        # A corrected mobile number is usable again (an SMS report had flagged the old one).
        fields |= {"mobile_undeliverable_since": None, "mobile_undeliverable_reason": ""}
    if any(k in fields and fields[k] != getattr(contact, k) for k in ("phone", "mobile")):
        # A corrected number may be called again (a call had found the old one wrong).
        fields |= {"phone_wrong_since": None, "phone_wrong_reason": ""}
    for key, value in fields.items():
        setattr(contact, key, value)
    _save_contact(contact)
    return contact_out(contact)


@router.delete(
    "/contacts/{contact_id}",
    response={204: None, **ONE},
    summary="Delete a contact",
    tags=["contacts"],
)
def delete_contact(request: Any, contact_id: Id) -> Any:
    who = caller(request)
    who.need_write()
    contact = _get_contact(who, contact_id)
    contact.delete()
    return Status(204, None)
