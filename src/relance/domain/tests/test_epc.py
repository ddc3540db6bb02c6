from __future__ import annotations

from dataclasses import replace

import pytest

from relance.domain.epc import MAX_PAYLOAD_BYTES, EpcError, EpcTransfer, epc_payload
from relance.domain.money import Money

# The example of EPC069-12 (version 2.1, section 3.2): a donation of 1 EUR.
RED_CROSS = EpcTransfer(
    bic="BPOTBEB1",
    name="Red Cross of Belgium",
    iban="BE72000000001616",
    amount=Money.of("1", "EUR"),
    purpose="CHAR",
    text="Urgency fund",
    information="Sample EPC QR code",
)


def test_the_epc_example() -> None:
    assert epc_payload(RED_CROSS) == (
        "BCD\n002\n1\nSCT\nBPOTBEB1\nRed Cross of Belgium\nBE72000000001616\nEUR1\nCHAR\n"
        "\nUrgency fund\nSample EPC QR code"
    )


def test_structured_reference_without_bic_and_trailing_fields_left_out() -> None:
    transfer = EpcTransfer(
        name="Dupont Plomberie SARL",
        iban="fr14 2004 1010 0505 0001 3m02 606",
        amount=Money.of("123.45", "EUR"),
        reference="rf18 5390 0754 7034",
    )
    lines = epc_payload(transfer).split("\n")
    assert lines == [
        "BCD",
        "002",
        "1",
        "SCT",
        "",  # no BIC: allowed by version 002
        "Dupont Plomberie SARL",
        "FR1420041010050500013M02606",
        "EUR123.45",
        "",
        "RF18539007547034",
    ]


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        ("1", "EUR1"),
        ("12.30", "EUR12.3"),
        ("123.45", "EUR123.45"),
        ("0.01", "EUR0.01"),
        ("999999999.99", "EUR999999999.99"),
        ("1000", "EUR1000"),
    ],
)
def test_amount_spelling(amount: str, written: str) -> None:
    payload = epc_payload(replace(RED_CROSS, amount=Money.of(amount, "EUR")))
    assert payload.split("\n")[7] == written


def test_no_amount_leaves_the_field_empty() -> None:
    assert epc_payload(replace(RED_CROSS, amount=None)).split("\n")[7] == ""


def test_limits_are_inclusive() -> None:
    payload = epc_payload(
        replace(RED_CROSS, name="N" * 70, text="T" * 140, information="I" * 70, bic="")
    )
    assert len(payload.encode()) <= MAX_PAYLOAD_BYTES


@pytest.mark.parametrize(
    ("change", "field", "why"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "N" * 71}, "name", "71 characters, at most 70"),
        ({"name": "Red\nCross"}, "name", "one line"),
        ({"iban": "BE72000000001617"}, "iban", "not a valid IBAN"),
        ({"bic": "BPOT"}, "bic", "not a valid BIC"),
        ({"amount": Money.of("0", "EUR")}, "amount", "outside"),
        ({"amount": Money.of("1000000000", "EUR")}, "amount", "outside"),
        ({"amount": Money.of("10", "USD")}, "amount", "in EUR"),
        ({"purpose": "CHARITY"}, "purpose", "4-character"),
        ({"purpose": "CH-R"}, "purpose", "4-character"),
        ({"text": "", "reference": "RF19539007547034"}, "reference", "check digits"),
        ({"reference": "RF18539007547034"}, "text", "not both"),
        ({"text": "T" * 141}, "text", "141 characters, at most 140"),
        ({"information": "I" * 71}, "information", "at most 70"),
    ],
)
def test_refused_fields(change: dict[str, object], field: str, why: str) -> None:
    with pytest.raises(EpcError, match=why) as caught:
        epc_payload(replace(RED_CROSS, **change))  # type: ignore[arg-type]
    assert caught.value.field == field


def test_payload_over_331_bytes_is_refused() -> None:
    # Every field within its limit, but accented letters take two bytes in UTF-8.
    transfer = replace(
        RED_CROSS, bic="BPOTBEB1XXX", name="é" * 70, text="è" * 140, information="à" * 70
    )
    with pytest.raises(EpcError, match=f"at most {MAX_PAYLOAD_BYTES}") as caught:
        epc_payload(transfer)
    assert caught.value.field == "payload"
