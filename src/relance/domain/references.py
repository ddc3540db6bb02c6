"""Our payment references: RF creditor references, invoice numbers in free text.

- ISO 11649 "RF" creditor reference: ``RF`` + two check digits + 1 to 21 letters or
  digits. The check digits make the reference, read as a number (letters A=10 … Z=35,
  "RF00" moved to the end), equal to 1 modulo 97: every single wrong character and
  almost every swap of two characters is detected. `rf_reference` builds one from an
  invoice number or a customer reference, `normalise_rf` accepts any spelling (spaces,
  lower case) and refuses a wrong one with the reason, `find_rf` lists the valid ones
  in a text.
- Invoice numbers written by payers in any spelling: ``F-2025-0042``, ``F 2025 42``,
  ``f2025-0042``, "facture 2025/0042". `Numbering` compiles a creditor's numbering
  pattern (``F-{YYYY}-{NNNN}``) into a canonical key (prefix, year and sequence as
  integers) that is the same for every spelling, and finds those keys in free text.

Pure functions; errors are `ReferenceError_` with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

RF_MAX_BODY = 21


class ReferenceError_(ValueError):  # the builtin ReferenceError is about weak references
    """A reference or a numbering pattern that cannot be used (the message says why)."""


_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def compact(text: str) -> str:
    """Letters and digits only, upper case: the spelling-free form of a reference."""
    return _NOT_ALNUM.sub("", text).upper()


# ISO 7064 MOD 97-10 reading: digits stay, A=10 … Z=35.
_LETTER_VALUES = str.maketrans({chr(65 + k): str(10 + k) for k in range(26)})


def _as_number(text: str) -> int:
    return int(text.translate(_LETTER_VALUES))


def rf_check_digits(body: str) -> str:
    """The two check digits of the RF reference whose body is `body` (already compact)."""
    return f"{98 - _as_number(body + 'RF00') % 97:02d}"


def rf_reference(source: str) -> str:
    """The RF creditor reference of an invoice number or a customer reference.

    The body is `source` without spaces or punctuation, in capitals ("F-2025-0042" →
    "RF.. F20250042"); it must keep 1 to 21 letters or digits (ASCII).
    """
    if any(ch.isalnum() and not ch.isascii() for ch in source):
        raise ReferenceError_(f"'{source}': an RF reference takes only letters A-Z and digits")
    body = compact(source)
    if not body:
        raise ReferenceError_(f"'{source}' has no letter or digit to make an RF reference")
    if len(body) > RF_MAX_BODY:
        raise ReferenceError_(
            f"'{source}' has {len(body)} letters and digits; an RF reference holds at most"
            f" {RF_MAX_BODY}"
        )
    return f"RF{rf_check_digits(body)}{body}"


def normalise_rf(text: str) -> str:
    """The RF reference in `text` written without spaces, in capitals; refused if wrong."""
    ref = "".join(text.split()).upper()
    if not ref.startswith("RF"):
        raise ReferenceError_(f"'{text}' is not an RF reference: it must start with RF")
    if not re.fullmatch(r"RF[0-9]{2}[0-9A-Z]{1,21}", ref):
        raise ReferenceError_(
            f"'{text}' is not an RF reference: RF, two check digits, then 1 to 21 letters or digits"
        )
    if _as_number(ref[4:] + ref[:4]) % 97 != 1:
        raise ReferenceError_(f"'{text}': the check digits are wrong (mistyped reference?)")
    return ref


def is_valid_rf(text: str) -> bool:
    try:
        normalise_rf(text)
    except ReferenceError_:
        return False
    return True


def format_rf(ref: str) -> str:
    """The printed form: groups of four characters ("RF18 5390 0754 7034")."""
    ref = normalise_rf(ref)
    return " ".join(ref[i : i + 4] for i in range(0, len(ref), 4))


# "RF", two digits, then the body: either one run of letters and digits or the printed
# groups of up to four characters separated by single spaces.
_RF_IN_TEXT = re.compile(
    r"(?<![0-9A-Z])RF ?[0-9]{2}(?: ?[0-9A-Z]{1,4})+|(?<![0-9A-Z])RF[0-9]{2}[0-9A-Z]+"
)


def find_rf(text: str) -> list[str]:
    """The valid RF references written in `text`, normalised, in order, without repeats.

    For a match that runs on into the next word ("RF18 5390 0754 7034 PAID") the longest
    valid prefix of groups is taken, and the search goes on after it.
    """
    found: list[str] = []
    upper = text.upper()
    pos = 0
    while (match := _RF_IN_TEXT.search(upper, pos)) is not None:
        groups = match.group(0).split(" ")
        if len(groups[0]) == 2:  # "RF 18 …"
            groups = [groups[0] + groups[1], *groups[2:]]
        pos = match.end()
        for end in range(len(groups), 0, -1):
            ref = "".join(groups[:end])
            if 5 <= len(ref) <= 4 + RF_MAX_BODY and is_valid_rf(ref):
                if ref not in found:
                    found.append(ref)
                pos = match.start() + len(" ".join(groups[:end]))
                break
    return found


_PLACEHOLDER = re.compile(r"\{(Y{4}|Y{2}|M{2}|N+)\}")
# What payers put between the parts of a number: nothing, spaces, - / . _ #
_SEP = r"[\s\-/._#]*"


@dataclass(frozen=True, slots=True)
class NumberHit:
    """An invoice number found in a text: its canonical key and how it was written."""

    key: str  # e.g. "F|2025|42": prefix, then each numeric part as an integer
    digits_key: str  # the same without the prefix: "2025|42"
    with_prefix: bool  # the prefix letters were written


@dataclass(frozen=True)
class Numbering:
    """A creditor's invoice numbering pattern and the spellings it accepts.

    Pattern syntax: literal letters (the prefix, e.g. ``F`` or ``FA``), separators
    (``-``, ``/``, ``.``, ``_``, space: any of them or none is accepted when reading),
    and numeric parts ``{YYYY}``, ``{YY}``, ``{MM}`` and ``{N…}`` (the sequence; as many
    ``N`` as its usual width, shorter or longer values are read too).
    Examples: ``F-{YYYY}-{NNNN}``, ``FA{YY}{MM}{NNNNN}``, ``INV{NNNNNN}``.
    """

    pattern: str

    def __post_init__(self) -> None:
        _ = self._parts  # raise now for a bad pattern

    @cached_property
    def _parts(self) -> tuple[str, tuple[str, ...]]:
        prefix_chars: list[str] = []
        numeric: list[str] = []
        pos = 0
        for match in _PLACEHOLDER.finditer(self.pattern):
            literal = self.pattern[pos : match.start()]
            letters = compact(literal)
            if letters and numeric:
                raise ReferenceError_(
                    f"numbering pattern '{self.pattern}': letters are only allowed before"
                    " the first {…} part"
                )
            if any(ch.isdigit() for ch in letters):
                raise ReferenceError_(
                    f"numbering pattern '{self.pattern}': digits must be written as {{…}} parts"
                )
            prefix_chars.append(letters)
            numeric.append(match.group(1))
            pos = match.end()
        if compact(self.pattern[pos:]):
            raise ReferenceError_(
                f"numbering pattern '{self.pattern}': nothing may follow the last {{…}} part"
            )
        if not numeric or not any(part.startswith("N") for part in numeric):
            raise ReferenceError_(
                f"numbering pattern '{self.pattern}' needs a sequence part such as {{NNNN}}"
            )
        return "".join(prefix_chars), tuple(numeric)

    @property
    def prefix(self) -> str:
        return self._parts[0]

    def _pieces(self, sep: str) -> str:
        pieces = []
        for part in self._parts[1]:
            if part.startswith("N"):
                pieces.append(rf"([0-9]{{1,{max(len(part) + 2, 6)}}})")
            elif part == "YYYY":
                pieces.append(r"((?:19|20)[0-9]{2})")
            else:
                pieces.append(rf"([0-9]{{{len(part)}}})")
        return sep.join(pieces)

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        """With the prefix, the parts may be run together ("F20250042"); without it they
        must be separated ("2025/0042"), so that a phone number or an amount is not read
        as an invoice number. A number is never a piece of a longer word or number."""
        prefix = self.prefix
        if not prefix:
            return re.compile(rf"(?<![0-9A-Za-z]){self._pieces(_SEP)}(?![0-9])")
        with_prefix = rf"(?P<prefix>{re.escape(prefix)}){_SEP}{self._pieces(_SEP)}"
        bare = self._pieces(_SEP.replace("*", "+"))
        return re.compile(
            rf"(?<![0-9A-Za-z])(?:{with_prefix}|(?<![0-9A-Za-z][\-/._#]){bare})(?![0-9])",
            re.IGNORECASE,
        )

    def key(self, number: str) -> str | None:
        """The canonical key of one of our invoice numbers, or None if it is not of this
        pattern. ``F-2025-0042`` and ``f 2025 42`` give the same key."""
        match = self._regex.fullmatch(number.strip())
        if match is None:
            return None
        groups = match.groups()
        if self.prefix:
            if groups[0] is None:
                return None
            groups = groups[1 : 1 + len(self._parts[1])]
        return self._make_key(groups)

    def _make_key(self, groups: tuple[str | None, ...]) -> str:
        return self.prefix + "|" + "|".join([str(int(g)) for g in groups if g is not None])

    def find(self, text: str) -> list[NumberHit]:
        """The numbers of this pattern written in `text`, in order."""
        hits: list[NumberHit] = []
        has_prefix = bool(self.prefix)
        size = len(self._parts[1])
        for match in self._regex.finditer(text):
            groups = match.groups()
            prefix_written = has_prefix and groups[0] is not None
            if not has_prefix:
                numeric = groups
            elif prefix_written:
                numeric = groups[1 : 1 + size]
            else:
                numeric = groups[1 + size :]
            key = self._make_key(numeric)
            hits.append(NumberHit(key, key.split("|", 1)[1], prefix_written or not has_prefix))
        return hits


def digits_key(key: str) -> str:
    """The key without its prefix: what a number written without its letters gives."""
    return key.split("|", 1)[1]
