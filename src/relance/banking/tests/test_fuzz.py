"""Whatever the bytes, a reader returns statements or raises StatementError, nothing else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relance.banking.readers.base import Reader, StatementError
from relance.banking.readers.camt import CamtReader
from relance.banking.readers.cfonb import CfonbReader
from relance.banking.readers.csvfile import CsvMapping, CsvReader
from relance.banking.readers.ofx import OfxReader
from relance.banking.tests import fixtures

MAPPING = CsvMapping.from_dict(
    {"account": "FR7630006000011234567890189", "date": "Date", "debit": "D", "credit": "C"}
)
READERS: list[Reader] = [CamtReader(), OfxReader(), CfonbReader(), CsvReader(MAPPING)]
SEEDS = [
    fixtures.camt053(),
    fixtures.OFX1,
    fixtures.OFX2,
    fixtures.cfonb_statement(),
    b"Date;D;C\n28/02/2025;;1,00\n",
]


def _mutate(seed: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    data = bytearray(seed)
    for start, length, insert in cuts:
        at = start % (len(data) + 1)
        data[at : at + length] = insert
    return bytes(data)


def _read_all(data: bytes) -> None:
    for reader in READERS:
        try:
            reader.identify(data)
            reader.read(data, "fuzz")
        except StatementError:
            pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes(data: bytes) -> None:
    _read_all(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEEDS),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10_000),
            st.integers(min_value=0, max_value=8),
            st.binary(max_size=6) | st.sampled_from([b"<", b">", b"</", b"}", b"-", b"\n", b"&"]),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_files(seed: bytes, cuts: list[tuple[int, int, bytes]]) -> None:
    _read_all(_mutate(seed, cuts))
