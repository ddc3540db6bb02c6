"""UN/CEFACT Cross Industry Invoice (CII D16B, Factur-X, ZUGFeRD 2, XRechnung CII) and the
older ZUGFeRD 1.0 CrossIndustryDocument, which has the same fields in other containers."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from relance.domain.einvoice import Address, EInvoice, Note, Party, Profile
from relance.domain.money import Money
from relance.einvoice.readers import xml
from relance.einvoice.readers.errors import EInvoiceError
from relance.einvoice.readers.parties import compact, french_ids
from relance.einvoice.readers.profiles import category_of, profile_of

ROOTS = ("CrossIndustryInvoice", "CrossIndustryDocument")


@dataclass(frozen=True)
class _Layout:
    syntax: str
    context: str
    document: str
    transaction: str
    agreement: str
    delivery: str
    settlement: str
    summation: str


_D16B = _Layout(
    "CII",
    "ExchangedDocumentContext",
    "ExchangedDocument",
    "SupplyChainTradeTransaction",
    "ApplicableHeaderTradeAgreement",
    "ApplicableHeaderTradeDelivery",
    "ApplicableHeaderTradeSettlement",
    "SpecifiedTradeSettlementHeaderMonetarySummation",
)
_ZUGFERD1 = _Layout(
    "ZUGFeRD 1",
    "SpecifiedExchangedDocumentContext",
    "HeaderExchangedDocument",
    "SpecifiedSupplyChainTradeTransaction",
    "ApplicableSupplyChainTradeAgreement",
    "ApplicableSupplyChainTradeDelivery",
    "ApplicableSupplyChainTradeSettlement",
    "SpecifiedTradeSettlementMonetarySummation",
)


def _address(el: etree._Element | None) -> Address:
    a = xml.first(el, "PostalTradeAddress")
    if a is None:
        return Address()
    lines = tuple(
        t for t in (xml.text(a, "LineOne"), xml.text(a, "LineTwo"), xml.text(a, "LineThree")) if t
    )
    return Address(
        lines=lines,
        postal_code=xml.text(a, "PostcodeCode"),
        city=xml.text(a, "CityName"),
        country=xml.text(a, "CountryID").upper(),
    )


def _party(el: etree._Element | None) -> Party:
    if el is None:
        return Party()
    address = _address(el)
    ids = [
        (n.text or "", n.get("schemeID", ""))
        for n in xml.all_of(el, "SpecifiedLegalOrganization/ID") + xml.all_of(el, "ID")
    ]
    siren, siret = french_ids(ids, address.country)
    vat = ""
    for reg in xml.all_of(el, "SpecifiedTaxRegistration/ID"):
        if reg.get("schemeID", "VA") == "VA" and reg.text:
            vat = compact(reg.text).upper()
            break
    return Party(
        name=xml.text(el, "Name"), siren=siren, siret=siret, vat_number=vat, address=address
    )


def _amount(parent: etree._Element | None, name: str, currency: str, source: str) -> Money | None:
    """The amount `name` in the invoice currency (tax totals may repeat in the VAT currency)."""
    nodes = xml.all_of(parent, name)
    for node in nodes:
        if node.get("currencyID", currency) == currency:
            return xml.parse_money(node.text or "", currency, source, name)
    return None


def read(root: etree._Element, source: str) -> EInvoice:
    layout = _ZUGFERD1 if xml.local(root) == "CrossIndustryDocument" else _D16B
    ctx = xml.first(root, layout.context)
    doc = xml.first(root, layout.document)
    tx = xml.first(root, layout.transaction)
    if doc is None or tx is None:
        raise EInvoiceError(
            "missing_field",
            f"a CII invoice needs {layout.document} and {layout.transaction}",
            source=source,
            field=layout.document if doc is None else layout.transaction,
        )
    agreement = xml.first(tx, layout.agreement)
    delivery = xml.first(tx, layout.delivery)
    settlement = xml.first(tx, layout.settlement)
    summation = xml.first(settlement, layout.summation)

    number = xml.text(doc, "ID")
    if not number:
        raise EInvoiceError("missing_field", "no invoice number", source=source, field="ID")
    issue_node = xml.first(doc, "IssueDateTime/DateTimeString")
    issue = xml.parse_date(
        xml.text(issue_node),
        source,
        "IssueDateTime",
        issue_node.get("format", "") if issue_node is not None else "",
    )
    if issue is None:
        raise EInvoiceError("missing_field", "no issue date", source=source, field="IssueDateTime")
    currency = xml.text(settlement, "InvoiceCurrencyCode").upper()
    if not currency:
        raise EInvoiceError(
            "missing_field", "no invoice currency", source=source, field="InvoiceCurrencyCode"
        )
    grand = _amount(summation, "GrandTotalAmount", currency, source)
    if grand is None:
        raise EInvoiceError(
            "missing_field", "no total incl. tax", source=source, field="GrandTotalAmount"
        )
    prepaid = _amount(summation, "TotalPrepaidAmount", currency, source)
    due_amount = _amount(summation, "DuePayableAmount", currency, source)
    if due_amount is None:
        due_amount = grand - prepaid if prepaid is not None else grand

    terms = xml.first(settlement, "SpecifiedTradePaymentTerms")
    due_node = xml.first(terms, "DueDateDateTime/DateTimeString")
    discount = xml.first(terms, "ApplicableTradePaymentDiscountTerms")
    discount_text = ""
    if discount is not None:
        discount_text = (
            " ".join(
                t
                for t in (
                    xml.text(discount, "CalculationPercent")
                    and f"{xml.text(discount, 'CalculationPercent')} %",
                    xml.text(discount, "BasisPeriodMeasure"),
                    xml.text(discount, "BasisDateTime/DateTimeString"),
                )
                if t
            )
            or "discount terms"
        )
    notes = tuple(
        Note(text=xml.text(n, "Content"), subject=xml.text(n, "SubjectCode").upper())
        for n in xml.all_of(doc, "IncludedNote")
        if xml.text(n, "Content")
    )
    profile_id = xml.text(ctx, "GuidelineSpecifiedDocumentContextParameter/ID")
    process = xml.text(ctx, "BusinessProcessSpecifiedDocumentContextParameter/ID")
    iban = ""
    means_code = ""
    for means in xml.all_of(settlement, "SpecifiedTradeSettlementPaymentMeans"):
        means_code = means_code or xml.text(means, "TypeCode")
        iban = iban or compact(xml.text(means, "PayeePartyCreditorFinancialAccount/IBANID"))
    delivery_node = xml.first(
        delivery, "ActualDeliverySupplyChainEvent/OccurrenceDateTime/DateTimeString"
    )
    return EInvoice(
        syntax=layout.syntax,
        profile=profile_of(profile_id) if profile_id else Profile.UNKNOWN,
        profile_id=profile_id,
        number=number,
        type_code=xml.text(doc, "TypeCode") or "380",
        issue_date=issue,
        currency=currency,
        total_excl_tax=_amount(summation, "TaxBasisTotalAmount", currency, source),
        tax_total=_amount(summation, "TaxTotalAmount", currency, source),
        total_incl_tax=grand,
        amount_due=due_amount,
        prepaid=prepaid,
        seller=_party(xml.first(agreement, "SellerTradeParty")),
        buyer=_party(xml.first(agreement, "BuyerTradeParty")),
        due_date=xml.parse_date(xml.text(due_node), source, "DueDateDateTime"),
        payment_terms=" ".join(xml.texts(terms, "Description")),
        delivery_address=_address(xml.first(delivery, "ShipToTradeParty")),
        delivery_date=xml.parse_date(xml.text(delivery_node), source, "OccurrenceDateTime"),
        period_end=xml.parse_date(
            xml.text(settlement, "BillingSpecifiedPeriod/EndDateTime/DateTimeString"),
            source,
            "BillingSpecifiedPeriod",
        ),
        purchase_order=xml.text(agreement, "BuyerOrderReferencedDocument/IssuerAssignedID"),
        preceding_invoice=xml.text(settlement, "InvoiceReferencedDocument/IssuerAssignedID"),
        lines_count=len(xml.all_of(tx, "IncludedSupplyChainTradeLineItem")),
        notes=notes,
        iban=iban,
        payment_means_code=means_code,
        business_process=process,
        category=category_of(process),
        vat_point_code=xml.text(settlement, "ApplicableTradeTax/DueDateTypeCode"),
        early_payment_terms=discount_text,
    )
