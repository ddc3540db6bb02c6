"""The readers on our own small files: what each format gives, and what each refuses."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from relance.banking.readers.base import StatementError
from relance.banking.readers.camt import CamtReader
from relance.banking.readers.cfonb import CfonbReader, signed_amount
from relance.banking.readers.csvfile import CsvMapping, CsvReader
from relance.banking.readers.ofx import OfxReader, french_iban
from relance.banking.readers.registry import detect, get_reader
from relance.banking.tests import fixtures
from relance.domain.identifiers import clean_iban
from relance.domain.money import Money
from relance.domain.statements import LineKind

EUR = "EUR"


def eur(text: str) -> Money:
    return Money.of(text, EUR)


# --- camt ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["02", "03", "04", "05", "06", "07", "08"])
def test_camt053_every_version(version: str) -> None:
    [st] = CamtReader().read(fixtures.camt053(version), "s.xml")
    assert st.format == f"camt.053.001.{version}"
    assert st.statement_id == "STMT-2025-03-01"
    assert st.account_iban == "FR7630006000011234567890189"
    assert (st.opening_balance, st.closing_balance) == (eur("1000.00"), eur("950.00"))
    assert str(st.period_start) == "2025-02-28"
    first, second, third, ret = st.lines  # the pending entry is left out
    assert first.amount == eur("150.00") and first.kind is LineKind.CREDIT
    assert first.references == ("RF18539007547034", "Facture F-1", "E2E-F-1")
    assert first.end_to_end_id == "E2E-F-1"
    assert first.uetr == "0d8e1b2c-1111-4222-8333-444455556666"
    assert (first.counterparty_name, first.counterparty_iban, first.counterparty_bic) == (
        "ACME SAS",
        "FR1420041010050500013M02606",
        "PSSTFRPPXXX",
    )
    assert first.line_id == "E1"
    # the batch booking is split into its transactions, each with its own amount
    assert [(x.line_id, x.amount, x.counterparty_name) for x in (second, third)] == [
        ("E2-A", eur("100.00"), "Client Un"),
        ("E2-B", eur("200.00"), "Client Deux"),
    ]
    assert ret.kind is LineKind.RETURN and ret.return_reason == "AM04"
    assert ret.amount == eur("-500.00") and ret.counterparty_name == "ACME SAS"


def test_camt_reading_twice_gives_the_same_line_ids() -> None:
    data = fixtures.camt053()
    again = [ln.line_id for ln in CamtReader().read(data, "a.xml")[0].lines]
    assert again == [ln.line_id for ln in CamtReader().read(data, "b.xml")[0].lines]


def test_camt_amount_with_zero_extra_decimals_is_taken() -> None:
    [st] = CamtReader().read(fixtures.camt053(amount="150.00000"), "s.xml")
    assert st.lines[0].amount == eur("150.00")


def test_camt_amount_with_real_extra_decimals_is_refused() -> None:
    with pytest.raises(StatementError) as caught:
        CamtReader().read(fixtures.camt053(amount="150.00001"), "s.xml")
    assert caught.value.field == "Amt"
    assert "more decimals than EUR allows" in caught.value.why
    assert caught.value.where.startswith("line ")


def test_camt_unknown_version_is_refused() -> None:
    data = fixtures.camt053().replace(b"camt.053.001.02", b"camt.053.001.12")
    with pytest.raises(StatementError, match="not supported"):
        CamtReader().read(data, "s.xml")


def test_camt_bad_indicator_and_missing_dates() -> None:
    with pytest.raises(StatementError) as caught:
        CamtReader().read(fixtures.camt053().replace(b"<CdtDbtInd>DBIT", b"<CdtDbtInd>XX"), "s")
    assert caught.value.field == "CdtDbtInd"
    broken = fixtures.camt053().replace(
        b"<Dt>2025-02-28</Dt></BookgDt>", b"<Dt>28/02</Dt></BookgDt>"
    )
    with pytest.raises(StatementError, match="not a date"):
        CamtReader().read(broken, "s")


def test_not_xml_is_refused_with_its_line() -> None:
    with pytest.raises(StatementError) as caught:
        CamtReader().read(b'<?xml version="1.0"?>\n<Document>\n<a></b>', "s.xml")
    assert caught.value.where == "line 3"


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&lol3;</Document>"""


@pytest.mark.parametrize("data", [XXE, LAUGHS, XXE.decode().encode("utf-16")])
def test_doctype_and_entities_are_refused(data: bytes) -> None:
    for reader in (CamtReader(), OfxReader()):
        with pytest.raises(StatementError) as caught:
            reader.read(data, "evil.xml")
        assert caught.value.field == "DOCTYPE"


# --- OFX -----------------------------------------------------------------------------


def test_french_rib_becomes_a_valid_iban() -> None:
    iban = french_iban("30006", "00001", "12345678901")
    assert iban == "FR7630006000011234567890189"
    assert clean_iban(iban) == iban
    assert french_iban("30006", "00001", "12345678901", "89") == iban
    assert french_iban("30006", "00001", "12345678901", "12") == ""  # wrong key: not guessed
    assert french_iban("123", "00", "9100") == ""


@pytest.mark.parametrize("data", [fixtures.OFX1, fixtures.OFX2])
def test_ofx_sgml_and_xml(data: bytes) -> None:
    statements = OfxReader().read(data, "s.ofx")
    st = statements[0]
    assert st.account_iban == "FR7630006000011234567890189"
    assert st.currency == EUR
    line = st.lines[0]
    assert (line.line_id, str(line.booking_date), line.amount, line.kind) == (
        "F1",
        "2025-02-10",
        eur("1200.00"),
        LineKind.CREDIT,
    )


def test_ofx_sgml_details() -> None:
    first, second = OfxReader().read(fixtures.OFX1, "s.ofx")
    assert first.format == "ofx-1"
    assert first.lines[0].references == ("VIR F-1 & F-2",)
    assert first.lines[1].amount == eur("-15.50") and first.lines[1].kind is LineKind.DEBIT
    assert first.closing_balance == eur("1184.50")
    assert second.account_iban == "1-999" and len(second.lines) == 1


def test_ofx_xml_cdata() -> None:
    [st] = OfxReader().read(fixtures.OFX2, "s.ofx")
    assert st.format == "ofx-2"
    assert st.lines[0].counterparty_name == "ACME & Co"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (b"<TRNAMT>1200,00", b"<TRNAMT>$1200", "TRNAMT"),
        (b"<DTPOSTED>20250211", b"<DTPOSTED>20251311", "DTPOSTED"),
        (b"<DTPOSTED>20250211", b"", "DTPOSTED"),
        (b"<CURDEF>EUR\n", b"<CURDEF>XYZ\n", "CURDEF"),
        (b"</BANKTRANLIST><LEDGERBAL>", b"</NOTHING><LEDGERBAL>", "NOTHING"),
    ],
)
def test_ofx_bad_input(old: bytes, new: bytes, field: str) -> None:
    assert old in fixtures.OFX1
    with pytest.raises(StatementError) as caught:
        OfxReader().read(fixtures.OFX1.replace(old, new, 1), "s.ofx")
    assert caught.value.field == field
    assert caught.value.where.startswith("line ")


def test_ofx_without_statement() -> None:
    with pytest.raises(StatementError, match="no bank"):
        OfxReader().read(b"OFXHEADER:100\n\n<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>", "s")
    with pytest.raises(StatementError, match="not an OFX file"):
        OfxReader().read(b"hello", "s")


# --- CFONB 120 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0000000012000{", Decimal("1200.00")),
        ("0000000000155N", Decimal("-15.55")),
        ("0000000000000}", Decimal("0.00")),
        ("0000000001904}", Decimal("-190.40")),
        ("00000000000974I", Decimal("97.49")),
        ("0000000000322J", Decimal("-32.21")),
        ("0000000000010R", Decimal("-1.09")),
        ("0000000000010A", Decimal("1.01")),
    ],
)
def test_cfonb_signed_amounts(text: str, value: Decimal) -> None:
    assert signed_amount(text, 2) == value


def test_cfonb_statement() -> None:
    [st] = CfonbReader().read(fixtures.cfonb_statement(), "r.txt")
    assert st.account_iban == "FR7630006000011234567890189"
    assert (st.opening_balance, st.closing_balance) == (eur("1000.00"), eur("11184.45"))
    credit, fee = st.lines
    assert credit.amount == eur("1200.00") and credit.kind is LineKind.CREDIT
    assert credit.counterparty_name == "ACME SAS"
    assert credit.end_to_end_id == "E2E-F-1"
    assert credit.references == ("VIR SEPA ACME SAS", "FACTURE F-1", "REF-BANK-1", "E2E-F-1")
    assert fee.amount == eur("-15.55") and fee.kind is LineKind.DEBIT


def test_cfonb_reject_code_makes_a_return() -> None:
    [st] = CfonbReader().read(fixtures.cfonb_statement(reject="AC"), "r.txt")
    assert st.lines[0].kind is LineKind.RETURN and st.lines[0].return_reason == "AC"


def test_cfonb_05_without_04_is_refused() -> None:
    data = fixtures.cfonb(
        fixtures.cfonb_record("01", {**fixtures.ACCOUNT, 35: "270225", 91: "0000000010000{"}),
        fixtures.cfonb_record("05", {**fixtures.ACCOUNT, 46: "LIB", 49: "orphan"}),
    )
    with pytest.raises(StatementError) as caught:
        CfonbReader().read(data, "r.txt")
    assert (caught.value.where, caught.value.field) == ("line 2", "05")


@pytest.mark.parametrize(
    ("records", "field"),
    [
        (["07"], "07"),
        (["01"], "07"),
        (["01", "09"], "record code"),
        (["04"], "04"),
    ],
)
def test_cfonb_structure_errors(records: list[str], field: str) -> None:
    data = fixtures.cfonb(
        *[
            fixtures.cfonb_record(c, {**fixtures.ACCOUNT, 35: "270225", 91: "0000000010000{"})
            for c in records
        ]
    )
    with pytest.raises(StatementError) as caught:
        CfonbReader().read(data, "r.txt")
    assert caught.value.field == field


def test_cfonb_bad_amount_date_and_account() -> None:
    good = fixtures.cfonb_statement()
    with pytest.raises(StatementError) as caught:
        CfonbReader().read(good.replace(b"0000000012000{", b"00000000120X0{"), "r")
    assert caught.value.field == "amount"
    with pytest.raises(StatementError) as caught:
        CfonbReader().read(good.replace(b"270225", b"320225"), "r")
    assert caught.value.field == "date"
    lines = good.decode("latin-1").split("\r\n")
    lines[5] = lines[5][:21] + "99999999999" + lines[5][32:]
    with pytest.raises(StatementError) as caught:
        CfonbReader().read("\r\n".join(lines).encode("latin-1"), "r")
    assert caught.value.field == "account" and caught.value.where == "line 6"


def test_cfonb_without_line_breaks() -> None:
    flat = fixtures.cfonb_statement().replace(b"\r\n", b"")
    assert len(CfonbReader().read(flat, "r")[0].lines) == 2


# --- CSV -----------------------------------------------------------------------------

CSV = (
    "Date;Libellé;Débit;Crédit;Réf\n"
    "28/02/2025;VIR ACME SAS F-1;;1 200,00;R1\n"
    "28/02/2025;FRAIS;15,50;;\n"
    "\n"
).encode("cp1252")


def mapping(**extra: str) -> CsvMapping:
    values = {
        "account": "FR76 3000 6000 0112 3456 7890 189",
        "date": "date",
        "debit": "Débit",
        "credit": "Crédit",
        "label": "Libellé",
        "reference": "Réf",
        **extra,
    }
    return CsvMapping.from_dict(values)


def test_csv_with_debit_and_credit_columns() -> None:
    [st] = CsvReader(mapping()).read(CSV, "b.csv")
    assert st.account_iban == "FR7630006000011234567890189"
    credit, fee = st.lines
    assert credit.amount == eur("1200.00") and credit.references == ("R1", "VIR ACME SAS F-1")
    assert fee.amount == eur("-15.50") and fee.kind is LineKind.DEBIT
    assert credit.source_line == "line 2"


def test_csv_mapping_from_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "m.toml"
    toml.write_text('account = "FR7630006000011234567890189"\ndate = "Date"\namount = "Montant"\n')
    assert CsvMapping.load(toml).amount == "Montant"
    js = tmp_path / "m.json"
    js.write_text('{"account": "X", "date": "Date", "amount": "A", "decimal": "."}')
    assert CsvMapping.load(js).decimal == "."
    bad = tmp_path / "bad.json"
    bad.write_text('{"account": "X", "date": "Date", "amount": "A", "colour": "red"}')
    with pytest.raises(StatementError, match="unknown mapping keys"):
        CsvMapping.load(bad)
    with pytest.raises(StatementError, match="amount column"):
        CsvMapping.from_dict({"account": "X", "date": "D"})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("Date;Libellé;Débit;Crédit;Réf\n31/02/2025;x;;1,00;\n", "date"),
        ("Date;Libellé;Débit;Crédit;Réf\n28/02/2025;x;;1,0a;\n", "Crédit"),
        ("Date;Libellé;Débit;Crédit;Réf\n28/02/2025;x;;1,001;\n", "Crédit"),
        ("Date;Libellé;Débit;Crédit;Réf\n28/02/2025;x;;;\n", "Débit/Crédit"),
        ("Date;Libellé;Crédit\n28/02/2025;x;1,00\n", "Débit"),
    ],
)
def test_csv_bad_input(data: str, field: str) -> None:
    with pytest.raises(StatementError) as caught:
        CsvReader(mapping()).read(data.encode(), "b.csv")
    assert caught.value.field == field


def test_registry() -> None:
    assert detect(fixtures.camt053()) == "camt"
    assert detect(fixtures.OFX1) == "ofx"
    assert detect(fixtures.cfonb_statement()) == "cfonb"
    assert detect(b"a;b\n1;2\n") is None
    with pytest.raises(StatementError, match="needs a column mapping"):
        get_reader("csv")
    with pytest.raises(StatementError, match="unknown statement format"):
        get_reader("mt940")


def test_long_bank_references_give_distinct_ids_that_fit_the_column() -> None:
    data = fixtures.camt053().replace(b"E2-A", b"X" * 200).replace(b"E2-B", b"X" * 200)
    ids = [ln.line_id for ln in CamtReader().read(data, "s.xml")[0].lines]
    assert len(set(ids)) == len(ids)
    assert max(len(i) for i in ids) <= 140
