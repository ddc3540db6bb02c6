"""Reading an import file: size limit, encoding, separator, CSV or XLSX, streamed rows.

`open_table` checks the whole file before the first row is handed out (size, hash,
encoding) and then streams rows one at a time, so memory stays flat whatever the size.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO

from relance.domain.identifiers import Issue

if TYPE_CHECKING:
    from _csv import Reader as _CsvReader

_CHUNK = 1 << 20
_ZIP_MAGIC = b"PK\x03\x04"


class FileRefused(Exception):
    """The whole file is refused (size, encoding, format); carries a bilingual Issue."""

    def __init__(self, issue: Issue, line: int = 0) -> None:
        super().__init__(issue.en)
        self.issue = issue
        self.line = line


def refuse(code: str, en: str, fr: str, line: int = 0, field: str = "") -> FileRefused:
    return FileRefused(Issue(field, code, en, fr), line)


@dataclass
class Table:
    """An opened file: its header cells and an iterator of (file line, cells)."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    sha256: str
    file_format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    _stack: ExitStack = field(default_factory=ExitStack, repr=False)

    def close(self) -> None:
        self._stack.close()


def _size_of(source: BinaryIO | Path) -> int | None:
    if isinstance(source, Path):
        return source.stat().st_size
    size = getattr(source, "size", None)  # Django's UploadedFile
    if isinstance(size, int):
        return size
    try:
        if source.seekable():
            here = source.tell()
            end = source.seek(0, os.SEEK_END)
            source.seek(here)
            return end - here
    except (OSError, AttributeError, ValueError):
        return None
    return None


def _too_big(max_bytes: int) -> FileRefused:
    mib = max_bytes / (1024 * 1024)
    return refuse(
        "file_too_large",
        f"The file is larger than the import limit of {mib:.0f} MiB "
        "(RELANCE_IMPORT_MAX_BYTES); split it into several files.",
        f"Le fichier dépasse la taille maximale d'import de {mib:.0f} Mio "
        "(RELANCE_IMPORT_MAX_BYTES) ; découpez-le en plusieurs fichiers.",
    )


def _seekable_binary(source: BinaryIO | Path, max_bytes: int, stack: ExitStack) -> IO[bytes]:
    """A seekable binary stream positioned at the start of the data, refused if too big."""
    size = _size_of(source)
    if size is not None and size > max_bytes:
        raise _too_big(max_bytes)
    if isinstance(source, Path):
        return stack.enter_context(source.open("rb"))
    try:
        seekable = source.seekable()
    except (AttributeError, ValueError):
        seekable = False
    if seekable:
        return source
    spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=16 * _CHUNK))  # noqa: SIM115
    copied = 0
    while chunk := source.read(_CHUNK):
        copied += len(chunk)
        if copied > max_bytes:
            raise _too_big(max_bytes)
        spool.write(chunk)
    spool.seek(0)
    return spool


@dataclass
class _Scan:
    sha256: str
    size: int
    utf8: bool
    has_nul: bool
    head: bytes


def _scan(stream: IO[bytes], max_bytes: int) -> _Scan:
    start = stream.tell()
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, has_nul, size, head = True, False, 0, b""
    while chunk := stream.read(_CHUNK):
        if not head:
            head = chunk[:8]
        size += len(chunk)
        if size > max_bytes:
            raise _too_big(max_bytes)
        digest.update(chunk)
        if not has_nul and b"\x00" in chunk:
            has_nul = True
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    stream.seek(start)
    return _Scan(digest.hexdigest(), size, utf8, has_nul, head)


def _empty() -> FileRefused:
    return refuse("empty_file", "The file is empty.", "Le fichier est vide.")


def _not_text() -> FileRefused:
    return refuse(
        "bad_encoding",
        "The file is neither UTF-8 nor Windows-1252 text (UTF-16 or a binary file?). "
        "Save it as CSV (UTF-8) or XLSX.",
        "Le fichier n'est ni du texte UTF-8 ni du Windows-1252 (UTF-16 ou fichier binaire ?). "
        "Enregistrez-le au format CSV (UTF-8) ou XLSX.",
    )


def sniff_delimiter(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ";"


def _csv_rows(reader: _CsvReader, offset: int) -> Iterator[tuple[int, list[str]]]:
    """Rows with the file line where each starts (a quoted cell may span lines)."""
    previous = reader.line_num + offset
    try:
        for cells in reader:
            line = previous + 1
            previous = reader.line_num + offset
            yield line, cells
    except UnicodeDecodeError:
        raise _not_text() from None
    except csv.Error as exc:
        raise refuse(
            "bad_csv",
            f"Line {previous + 1}: the file is not valid CSV ({exc}).",
            f"Ligne {previous + 1} : le fichier n'est pas un CSV valide ({exc}).",
            line=previous + 1,
        ) from None


def _open_csv(stream: IO[bytes], scan: _Scan, stack: ExitStack) -> Table:
    if scan.has_nul or scan.head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _not_text()
    encoding = "utf-8-sig" if scan.utf8 else "cp1252"
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    stack.callback(text.detach)
    skipped = 0
    try:
        first = text.readline()
        while first and not first.strip():
            skipped += 1
            first = text.readline()
    except UnicodeDecodeError:
        raise _not_text() from None
    if not first.strip():
        raise _empty()
    delimiter = sniff_delimiter(first)
    reader = csv.reader(_chain_first(first, text), delimiter=delimiter)
    header = next(reader)
    rows = _csv_rows(reader, skipped)
    return Table(
        header=header,
        rows=rows,
        sha256=scan.sha256,
        file_format="csv",
        encoding="utf-8" if scan.utf8 else "windows-1252",
        delimiter=delimiter,
        _stack=stack,
    )


def _chain_first(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


def cell_text(value: object) -> str:
    """An XLSX cell as the text a CSV would carry (dates ISO, numbers without float noise)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()


def _xlsx_rows(iterator: Iterator[tuple[object, ...]]) -> Iterator[tuple[int, list[str]]]:
    for line, values in enumerate(iterator, start=2):
        yield line, [cell_text(v) for v in values]


def _open_xlsx(stream: IO[bytes], scan: _Scan, stack: ExitStack) -> Table:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise refuse(
            "bad_xlsx",
            "The file is not a readable XLSX workbook.",
            "Le fichier n'est pas un classeur XLSX lisible.",
        ) from None
    stack.callback(workbook.close)
    if not workbook.worksheets:
        raise _empty()
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    header: list[str] | None = None
    for values in iterator:
        header = [cell_text(v) for v in values]
        break
    if header is None or not any(header):
        raise _empty()
    return Table(
        header=header,
        rows=_xlsx_rows(iterator),
        sha256=scan.sha256,
        file_format="xlsx",
        _stack=stack,
    )


def open_table(source: BinaryIO | Path, file_name: str, max_bytes: int) -> Table:
    """Open a CSV or XLSX file for reading; raises FileRefused with the reason."""
    stack = ExitStack()
    try:
        try:
            stream = _seekable_binary(source, max_bytes, stack)
        except OSError as exc:
            raise refuse(
                "unreadable_file",
                f"The file cannot be read ({exc.strerror or exc}).",
                f"Le fichier ne peut pas être lu ({exc.strerror or exc}).",
            ) from None
        scan = _scan(stream, max_bytes)
        if scan.size == 0:
            raise _empty()
        is_xlsx = scan.head.startswith(_ZIP_MAGIC) or file_name.lower().endswith((".xlsx", ".xlsm"))
        if is_xlsx:
            return _open_xlsx(stream, scan, stack)
        return _open_csv(stream, scan, stack)
    except BaseException:
        stack.close()
        raise
