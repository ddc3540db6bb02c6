"""Tracking numbers of registered letters (pure).

La Poste numbers its registered letters and their acknowledgment cards with the UPU S10
format for international items (two letters, eight digits, a check digit, the country:
"RR123456785FR") and with 13- or 15-character codes at home ("1A01234567890"). A number
entered by hand is normalised (spaces removed, upper case) and, when it has the S10 shape,
its check digit verified.
"""

from __future__ import annotations

import re

_S10 = re.compile(r"^[A-Z]{2}(\d{8})(\d)[A-Z]{2}$")
_ANY = re.compile(r"^[A-Z0-9]{8,30}$")
_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> int:
    """The S10 check digit of an eight-digit serial number."""
    total = sum(int(d) * w for d, w in zip(serial, _WEIGHTS, strict=True))
    digit = 11 - total % 11
    return {10: 0, 11: 5}.get(digit, digit)


def s10(serial: int, prefix: str = "RR", country: str = "FR") -> str:
    """An S10 tracking number for `serial` (0 to 99,999,999)."""
    digits = f"{serial % 100_000_000:08d}"
    return f"{prefix}{digits}{s10_check_digit(digits)}{country}"


def clean_tracking_number(value: str) -> str:
    """The number without spaces, upper case; ValueError with the reason if it cannot be one."""
    text = re.sub(r"[\s.-]", "", value).upper()
    if not _ANY.match(text):
        raise ValueError(f"'{value}' is not a tracking number (8 to 30 letters and digits)")
    found = _S10.match(text)
    if found and s10_check_digit(found.group(1)) != int(found.group(2)):
        raise ValueError(f"'{value}': the check digit of this S10 number is wrong")
    return text
