"""The EPC QR-code payload ("BCD", EPC069-12 version 002) for a SEPA credit transfer.

A payer's banking app scans the code printed on an invoice or a reminder and fills in
the transfer: beneficiary, IBAN, amount and our reference. This module builds the text
that the QR code encodes; drawing the image is left to the renderer (no QR library is
a dependency of relance).

The payload is lines separated by LF, in this order (EPC069-12 v2.1, section 3.2):

=====  ==========================  ==========================================
line   field                       rule
=====  ==========================  ==========================================
1      service tag                 ``BCD``
2      version                     ``002`` (the BIC may be left out inside the EEA)
3      character set               ``1`` (UTF-8)
4      identification              ``SCT``
5      BIC                         8 or 11 characters, optional
6      beneficiary name            1 to 70 characters
7      beneficiary IBAN            a valid IBAN, at most 34 characters
8      amount                      ``EUR`` + 0.01 … 999999999.99 (optional)
9      purpose                     4 letters or digits (ISO 20022 code), optional
10     structured reference        an RF creditor reference, at most 35 characters
11     unstructured remittance     at most 140 characters (only when 10 is empty)
12     beneficiary-to-payer info   at most 70 characters, optional
=====  ==========================  ==========================================

Trailing empty fields are left out (the last populated field ends the payload), and the
whole payload is at most 331 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from relance.domain.identifiers import IdentifierError, clean_bic, clean_iban
from relance.domain.money import Money
from relance.domain.references import ReferenceError_, normalise_rf

MAX_PAYLOAD_BYTES = 331
MAX_AMOUNT = Decimal("999999999.99")
LIMITS = {"name": 70, "iban": 34, "reference": 35, "text": 140, "information": 70}


class EpcError(ValueError):
    """A field that the EPC payload cannot carry; `field` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class EpcTransfer:
    """What the payer's app is asked to fill in. Give `reference` (RF) or `text`, not both."""

    name: str
    iban: str
    amount: Money | None = None
    bic: str = ""
    purpose: str = ""
    reference: str = ""
    text: str = ""
    information: str = ""


def _amount(amount: Money) -> str:
    if amount.currency != "EUR":
        raise EpcError("amount", f"an SCT transfer is in EUR, not {amount.currency}")
    if not Decimal("0.01") <= amount.amount <= MAX_AMOUNT:
        raise EpcError("amount", f"{amount.amount} is outside 0.01 … 999999999.99 EUR")
    # The shortest spelling ("EUR1", "EUR12.3", "EUR123.45"), as in the EPC examples.
    digits = format(amount.amount.normalize(), "f")
    return f"EUR{digits}"


def _limited(field: str, value: str, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise EpcError(field, "is required")
    if "\n" in value or "\r" in value:
        raise EpcError(field, "must be on one line")
    if len(value) > LIMITS[field]:
        raise EpcError(field, f"{len(value)} characters, at most {LIMITS[field]}")
    return value


def epc_payload(transfer: EpcTransfer) -> str:
    """The text to encode in the QR code, or EpcError naming the field that is wrong."""
    name = _limited("name", transfer.name, required=True)
    try:
        iban = clean_iban(transfer.iban)
    except IdentifierError as exc:
        raise EpcError("iban", str(exc)) from None
    _limited("iban", iban)
    bic = ""
    if transfer.bic.strip():
        try:
            bic = clean_bic(transfer.bic)
        except IdentifierError as exc:
            raise EpcError("bic", str(exc)) from None
    purpose = transfer.purpose.strip().upper()
    if purpose and not (len(purpose) == 4 and purpose.isascii() and purpose.isalnum()):
        raise EpcError("purpose", f"'{transfer.purpose}' is not a 4-character purpose code")
    reference = ""
    if transfer.reference.strip():
        try:
            reference = normalise_rf(transfer.reference)
        except ReferenceError_ as exc:
            raise EpcError("reference", str(exc)) from None
        _limited("reference", reference)
    text = _limited("text", transfer.text)
    if reference and text:
        raise EpcError("text", "give a structured reference or a text, not both")
    information = _limited("information", transfer.information)
    fields = [
        "BCD",
        "002",
        "1",
        "SCT",
        bic,
        name,
        iban,
        _amount(transfer.amount) if transfer.amount is not None else "",
        purpose,
        reference,
        text,
        information,
    ]
    while fields and not fields[-1]:
        fields.pop()
    payload = "\n".join(fields)
    size = len(payload.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise EpcError("payload", f"{size} bytes, at most {MAX_PAYLOAD_BYTES}")
    return payload
