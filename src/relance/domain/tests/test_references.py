from __future__ import annotations

import pytest

from relance.domain.references import (
    Numbering,
    ReferenceError_,
    find_rf,
    format_rf,
    is_valid_rf,
    normalise_rf,
    rf_check_digits,
    rf_reference,
)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("539007547034", "RF18539007547034"),  # the example of ISO 11649
        ("2348231", "RF712348231"),
        ("F-2025-0042", "RF21F20250042"),
        ("f 2025 0042", "RF21F20250042"),
        ("C000123", f"RF{rf_check_digits('C000123')}C000123"),
    ],
)
def test_rf_reference(source: str, expected: str) -> None:
    assert rf_reference(source) == expected
    assert is_valid_rf(expected)


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("", "no letter or digit"),
        ("---", "no letter or digit"),
        ("F-2025-É42", "only letters A-Z"),
        ("A" * 22, "at most 21"),
    ],
)
def test_rf_reference_refused(source: str, why: str) -> None:
    with pytest.raises(ReferenceError_, match=why):
        rf_reference(source)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("RF18539007547034", "RF18539007547034"),
        ("rf18 5390 0754 7034", "RF18539007547034"),
        ("  RF71 2348 231 ", "RF712348231"),
    ],
)
def test_normalise_rf(written: str, expected: str) -> None:
    assert normalise_rf(written) == expected


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("RF19539007547034", "check digits are wrong"),
        ("RF18539007547035", "check digits are wrong"),  # one digit of the body mistyped
        ("RF18359007547034", "check digits are wrong"),  # two digits swapped
        ("XX18539007547034", "must start with RF"),
        ("RF1", "two check digits"),
        ("RF18" + "1" * 22, "1 to 21"),
        ("RF18-5390", "1 to 21 letters"),
    ],
)
def test_normalise_rf_refused(written: str, why: str) -> None:
    with pytest.raises(ReferenceError_, match=why):
        normalise_rf(written)
    assert not is_valid_rf(written)


def test_format_rf() -> None:
    assert format_rf("rf18539007547034") == "RF18 5390 0754 7034"
    assert format_rf("RF712348231") == "RF71 2348 231"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Paiement RF18 5390 0754 7034 merci", ["RF18539007547034"]),
        ("ref:rf18539007547034", ["RF18539007547034"]),
        ("RF18 5390 0754 7034 PAID", ["RF18539007547034"]),  # runs on into the next word
        ("RF71 2348 231 et RF18539007547034", ["RF712348231", "RF18539007547034"]),
        ("RF18 5390 0754 7035", []),  # wrong check digits: not ours
        ("REF 1234 FRANCE", []),
        ("XRF18539007547034", []),  # inside another word
    ],
)
def test_find_rf(text: str, expected: list[str]) -> None:
    assert find_rf(text) == expected


F_YEAR_SEQ = Numbering("F-{YYYY}-{NNNN}")


@pytest.mark.parametrize(
    ("text", "key", "with_prefix"),
    [
        ("F-2025-0042", "F|2025|42", True),
        ("F 2025 42", "F|2025|42", True),
        ("f2025-0042", "F|2025|42", True),
        ("facture F2025/0042.", "F|2025|42", True),
        ("facture 2025/0042", "F|2025|42", False),
        ("Fact. 2025-42 merci", "F|2025|42", False),
        ("F_2025_00042", "F|2025|42", True),
    ],
)
def test_numbers_in_any_spelling(text: str, key: str, with_prefix: bool) -> None:
    hits = F_YEAR_SEQ.find(text)
    assert [(h.key, h.with_prefix) for h in hits] == [(key, with_prefix)]
    assert hits[0].digits_key == "2025|42"


@pytest.mark.parametrize(
    "text",
    ["RF47F20250042", "TEL 0478123456", "20250042", "F-25-0042", "ABF-2025-0042"],
)
def test_numbers_not_found(text: str) -> None:
    assert F_YEAR_SEQ.find(text) == []


def test_several_numbers_in_one_text() -> None:
    keys = [h.key for h in F_YEAR_SEQ.find("F-2025-0042, F-2025-0043 et 2024/7")]
    assert keys == ["F|2025|42", "F|2025|43", "F|2024|7"]


@pytest.mark.parametrize(
    ("pattern", "number", "key"),
    [
        ("F-{YYYY}-{NNNN}", "F-2025-0042", "F|2025|42"),
        ("F-{YYYY}-{NNNN}", "f 2025 42", "F|2025|42"),
        ("F-{YYYY}-{NNNN}", "2025-0042", None),  # our numbers carry their prefix
        ("F-{YYYY}-{NNNN}", "AV-2025-0042", None),
        ("FA{YY}{MM}{NNNNN}", "FA250300012", "FA|25|3|12"),
        ("{YYYY}{NNNNNN}", "2025000042", "|2025|42"),
        ("INV{NNNNNN}", "INV-000042", "INV|42"),
    ],
)
def test_numbering_key(pattern: str, number: str, key: str | None) -> None:
    assert Numbering(pattern).key(number) == key


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("F-{YYYY}", "needs a sequence part"),
        ("F-{NNNN}-X", "nothing may follow"),
        ("{YYYY}-F-{NNNN}", "letters are only allowed before"),
        ("F1-{NNNN}", "digits must be written"),
    ],
)
def test_bad_numbering_pattern(pattern: str, why: str) -> None:
    with pytest.raises(ReferenceError_, match=why):
        Numbering(pattern)
