"""SMS length: GSM-7 or UCS-2, characters and segments (pure, no Django).

A text that only uses the GSM 03.38 alphabet is sent in GSM-7: 160 characters in one
message, 153 per segment when split; characters of the extension table (€, [, ], {, }, \\,
^, ~, |) count twice. Any other character (é is in the alphabet, but ê, â, ç…
are not) switches the whole text to UCS-2: 70 characters in one message, 67 per segment,
characters outside the basic plane counting twice. Operators bill per segment.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True, slots=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or 16-bit code units (UCS-2)
    segments: int


def measure(text: str) -> SmsLength:
    """Encoding, length in units and number of segments of `text`."""
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        units = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        single, part = 160, 153
        encoding = "GSM-7"
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, part = 70, 67
        encoding = "UCS-2"
    if units <= single:
        return SmsLength(encoding, units, 1 if units else 0)
    return SmsLength(encoding, units, -(-units // part))


def fits(text: str, max_segments: int) -> bool:
    return measure(text).segments <= max_segments
