"""The Factur-X XML (UN/CEFACT CII, profile BASIC) of a penalty invoice.

`penalty_invoice_xml(data)` builds it from plain values; `embed(pdf, xml)` turns the typst PDF
into a Factur-X PDF/A-3 with the factur-x library, which checks the XML against the XSD of
the profile first (a failure is a `BadInput`, so nothing is stored).

Interest and fixed indemnities are outside the scope of VAT: every line and the VAT breakdown
use category "O" with the exemption reason printed on the PDF too.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from relance.core.errors import BadInput

GUIDELINE = "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic"
NO_VAT = "Indemnités et intérêts de retard non soumis à la TVA"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class Party:
    name: str
    siren: str
    line1: str
    postal_code: str
    city: str
    country: str


@dataclass(frozen=True)
class XmlLine:
    name: str
    amount: Decimal


@dataclass(frozen=True)
class XmlInvoice:
    number: str
    issued_on: date
    currency: str
    seller: Party
    buyer: Party
    lines: list[XmlLine]
    total: Decimal
    payment_terms: str


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    prefix, name = tag.split(":")
    node = ET.SubElement(parent, f"{{{NS[prefix]}}}{name}", attrs)
    if text is not None:
        node.text = text
    return node


def _party(parent: ET.Element, tag: str, party: Party) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party.name)
    if party.siren:
        org = _el(node, "ram:SpecifiedLegalOrganization")
        _el(org, "ram:ID", party.siren, schemeID="0002")
    address = _el(node, "ram:PostalTradeAddress")
    if party.postal_code:
        _el(address, "ram:PostcodeCode", party.postal_code)
    if party.line1:
        _el(address, "ram:LineOne", party.line1)
    if party.city:
        _el(address, "ram:CityName", party.city)
    _el(address, "ram:CountryID", party.country or "FR")


def penalty_invoice_xml(data: XmlInvoice) -> bytes:
    """The CII XML (BASIC) of the penalty invoice, UTF-8 bytes."""
    amount = str
    root = ET.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice")
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)
    doc = _el(root, "rsm:ExchangedDocument")
    _el(doc, "ram:ID", data.number)
    _el(doc, "ram:TypeCode", "380")
    issue = _el(doc, "ram:IssueDateTime")
    _el(issue, "udt:DateTimeString", data.issued_on.strftime("%Y%m%d"), format="102")
    _el(_el(doc, "ram:IncludedNote"), "ram:Content", NO_VAT)
    trade = _el(root, "rsm:SupplyChainTradeTransaction")
    for i, line in enumerate(data.lines, start=1):
        item = _el(trade, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(i))
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.name)
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        price = _el(agreement, "ram:NetPriceProductTradePrice")
        _el(price, "ram:ChargeAmount", amount(line.amount))
        _el(_el(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", "1", unitCode="C62")
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", "O")
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", amount(line.amount))
    agreement = _el(trade, "ram:ApplicableHeaderTradeAgreement")
    _party(agreement, "ram:SellerTradeParty", data.seller)
    _party(agreement, "ram:BuyerTradeParty", data.buyer)
    _el(trade, "ram:ApplicableHeaderTradeDelivery")
    settlement = _el(trade, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", data.currency)
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:CalculatedAmount", "0.00")
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:ExemptionReason", NO_VAT)
    _el(tax, "ram:BasisAmount", amount(data.total))
    _el(tax, "ram:CategoryCode", "O")
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    _el(terms, "ram:Description", data.payment_terms)
    sums = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(sums, "ram:LineTotalAmount", amount(data.total))
    _el(sums, "ram:TaxBasisTotalAmount", amount(data.total))
    _el(sums, "ram:TaxTotalAmount", "0.00", currencyID=data.currency)
    _el(sums, "ram:GrandTotalAmount", amount(data.total))
    _el(sums, "ram:DuePayableAmount", amount(data.total))
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def embed(pdf: bytes, xml: bytes) -> bytes:
    """The Factur-X PDF: `xml` checked against the BASIC XSD and attached to `pdf`."""
    import facturx

    try:
        result: bytes = facturx.generate_from_binary(
            pdf, xml, flavor="factur-x", level="basic", check_xsd=True, lang="fr-FR"
        )
    except Exception as exc:  # the library raises plain Exception on an XSD failure
        raise BadInput(f"Factur-X XML refused by the XSD check: {exc}") from exc
    return result
