"""Letters as PDF (typst): letterhead, address block for a window envelope, text, invoices.

The wording is the same rendered text as the other channels (linted); the letter adds the
layout, the place and date, and a table of the invoices.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import typst

TEMPLATE = Path(__file__).with_name("letter.typ")

LABELS = {
    "fr": {
        "subject": "Objet :",
        "registered": "Lettre recommandée avec accusé de réception",
        "headers": ["Facture", "Date", "Échéance", "Jours de retard", "Montant dû"],
        "total": "Total dû :",
    },
    "en": {
        "subject": "Subject:",
        "registered": "Registered letter with acknowledgment of receipt",
        "headers": ["Invoice", "Date", "Due", "Days late", "Amount due"],
        "total": "Total due:",
    },
}


@dataclass(frozen=True, slots=True)
class Sender:
    name: str
    lines: list[str]


@dataclass(frozen=True, slots=True)
class Row:
    number: str
    issued: str
    due: str
    days_late: str
    open: str


@dataclass(frozen=True, slots=True)
class Table:
    """A further table after the text (an account statement's items, its payments)."""

    caption: str
    headers: list[str]
    rows: list[list[str]]
    #: columns aligned right (amounts, counts), by index
    right: list[int] = field(default_factory=list)
    total_label: str = ""
    total: str = ""


@dataclass(frozen=True, slots=True)
class Letter:
    lang: str
    sender: Sender
    address: list[str]
    place_date: str
    subject: str
    paragraphs: list[str]
    rows: list[Row] = field(default_factory=list)
    total: str = ""
    registered: bool = False
    footer: str = ""
    tables: list[Table] = field(default_factory=list)
    #: paragraphs after the tables (the closing and signature of a statement)
    closing: list[str] = field(default_factory=list)
    #: an EPC QR code (SVG) to pay by transfer, and the text beside it
    qr_svg: str = ""
    qr_caption: str = ""


def render_pdf(letter: Letter) -> bytes:
    """The letter as PDF bytes (reproducible: fixed creation time)."""
    labels = LABELS["fr" if letter.lang == "fr" else "en"]
    data = asdict(letter)
    data.update(
        subject_label=labels["subject"],
        registered_label=labels["registered"],
        headers=labels["headers"],
        total_label=labels["total"],
    )
    stamp = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    pdf: bytes = typst.compile(
        str(TEMPLATE), sys_inputs={"data": json.dumps(data)}, timestamp=stamp
    )
    return pdf
