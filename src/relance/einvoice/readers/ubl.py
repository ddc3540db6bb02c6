"""OASIS UBL 2.1 Invoice and CreditNote (EN 16931, Peppol BIS, XRechnung UBL, CTC-FR)."""

from __future__ import annotations

from lxml import etree

from relance.domain.einvoice import Address, EInvoice, Note, Party, Profile
from relance.domain.money import Money
from relance.einvoice.readers import xml
from relance.einvoice.readers.errors import EInvoiceError
from relance.einvoice.readers.parties import compact, french_ids
from relance.einvoice.readers.profiles import category_of, profile_of

NAMESPACES = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "Invoice",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "CreditNote",
}


def _address(a: etree._Element | None) -> Address:
    if a is None:
        return Address()
    lines = tuple(
        t
        for t in (
            xml.text(a, "StreetName"),
            xml.text(a, "AdditionalStreetName"),
            xml.text(a, "AddressLine/Line"),
        )
        if t
    )
    return Address(
        lines=lines,
        postal_code=xml.text(a, "PostalZone"),
        city=xml.text(a, "CityName"),
        country=xml.text(a, "Country/IdentificationCode").upper(),
    )


def _party(el: etree._Element | None) -> Party:
    party = xml.first(el, "Party")
    if party is None:
        return Party()
    address = _address(xml.first(party, "PostalAddress"))
    ids = [
        (n.text or "", n.get("schemeID", ""))
        for n in xml.all_of(party, "PartyLegalEntity/CompanyID")
        + xml.all_of(party, "PartyIdentification/ID")
    ]
    siren, siret = french_ids(ids, address.country)
    vat = ""
    for scheme in xml.all_of(party, "PartyTaxScheme"):
        if xml.text(scheme, "TaxScheme/ID").upper() in ("VAT", "") and xml.text(
            scheme, "CompanyID"
        ):
            vat = compact(xml.text(scheme, "CompanyID")).upper()
            break
    name = xml.text(party, "PartyLegalEntity/RegistrationName") or xml.text(party, "PartyName/Name")
    return Party(name=name, siren=siren, siret=siret, vat_number=vat, address=address)


def _amount(parent: etree._Element | None, path: str, currency: str, source: str) -> Money | None:
    for node in xml.all_of(parent, path):
        if node.get("currencyID", currency) == currency:
            return xml.parse_money(node.text or "", currency, source, path)
    return None


def _note(text: str) -> Note:
    """ "#PMD#Tout retard…" (the French convention for a subject code in UBL) → Note."""
    if text.startswith("#") and text.count("#") >= 2:
        _, subject, rest = text.split("#", 2)
        if 2 <= len(subject) <= 3 and subject.isalpha():
            return Note(text=rest.strip(), subject=subject.upper())
    return Note(text=text)


def read(root: etree._Element, source: str) -> EInvoice:
    kind = NAMESPACES[xml.namespace(root)]
    number = xml.text(root, "ID")
    if not number:
        raise EInvoiceError("missing_field", "no invoice number", source=source, field="cbc:ID")
    issue = xml.parse_date(xml.text(root, "IssueDate"), source, "cbc:IssueDate")
    if issue is None:
        raise EInvoiceError("missing_field", "no issue date", source=source, field="cbc:IssueDate")
    currency = xml.text(root, "DocumentCurrencyCode").upper()
    if not currency:
        raise EInvoiceError(
            "missing_field",
            "no invoice currency",
            source=source,
            field="cbc:DocumentCurrencyCode",
        )
    totals = xml.first(root, "LegalMonetaryTotal")
    grand = _amount(totals, "TaxInclusiveAmount", currency, source)
    if grand is None:
        raise EInvoiceError(
            "missing_field", "no total incl. tax", source=source, field="cbc:TaxInclusiveAmount"
        )
    prepaid = _amount(totals, "PrepaidAmount", currency, source)
    payable = _amount(totals, "PayableAmount", currency, source)
    if payable is None:
        payable = grand - prepaid if prepaid is not None else grand
    means = xml.all_of(root, "PaymentMeans")
    due = xml.text(root, "DueDate") or next(
        (xml.text(m, "PaymentDueDate") for m in means if xml.text(m, "PaymentDueDate")), ""
    )
    iban = next(
        (
            compact(xml.text(m, "PayeeFinancialAccount/ID"))
            for m in means
            if xml.text(m, "PayeeFinancialAccount/ID")
        ),
        "",
    )
    delivery = xml.first(root, "Delivery")
    customization = xml.text(root, "CustomizationID")
    process = xml.text(root, "ProfileID")
    line_name = "InvoiceLine" if kind == "Invoice" else "CreditNoteLine"
    discount = [
        xml.text(t, "Note") or "discount terms"
        for t in xml.all_of(root, "PaymentTerms")
        if xml.text(t, "SettlementDiscountPercent")
        or xml.text(t, "SettlementPeriod/DurationMeasure")
    ]
    return EInvoice(
        syntax="UBL",
        profile=profile_of(customization) if customization else Profile.UNKNOWN,
        profile_id=customization,
        number=number,
        type_code=xml.text(root, f"{kind}TypeCode") or ("380" if kind == "Invoice" else "381"),
        issue_date=issue,
        currency=currency,
        total_excl_tax=_amount(totals, "TaxExclusiveAmount", currency, source),
        tax_total=_amount(root, "TaxTotal/TaxAmount", currency, source),
        total_incl_tax=grand,
        amount_due=payable,
        prepaid=prepaid,
        seller=_party(xml.first(root, "AccountingSupplierParty")),
        buyer=_party(xml.first(root, "AccountingCustomerParty")),
        due_date=xml.parse_date(due, source, "cbc:DueDate"),
        payment_terms=" ".join(xml.texts(root, "PaymentTerms/Note")),
        delivery_address=_address(xml.first(delivery, "DeliveryLocation/Address")),
        delivery_date=xml.parse_date(
            xml.text(delivery, "ActualDeliveryDate"), source, "cbc:ActualDeliveryDate"
        ),
        period_end=xml.parse_date(
            xml.text(root, "InvoicePeriod/EndDate"), source, "cac:InvoicePeriod"
        ),
        purchase_order=xml.text(root, "OrderReference/ID"),
        preceding_invoice=xml.text(root, "BillingReference/InvoiceDocumentReference/ID"),
        lines_count=len(list(xml.children(root, line_name))),
        notes=tuple(_note(t) for t in xml.texts(root, "Note")),
        iban=iban,
        payment_means_code=next(
            (xml.text(m, "PaymentMeansCode") for m in means if xml.text(m, "PaymentMeansCode")), ""
        ),
        business_process=process,
        category=category_of(process),
        vat_point_code=xml.text(root, "InvoicePeriod/DescriptionCode"),
        early_payment_terms=" ".join(discount),
    )
