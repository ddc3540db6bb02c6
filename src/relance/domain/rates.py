"""Reference-rate tables (versioned data files) and the user's additions over them.

Tables ship in this package as CSV files under `relance/domain/rate_tables/`, one row per half-year,
each row with its source URL, the day it was recorded and a verification mark (V official
text seen, S consistent secondary sources, U unverified — LEGAL.md §2):

- ``fr-ecb``: ECB main refinancing rate in force on 1 January / 1 July, with the French legal
  interest rate of the half-year (``legal_rate``: "other cases"; ``legal_rate_individual``);
- ``de-basiszins``: the German base rate (BGB §247), reset on 1 January / 1 July;
- ``uk-boe``: the Bank of England Bank Rate on the 1998 Act's reference date
  (31 December for interest starting in S1, 30 June for S2), with that ``reference_date``.

An administrator adds a half-year the shipped table does not have yet with
``relance rates add``: it goes to ``<override_dir>/<table>.csv`` (same columns), whose rows
replace the shipped ones of the same half-year. A date no row covers raises `RateNotCovered`
naming the table and the date: a rate is never guessed.

    book = load_rate_book(override_dir)        # every table, overrides merged
    book.table("fr-ecb").row(date(2025, 3, 1)).rate   # Decimal("3.15")
    write_override(override_dir, "fr-ecb", row)       # add or replace one half-year
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

#: The shipped tables and the optional columns each one carries.
TABLES: Mapping[str, tuple[str, ...]] = {
    "fr-ecb": ("legal_rate", "legal_rate_individual"),
    "de-basiszins": (),
    "uk-boe": ("reference_date",),
}
BASE_COLUMNS = ("half_year", "rate")
TRAILING_COLUMNS = ("source", "recorded", "mark")
MARKS = ("V", "S", "U")


class RateError(ValueError):
    """A rate table, a row or a rate request that cannot be used."""


class RateNotCovered(RateError):
    """No row of the table covers the date (or the row lacks the column asked for)."""

    def __init__(self, table: str, day: date, column: str = "rate") -> None:
        self.table = table
        self.day = day
        self.column = column
        what = "rate" if column == "rate" else column.replace("_", " ")
        super().__init__(
            f"the rate table {table} has no {what} for {day.isoformat()}"
            f" (half-year {HalfYear.of(day)}): add it with"
            f" `relance rates add --table {table} --half-year {HalfYear.of(day)} …`"
        )


@dataclass(frozen=True, slots=True, order=True)
class HalfYear:
    """A calendar half-year: S1 = 1 January-30 June, S2 = 1 July-31 December."""

    year: int
    half: int

    def __post_init__(self) -> None:
        if self.half not in (1, 2) or not 1900 <= self.year <= 2999:
            raise RateError(f"{self.year}-S{self.half} is not a half-year")

    @classmethod
    def of(cls, day: date) -> HalfYear:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, text: str) -> HalfYear:
        """Read "2026-S2" (also "2026S2", "2026-s2", "2026-H2")."""
        s = text.strip().upper().replace("H", "S")
        year, sep, half = s.partition("S")
        year = year.rstrip("-")
        if not sep or not year.isdigit() or len(year) != 4 or half not in ("1", "2"):
            raise RateError(f"'{text}' is not a half-year: write it like 2026-S2")
        return cls(int(year), int(half))

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def next(self) -> HalfYear:
        return HalfYear(self.year, 2) if self.half == 1 else HalfYear(self.year + 1, 1)

    def __str__(self) -> str:
        return f"{self.year}-S{self.half}"


@dataclass(frozen=True, slots=True)
class RateRow:
    """One half-year of a table. Rates are percentages a year (Decimal("3.15") = 3.15 %)."""

    half_year: HalfYear
    rate: Decimal
    source: str
    recorded: date
    mark: str
    legal_rate: Decimal | None = None
    legal_rate_individual: Decimal | None = None
    reference_date: date | None = None
    #: "shipped" (package data) or "override" (added under the data folder).
    origin: str = "shipped"


@dataclass(frozen=True, slots=True)
class RateTable:
    name: str
    rows: Mapping[HalfYear, RateRow]

    def row(self, day: date, column: str = "rate") -> RateRow:
        """The row covering `day`; `RateNotCovered` when none does or it lacks `column`."""
        found = self.rows.get(HalfYear.of(day))
        if found is None or getattr(found, column) is None:
            raise RateNotCovered(self.name, day, column)
        return found

    def ordered(self) -> list[RateRow]:
        return [self.rows[k] for k in sorted(self.rows)]


@dataclass(frozen=True, slots=True)
class RateBook:
    """Every table by name."""

    tables: Mapping[str, RateTable]

    def table(self, name: str) -> RateTable:
        found = self.tables.get(name)
        if found is None:
            raise RateError(f"no rate table named '{name}' (known: {', '.join(TABLES)})")
        return found


def columns(table: str) -> tuple[str, ...]:
    if table not in TABLES:
        raise RateError(f"no rate table named '{table}' (known: {', '.join(TABLES)})")
    return BASE_COLUMNS + TABLES[table] + TRAILING_COLUMNS


def parse_percent(text: str, where: str, field: str = "rate") -> Decimal:
    """A rate in percent a year (\"2.15\", \"2,15\"), -20 to 100; `RateError` otherwise."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise RateError(f"{where}: {field} '{text}' is not a number") from None
    if not value.is_finite() or not Decimal(-20) <= value <= Decimal(100):
        raise RateError(f"{where}: {field} {text} is not a rate in percent (-20 to 100)")
    return value


def _day(text: str, where: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise RateError(f"{where}: {field} '{text}' is not a date (yyyy-mm-dd)") from None


def check_source(text: str, where: str = "source") -> str:
    s = text.strip()
    if not (s.startswith("https://") or s.startswith("http://")) or " " in s or len(s) < 12:
        raise RateError(f"{where}: '{text}' is not a source URL (https://…)")
    return s


def parse_row(table: str, record: Mapping[str, str], where: str, origin: str) -> RateRow:
    """One CSV record → a checked row; `RateError` naming `where` (file and line) otherwise."""
    missing = [c for c in columns(table) if not (record.get(c) or "").strip()]
    missing = [c for c in missing if c not in ("legal_rate", "legal_rate_individual")]
    if missing:
        raise RateError(f"{where}: missing {', '.join(missing)}")
    try:
        half_year = HalfYear.parse(record["half_year"])
    except RateError as exc:
        raise RateError(f"{where}: {exc}") from None
    mark = record["mark"].strip().upper()
    if mark not in MARKS:
        raise RateError(f"{where}: mark '{record['mark']}' is not one of V, S, U")
    extra: dict[str, object] = {}
    for name in ("legal_rate", "legal_rate_individual"):
        if name in TABLES[table] and (record.get(name) or "").strip():
            extra[name] = parse_percent(record[name], where, name)
    if "reference_date" in TABLES[table]:
        ref = _day(record["reference_date"], where, "reference_date")
        expected = (
            date(half_year.year - 1, 12, 31) if half_year.half == 1 else date(half_year.year, 6, 30)
        )
        if ref != expected:
            raise RateError(
                f"{where}: the reference date of {half_year} is {expected.isoformat()},"
                f" not {ref.isoformat()}"
            )
        extra["reference_date"] = ref
    return RateRow(
        half_year=half_year,
        rate=parse_percent(record["rate"], where, "rate"),
        source=check_source(record["source"], f"{where}: source"),
        recorded=_day(record["recorded"], where, "recorded"),
        mark=mark,
        origin=origin,
        **extra,  # type: ignore[arg-type]
    )


def parse_table(table: str, text: str, where: str, origin: str) -> dict[HalfYear, RateRow]:
    """Rows of a table file (lines starting with # are comments)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        return {}
    reader = csv.DictReader(lines)
    header = tuple(reader.fieldnames or ())
    if header != columns(table):
        raise RateError(
            f"{where}: the header must be {','.join(columns(table))}, not {','.join(header)}"
        )
    rows: dict[HalfYear, RateRow] = {}
    for number, record in enumerate(reader, start=2):
        row = parse_row(table, record, f"{where} line {number}", origin)
        if row.half_year in rows:
            raise RateError(f"{where} line {number}: {row.half_year} appears twice")
        rows[row.half_year] = row
    return rows


def shipped_text(table: str) -> str:
    columns(table)
    return (resources.files("relance.domain.rate_tables") / f"{table}.csv").read_text("utf-8")


def override_path(override_dir: Path, table: str) -> Path:
    columns(table)
    return override_dir / f"{table}.csv"


def load_table(table: str, override_dir: Path | None = None) -> RateTable:
    rows = parse_table(table, shipped_text(table), f"rate_tables/{table}.csv", "shipped")
    if override_dir is not None:
        path = override_path(override_dir, table)
        if path.exists():
            rows.update(parse_table(table, path.read_text("utf-8"), str(path), "override"))
    return RateTable(table, rows)


def load_rate_book(override_dir: Path | None = None) -> RateBook:
    """Every shipped table with the rows of `override_dir` merged over it."""
    return RateBook({name: load_table(name, override_dir) for name in TABLES})


def _csv_text(table: str, rows: Iterable[RateRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns(table))
    for row in rows:
        values: list[object] = [row.half_year, row.rate]
        for name in TABLES[table]:
            value = getattr(row, name)
            values.append("" if value is None else value)
        values += [row.source, row.recorded.isoformat(), row.mark]
        writer.writerow(values)
    return (
        f"# {table}: half-years added over the shipped table (relance rates add).\n"
        + buffer.getvalue()
    )


def write_override(override_dir: Path, table: str, row: RateRow) -> Path:
    """Add or replace `row`'s half-year in the override file (written whole, then renamed)."""
    path = override_path(override_dir, table)
    rows: dict[HalfYear, RateRow] = {}
    if path.exists():
        rows = parse_table(table, path.read_text("utf-8"), str(path), "override")
    for name in ("legal_rate", "legal_rate_individual", "reference_date"):
        if getattr(row, name) is not None and name not in TABLES[table]:
            raise RateError(f"the table {table} has no {name.replace('_', ' ')} column")
    if "reference_date" in TABLES[table] and row.reference_date is None:
        hy = row.half_year
        ref = date(hy.year - 1, 12, 31) if hy.half == 1 else date(hy.year, 6, 30)
        row = replace(row, reference_date=ref)
    rows[row.half_year] = replace(row, origin="override")
    override_dir.mkdir(parents=True, exist_ok=True)
    text = _csv_text(table, [rows[k] for k in sorted(rows)])
    # Check what is about to be written with the same reader that will load it.
    parse_table(table, text, str(path), "override")
    fd, tmp = tempfile.mkstemp(prefix=f".{table}.", suffix=".csv", dir=override_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path
