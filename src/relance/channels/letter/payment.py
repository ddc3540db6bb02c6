"""How to pay a reminder by bank transfer: our reference and the EPC QR code.

Every reminder names the creditor's IBAN and a reference that the matching engine reads
back by construction: the ISO 11649 RF reference of the invoice when the message lists
one invoice, the invoice numbers otherwise (the engine finds them in any spelling). Letters
also carry the EPC QR code ("BCD" 002, the SEPA credit-transfer QR of banking apps) for the
amount due, drawn as SVG by segno (pure Python).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from relance.domain.epc import EpcError, EpcTransfer, epc_payload
from relance.domain.money import Money
from relance.domain.references import ReferenceError_, format_rf, rf_reference

#: The EPC unstructured remittance text holds at most 140 characters.
TEXT_MAX = 140


@dataclass(frozen=True, slots=True)
class PaymentDetails:
    iban: str
    bic: str
    beneficiary: str
    reference: str  # "RF18 …" for one invoice, else the invoice numbers
    is_rf: bool
    amount: Money | None
    epc: str  # the QR payload, "" when it cannot be made (no IBAN, not EUR, …)


def payment_details(
    iban: str, bic: str, beneficiary: str, numbers: list[str], amount: Money | None
) -> PaymentDetails | None:
    """None when the creditor has no IBAN (the message then says nothing of transfers)."""
    if not iban.strip():
        return None
    reference, is_rf = "", False
    if len(numbers) == 1:
        try:
            reference, is_rf = rf_reference(numbers[0]), True
        except ReferenceError_:
            reference = numbers[0]
    if not reference:
        reference = " ".join(numbers)[:TEXT_MAX]
    try:
        epc = epc_payload(
            EpcTransfer(
                name=beneficiary[:70],
                iban=iban,
                bic=bic,
                amount=amount if amount is not None and amount.is_positive else None,
                reference=reference if is_rf else "",
                text="" if is_rf else reference,
            )
        )
    except EpcError:
        epc = ""
    shown = format_rf(reference) if is_rf else reference
    return PaymentDetails(iban, bic, beneficiary, shown, is_rf, amount, epc)


def qr_svg(payload: str) -> str:
    """The QR code of `payload` as an SVG document (error correction M, as EPC asks)."""
    import segno

    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="svg", scale=4, border=2)
    return buffer.getvalue().decode("utf-8")
