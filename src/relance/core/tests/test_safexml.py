"""The shared safe XML parser: DTDs and entities refused, in any encoding."""

from __future__ import annotations

import pytest

from relance.core.safexml import UnsafeXml, parse

XXE = b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<d>&x;</d>'


def test_a_plain_document_is_read() -> None:
    assert parse(b"<a><b>1</b></a>").findtext("b") == "1"


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        (XXE, "forbidden", 2),
        (
            '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE a><a/>'.encode("utf-16"),
            "forbidden",
            2,
        ),
        (b"<a><b></a>", "malformed", 1),
        (b"", "malformed", 1),
    ],
)
def test_refused(data: bytes, code: str, line: int) -> None:
    with pytest.raises(UnsafeXml) as caught:
        parse(data)
    assert (caught.value.code, caught.value.line) == (code, line)


def test_too_large() -> None:
    with pytest.raises(UnsafeXml, match="larger than 10 bytes"):
        parse(b"<a>0123456789</a>", max_bytes=10)
