"""Reply addresses carrying a signed token: built, read back, refused when altered."""

from __future__ import annotations

import pytest

from relance.domain.reply_token import (
    MAX_LOCAL,
    Token,
    TokenError,
    has_token,
    make_address,
    read_address,
)

KEY = b"k" * 32


def test_round_trip() -> None:
    address = make_address("relances@durand.example", 7, 123456, KEY)
    assert address.startswith("relances+r-7-2n9c-")
    assert address.endswith("@durand.example")
    assert has_token(address)
    assert read_address(address, KEY) == Token(7, 123456)
    # mail servers may change the case of a local part
    assert read_address(address.upper(), KEY) == Token(7, 123456)
    assert read_address(f"<{address}>", KEY) == Token(7, 123456)


def test_an_address_without_a_token_is_none() -> None:
    assert read_address("relances@durand.example", KEY) is None
    assert not has_token("compta+factures@acme.example")


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a.replace("r-7-", "r-8-"),  # another creditor
        lambda a: a.replace("-2n9c-", "-2n9d-"),  # another customer
        lambda a: (
            a[: a.index("@") - 1] + ("a" if a[a.index("@") - 1] != "a" else "b") + a[a.index("@") :]
        ),
    ],
)
def test_an_altered_token_is_refused(change: object) -> None:
    address = make_address("relances@durand.example", 7, 123456, KEY)
    altered = change(address)  # type: ignore[operator]
    with pytest.raises(TokenError, match="does not verify"):
        read_address(altered, KEY)


def test_another_key_is_refused() -> None:
    address = make_address("relances@durand.example", 7, 1, KEY)
    with pytest.raises(TokenError, match="does not verify"):
        read_address(address, b"other-key")


@pytest.mark.parametrize("token", ["r-", "r-7", "r-7-1", "r-7-1-!!", "r-Z_-1-abc"])
def test_a_malformed_token_is_refused(token: str) -> None:
    with pytest.raises(TokenError):
        read_address(f"relances+{token}@durand.example", KEY)


@pytest.mark.parametrize(
    ("base", "why"),
    [
        ("no-at-sign", "local@domain"),
        ("@durand.example", "local@domain"),
        ("relances+x@durand.example", "already contain"),
        ("x" * 50 + "@durand.example", "too long"),
    ],
)
def test_bad_base_addresses(base: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        make_address(base, 1, 1, KEY)


def test_the_local_part_stays_within_the_limit() -> None:
    address = make_address("r" * 20 + "@durand.example", 2**40, 2**40, KEY)
    assert len(address.split("@")[0]) <= MAX_LOCAL
