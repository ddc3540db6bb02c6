"""Rate tables: shipped data, overrides merged over it, bad files refused with file and line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from relance.domain.rates import (
    TABLES,
    HalfYear,
    RateError,
    RateNotCovered,
    RateRow,
    load_rate_book,
    load_table,
    write_override,
)


def test_shipped_tables_cover_2015_s1_to_2026_s1_with_sources() -> None:
    book = load_rate_book()
    for name in TABLES:
        rows = book.table(name).ordered()
        assert str(rows[0].half_year) == "2015-S1" and str(rows[-1].half_year) == "2026-S1"
        assert len(rows) == 23
        assert all(r.source.startswith("https://") and r.mark in "VSU" for r in rows)


def test_fr_table_is_legal_md_section_2() -> None:
    fr = load_table("fr-ecb")
    row = fr.row(date(2024, 3, 1))
    assert (row.rate, row.legal_rate, row.legal_rate_individual) == (
        Decimal("4.50"),
        Decimal("5.07"),
        Decimal("8.01"),
    )
    assert fr.row(date(2026, 6, 30)).legal_rate == Decimal("2.62")
    assert fr.row(date(2016, 7, 1)).rate == Decimal("0.00")


def test_de_and_uk_rows() -> None:
    assert load_table("de-basiszins").row(date(2022, 12, 31)).rate == Decimal("-0.88")
    assert load_table("de-basiszins").row(date(2023, 1, 1)).rate == Decimal("1.62")
    uk = load_table("uk-boe").row(date(2023, 7, 1))
    assert uk.rate == Decimal("5.00") and uk.reference_date == date(2023, 6, 30)


def test_not_covered() -> None:
    with pytest.raises(RateNotCovered, match=r"fr-ecb .* 2026-07-01 \(half-year 2026-S2\)"):
        load_table("fr-ecb").row(date(2026, 7, 1))
    with pytest.raises(RateNotCovered):
        load_table("fr-ecb").row(date(2014, 12, 31))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-S2", HalfYear(2026, 2)), ("2026s1", HalfYear(2026, 1)), ("2026-H2", HalfYear(2026, 2))],
)
def test_half_year_parse(text: str, expected: HalfYear) -> None:
    assert HalfYear.parse(text) == expected


@pytest.mark.parametrize("text", ["2026", "2026-S3", "26-S1", "S1-2026", ""])
def test_half_year_refused(text: str) -> None:
    with pytest.raises(RateError, match="half-year"):
        HalfYear.parse(text)


def _row(half: str, rate: str, **extra: object) -> RateRow:
    return RateRow(
        half_year=HalfYear.parse(half),
        rate=Decimal(rate),
        source="https://www.ecb.europa.eu/press/",
        recorded=date(2026, 7, 2),
        mark="U",
        **extra,  # type: ignore[arg-type]
    )


def test_override_adds_and_replaces_half_years(tmp_path: Path) -> None:
    write_override(tmp_path, "fr-ecb", _row("2026-S2", "2.15", legal_rate=Decimal("2.50")))
    write_override(tmp_path, "fr-ecb", _row("2026-S1", "2.40"))
    fr = load_rate_book(tmp_path).table("fr-ecb")
    added = fr.row(date(2026, 8, 1))
    assert added.rate == Decimal("2.15") and added.origin == "override"
    assert added.legal_rate == Decimal("2.50")
    assert fr.row(date(2026, 1, 1)).rate == Decimal("2.40")  # replaces the shipped row
    assert fr.row(date(2025, 1, 1)).origin == "shipped"
    # Writing the same half-year again replaces it in the file.
    write_override(tmp_path, "fr-ecb", _row("2026-S2", "2.00"))
    assert load_table("fr-ecb", tmp_path).row(date(2026, 8, 1)).rate == Decimal("2.00")
    assert (tmp_path / "fr-ecb.csv").read_text().count("2026-S2") == 1


def test_uk_override_gets_its_reference_date(tmp_path: Path) -> None:
    write_override(tmp_path, "uk-boe", _row("2026-S2", "3.50"))
    row = load_table("uk-boe", tmp_path).row(date(2026, 9, 1))
    assert row.reference_date == date(2026, 6, 30)


def test_override_refuses_a_column_the_table_lacks(tmp_path: Path) -> None:
    with pytest.raises(RateError, match="no legal rate column"):
        write_override(tmp_path, "de-basiszins", _row("2026-S2", "1.27", legal_rate=Decimal(1)))
    assert not (tmp_path / "de-basiszins.csv").exists()


HEADER = "half_year,rate,source,recorded,mark\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("half_year,rate\n2026-S2,1\n", "the header must be"),
        (HEADER + "2026-S2,abc,https://x.example/a,2026-07-01,V\n", "line 2: rate 'abc'"),
        (HEADER + "2026-S2,1,ftp://x,2026-07-01,V\n", "line 2: source"),
        (HEADER + "2026-S2,1,https://x.example/a,2026-07-01,X\n", "line 2: mark"),
        (HEADER + "2026-S2,1,https://x.example/a,01/07/2026,V\n", "line 2: recorded"),
        (HEADER + "2026-S9,1,https://x.example/a,2026-07-01,V\n", "line 2: '2026-S9'"),
        (
            HEADER + "2026-S2,1,https://x.example/a,2026-07-01,V\n"
            "2026-S2,1,https://x.example/a,2026-07-01,V\n",
            "line 3: 2026-S2 appears twice",
        ),
        (HEADER + "2026-S2,,https://x.example/a,2026-07-01,V\n", "line 2: missing rate"),
        (HEADER + "2026-S2,250,https://x.example/a,2026-07-01,V\n", "not a rate in percent"),
    ],
)
def test_bad_override_file_is_refused_with_file_and_line(
    tmp_path: Path, body: str, message: str
) -> None:
    (tmp_path / "de-basiszins.csv").write_text(body)
    with pytest.raises(RateError, match=message) as caught:
        load_rate_book(tmp_path)
    assert "de-basiszins.csv" in str(caught.value)


def test_uk_reference_date_must_match(tmp_path: Path) -> None:
    (tmp_path / "uk-boe.csv").write_text(
        "half_year,rate,reference_date,source,recorded,mark\n"
        "2026-S2,3.5,2026-07-01,https://x.example/a,2026-07-01,U\n"
    )
    with pytest.raises(RateError, match="reference date of 2026-S2 is 2026-06-30"):
        load_rate_book(tmp_path)


def test_unknown_table() -> None:
    with pytest.raises(RateError, match="no rate table named 'xx'"):
        load_rate_book().table("xx")
