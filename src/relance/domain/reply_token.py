"""Reply addresses that say who a reply is from: ``<local>+r-<signed token>@<domain>``.

An outgoing reminder to customer 42 of creditor 7, sent with the reply address
``relances@example.com``, carries ``Reply-To: relances+r-7-16-<mac>@example.com``: the
creditor and the customer in base 36, and the first 16 characters (80 bits) of an
HMAC-SHA256 of both, in lower-case base 32 (mail servers may lower-case a local part).
A reply to that address is matched to the customer without reading anything else; an
address whose token does not verify (altered, or signed with another key) is refused with
`TokenError`, never trusted.

Pure functions; the key is given by the caller (derived from the install's secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

MARK = "+r-"
MAC_LENGTH = 16
#: RFC 5321: a local part has at most 64 octets.
MAX_LOCAL = 64

_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_TOKEN = re.compile(
    r"^(?P<creditor>[0-9a-z]{1,13})-(?P<customer>[0-9a-z]{1,13})-(?P<mac>[a-z2-7]+)$"
)


class TokenError(ValueError):
    """A reply address carries a token that cannot be trusted (the message says why)."""


@dataclass(frozen=True, slots=True)
class Token:
    creditor_id: int
    customer_id: int


def _base36(value: int) -> str:
    if value < 0:
        raise ValueError("ids are positive")
    if value == 0:
        return "0"
    digits = []
    while value:
        value, rest = divmod(value, 36)
        digits.append(_DIGITS36[rest])
    return "".join(reversed(digits))


def _mac(creditor_id: int, customer_id: int, key: bytes) -> str:
    digest = hmac.new(key, f"reply:{creditor_id}:{customer_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:MAC_LENGTH]


def make_address(base: str, creditor_id: int, customer_id: int, key: bytes) -> str:
    """The reply address of `customer_id` built on `base` ("relances@example.com").

    Raises ValueError when `base` is not a plain address (no "@", or a local part that
    already has a "+" tag) or when the result would be too long for a local part."""
    local, at, domain = base.strip().rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"reply address '{base}': expected local@domain")
    if "+" in local:
        raise ValueError(f"reply address '{base}': the local part must not already contain '+'")
    tagged = (
        f"{local}{MARK}{_base36(creditor_id)}-{_base36(customer_id)}-"
        f"{_mac(creditor_id, customer_id, key)}"
    )
    if len(tagged) > MAX_LOCAL:
        raise ValueError(
            f"reply address '{base}': the local part is too long to carry a token "
            f"(at most {MAX_LOCAL - len(tagged) + len(local)} characters)"
        )
    return f"{tagged}@{domain}"


def has_token(address: str) -> bool:
    local = address.strip().rpartition("@")[0]
    return MARK in local.lower()


def read_address(address: str, key: bytes) -> Token | None:
    """The creditor and customer an address stands for; None when it carries no token.

    Raises TokenError when it carries one that is malformed or does not verify."""
    local = address.strip().strip("<>").rpartition("@")[0].lower()
    if MARK not in local:
        return None
    token = local.split(MARK, 1)[1]
    found = _TOKEN.match(token)
    if found is None:
        raise TokenError(f"reply token in '{address}' is malformed")
    creditor_id = int(found["creditor"], 36)
    customer_id = int(found["customer"], 36)
    if not hmac.compare_digest(found["mac"], _mac(creditor_id, customer_id, key)):
        raise TokenError(f"reply token in '{address}' does not verify (altered or foreign)")
    return Token(creditor_id, customer_id)
