"""SMS length, table-driven: GSM-7 or UCS-2, extension characters, segments."""

from __future__ import annotations

import pytest

from relance.domain.sms import SmsLength, fits, measure


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SmsLength("GSM-7", 0, 0)),
        ("Bonjour", SmsLength("GSM-7", 7, 1)),
        ("a" * 160, SmsLength("GSM-7", 160, 1)),
        ("a" * 161, SmsLength("GSM-7", 161, 2)),
        ("a" * 306, SmsLength("GSM-7", 306, 2)),
        ("a" * 307, SmsLength("GSM-7", 307, 3)),
        ("100 €", SmsLength("GSM-7", 6, 1)),  # € is in the extension table: two septets
        ("réglée, à régler, problème", SmsLength("GSM-7", 26, 1)),  # é, à, è are GSM-7
        ("façade", SmsLength("UCS-2", 6, 1)),  # ç (lower case) is not
        ("ê" * 70, SmsLength("UCS-2", 70, 1)),
        ("ê" * 71, SmsLength("UCS-2", 71, 2)),
        ("1\u202f234,56", SmsLength("UCS-2", 8, 1)),  # a narrow no-break space forces UCS-2
        ("😀", SmsLength("UCS-2", 2, 1)),
    ],
)
def test_measure(text: str, expected: SmsLength) -> None:
    assert measure(text) == expected


def test_fits() -> None:
    assert fits("a" * 306, 2) and not fits("a" * 307, 2)
