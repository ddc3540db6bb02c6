"""Small statement files of our own, one per case the readers handle."""

from __future__ import annotations


def camt053(version: str = "02", amount: str = "150.00", extra_entries: str = "") -> bytes:
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"
    name = "<Pty><Nm>ACME SAS</Nm></Pty>" if version == "08" else "<Nm>ACME SAS</Nm>"
    bic = "BICFI" if version >= "04" else "BIC"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{ns}">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>M1</MsgId><CreDtTm>2025-03-01T08:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>STMT-2025-03-01</Id>
   <CreDtTm>2025-03-01T08:00:00</CreDtTm>
   <FrToDt><FrDtTm>2025-02-28T00:00:00</FrDtTm><ToDtTm>2025-02-28T23:59:59</ToDtTm></FrToDt>
   <Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-02-27</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">950.00</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-02-28</Dt></Dt></Bal>
   <Ntry>
    <Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2025-02-28</Dt></BookgDt><ValDt><Dt>2025-02-28</Dt></ValDt>
    <AcctSvcrRef>E1</AcctSvcrRef>
    <NtryDtls><TxDtls>
     <Refs><EndToEndId>E2E-F-1</EndToEndId><UETR>0d8e1b2c-1111-4222-8333-444455556666</UETR></Refs>
     <RltdPties><Dbtr>{name}</Dbtr>
      <DbtrAcct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id></DbtrAcct></RltdPties>
     <RltdAgts><DbtrAgt><FinInstnId><{bic}>PSSTFRPPXXX</{bic}></FinInstnId></DbtrAgt></RltdAgts>
     <RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd>
      <Ustrd>Facture F-1</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2025-02-28</Dt></BookgDt>
    <AcctSvcrRef>E2</AcctSvcrRef>
    <NtryDtls>
     <TxDtls><Refs><AcctSvcrRef>E2-A</AcctSvcrRef></Refs>
      <AmtDtls><TxAmt><Amt Ccy="EUR">100.00</Amt></TxAmt></AmtDtls>
      <RltdPties><Dbtr><Nm>Client Un</Nm></Dbtr></RltdPties>
      <RmtInf><Ustrd>F-2</Ustrd></RmtInf></TxDtls>
     <TxDtls><Refs><AcctSvcrRef>E2-B</AcctSvcrRef></Refs>
      <AmtDtls><TxAmt><Amt Ccy="EUR">200.00</Amt></TxAmt></AmtDtls>
      <RltdPties><Dbtr><Nm>Client Deux</Nm></Dbtr></RltdPties>
      <RmtInf><Ustrd>F-3</Ustrd></RmtInf></TxDtls>
    </NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">500.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2025-02-28</Dt></BookgDt>
    <AcctSvcrRef>E3</AcctSvcrRef>
    <NtryDtls><TxDtls>
     <Refs><EndToEndId>E2E-F-1</EndToEndId></Refs>
     <RltdPties><Dbtr>{name}</Dbtr></RltdPties>
     <RtrInf><Rsn><Cd>AM04</Cd></Rsn></RtrInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">9.99</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts>
    <BookgDt><Dt>2025-02-28</Dt></BookgDt>
   </Ntry>
   {extra_entries}
  </Stmt>
 </BkToCstmrStmt>
</Document>
""".encode()


OFX1 = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR
<BANKACCTFROM><BANKID>30006<BRANCHID>00001<ACCTID>12345678901<ACCTKEY>89</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20250201<DTEND>20250228
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20250210120000.000[+1:CET]<TRNAMT>1200,00<FITID>F1
<NAME>ACME SAS<MEMO>VIR F-1 &amp; F-2</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20250211<TRNAMT>-15.50<FITID>F2<NAME>FRAIS</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>1184.50<DTASOF>20250228</LEDGERBAL></STMTRS></STMTTRNRS>
<STMTTRNRS><STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>1<ACCTID>999</BANKACCTFROM>
<BANKTRANLIST><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20250212<TRNAMT>10<FITID>G1</STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""

OFX2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE"?>
<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR</CURDEF>
<BANKACCTFROM><BANKID>30006</BANKID><BRANCHID>00001</BRANCHID><ACCTID>12345678901</ACCTID>
<ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>
<BANKTRANLIST><DTSTART>20250201</DTSTART><DTEND>20250228</DTEND>
<STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20250210</DTPOSTED><TRNAMT>1200.00</TRNAMT>
<FITID>F1</FITID><NAME><![CDATA[ACME & Co]]></NAME><MEMO></MEMO></STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""


def cfonb_record(code: str, rest: dict[int, str]) -> str:
    """A 120-character record: `rest` maps 1-based start positions to text."""
    line = [" "] * 120
    line[0:2] = code
    for start, text in rest.items():
        line[start - 1 : start - 1 + len(text)] = text
    return "".join(line)


def cfonb(*records: str) -> bytes:
    return ("\r\n".join(records) + "\r\n").encode("latin-1")


ACCOUNT = {3: "30006", 12: "00001", 17: "EUR", 20: "2", 22: "12345678901"}


def cfonb_statement(reject: str = "  ") -> bytes:
    return cfonb(
        cfonb_record("01", {**ACCOUNT, 35: "270225", 91: "00000000100000"}),  # +10000.00
        cfonb_record(
            "04",
            {
                **ACCOUNT,
                8: "0001",
                33: "05",
                35: "280225",
                41: reject,
                43: "280225",
                49: "VIR SEPA ACME SAS",
                91: "0000000012000{",
                105: "REF-BANK-1",
            },
        ),  # +1200.00
        cfonb_record("05", {**ACCOUNT, 8: "0001", 35: "280225", 46: "NPY", 49: "ACME SAS"}),
        cfonb_record("05", {**ACCOUNT, 8: "0001", 35: "280225", 46: "RCN", 49: "E2E-F-1"}),
        cfonb_record("05", {**ACCOUNT, 8: "0001", 35: "280225", 46: "LIB", 49: "FACTURE F-1"}),
        cfonb_record(
            "04", {**ACCOUNT, 35: "280225", 43: "280225", 49: "FRAIS", 91: "0000000000155N"}
        ),  # -15.55
        cfonb_record("07", {**ACCOUNT, 35: "280225", 91: "0000000111844E"}),  # +11184.45
    )


def camt054_return(amount: str, e2e: str = "", ref: str = "", reason: str = "MD06") -> bytes:
    """A notification of one returned direct debit (debit, RtrInf with a reason)."""
    refs = f"<Refs><EndToEndId>{e2e}</EndToEndId></Refs>" if e2e else ""
    rmt = f"<RmtInf><Strd><CdtrRefInf><Ref>{ref}</Ref></CdtrRefInf></Strd></RmtInf>" if ref else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>N1</MsgId><CreDtTm>2025-03-10T08:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>NTF-{amount}-{e2e}-{ref}</Id>
<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2025-03-10</Dt></BookgDt><AcctSvcrRef>R-{amount}-{e2e}-{ref}</AcctSvcrRef>
<NtryDtls><TxDtls>{refs}{rmt}<RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf></TxDtls></NtryDtls>
</Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>
""".encode()
