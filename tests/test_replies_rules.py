"""The suggested classification of a reply: table-driven, French and English."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from relance.domain.replies import (
    Kind,
    classify,
    find_amounts,
    find_dates,
    html_to_text,
    new_text,
)

ON = date(2025, 1, 10)


@pytest.mark.parametrize(
    ("text", "kind", "when", "amount"),
    [
        # promises, French
        ("Bonjour, nous réglerons la facture le 15/01.", Kind.PROMISE, date(2025, 1, 15), None),
        (
            "Le virement de 1 234,56 € sera effectué le 15 janvier.",
            Kind.PROMISE,
            date(2025, 1, 15),
            Decimal("1234.56"),
        ),
        ("Nous allons procéder au paiement fin du mois.", Kind.PROMISE, date(2025, 1, 31), None),
        (
            "Je vais vous régler 500 euros le 1er février 2025",
            Kind.PROMISE,
            date(2025, 2, 1),
            Decimal("500"),
        ),
        ("Paiement prévu le 20.01.25, cordialement", Kind.PROMISE, date(2025, 1, 20), None),
        ("nous reglerons demain", Kind.PROMISE, date(2025, 1, 11), None),
        # promises, English
        (
            "We will pay EUR 1,234.56 on January 15th.",
            Kind.PROMISE,
            date(2025, 1, 15),
            Decimal("1234.56"),
        ),
        ("Payment is scheduled for 2025-02-03.", Kind.PROMISE, date(2025, 2, 3), None),
        ("The invoice will be settled by 15 January", Kind.PROMISE, date(2025, 1, 15), None),
        # disputes
        (
            "Nous contestons cette facture : la marchandise est arrivée endommagée.",
            Kind.DISPUTE,
            None,
            None,
        ),
        ("Nous n'avons jamais reçu la marchandise.", Kind.DISPUTE, None, None),
        ("Nous ne paierons pas cette facture.", Kind.DISPUTE, None, None),
        ("We dispute invoice F-2025-001: the amount is incorrect.", Kind.DISPUTE, None, None),
        ("We won't pay for damaged goods.", Kind.DISPUTE, None, None),
        # payment made
        (
            "Nous avons effectué le virement de 1.234,56 EUR le 08/01.",
            Kind.PAYMENT_MADE,
            date(2025, 1, 8),
            Decimal("1234.56"),
        ),
        ("Ci-joint l'avis de virement.", Kind.PAYMENT_MADE, None, None),
        ("La facture a bien été réglée le 3 janvier.", Kind.PAYMENT_MADE, date(2025, 1, 3), None),
        (
            "Please find attached our remittance advice for €980.00",
            Kind.PAYMENT_MADE,
            None,
            Decimal("980.00"),
        ),
        ("We paid this invoice on 5 January.", Kind.PAYMENT_MADE, date(2025, 1, 5), None),
        # copy of the invoice
        ("Pouvez-vous nous envoyer une copie de la facture ?", Kind.INVOICE_COPY, None, None),
        ("Nous n'avons pas reçu la facture F-2025-001.", Kind.INVOICE_COPY, None, None),
        ("Could you resend the invoice please?", Kind.INVOICE_COPY, None, None),
        # other
        ("Bonjour, merci pour votre message.", Kind.OTHER, None, None),
        ("", Kind.OTHER, None, None),
    ],
)
def test_kinds_dates_and_amounts(
    text: str, kind: Kind, when: date | None, amount: Decimal | None
) -> None:
    found = classify("Re: Relance facture", text, {}, ON)
    assert found.kind is kind, found.rules
    assert found.date == when
    assert found.amount == amount
    if kind is not Kind.OTHER:
        assert any(f.kind is kind for f in found.rules)
    else:
        assert found.rules == ()


def test_a_dispute_wins_over_a_promise_and_both_rules_are_listed() -> None:
    found = classify("", "Nous contestons F-2. La facture F-1 sera réglée le 30/01.", {}, ON)
    assert found.kind is Kind.DISPUTE
    assert {f.kind for f in found.rules} == {Kind.DISPUTE, Kind.PROMISE}


def test_part_paid_rest_promised_is_a_promise() -> None:
    found = classify("", "Nous avons réglé 500 €, le solde sera réglé le 30/01.", {}, ON)
    assert found.kind is Kind.PROMISE
    assert found.date == date(2025, 1, 30)


@pytest.mark.parametrize(
    ("subject", "headers", "rule"),
    [
        ("Re: Relance", {"Auto-Submitted": "auto-replied"}, "header_auto_submitted"),
        ("Re: Relance", {"X-Autoreply": "yes"}, "header_x_autoreply"),
        ("Re: Relance", {"X-Autorespond": "1"}, "header_x_autorespond"),
        ("Re: Relance", {"Precedence": "auto_reply"}, "header_precedence"),
        ("Absence du bureau", {}, "subject_out_of_office"),
        ("Réponse automatique : Relance facture", {}, "subject_out_of_office"),
        ("Automatic reply: Reminder", {}, "subject_out_of_office"),
        ("Out of Office: Reminder", {}, "subject_out_of_office"),
    ],
)
def test_automatic_replies(subject: str, headers: dict[str, str], rule: str) -> None:
    text = "Je suis absente jusqu'au 20/01. Nous réglerons à mon retour."
    found = classify(subject, text, headers, ON)
    assert found.kind is Kind.OUT_OF_OFFICE
    assert rule in {f.rule for f in found.rules}
    assert found.date == date(2025, 1, 20)  # back on
    assert found.amount is None


def test_auto_submitted_no_is_a_person() -> None:
    found = classify("Re: Relance", "Merci", {"Auto-Submitted": "no"}, ON)
    assert found.kind is Kind.OTHER


def test_absence_in_the_body_decides_only_alone() -> None:
    assert classify("Re", "Je suis absent cette semaine.", {}, ON).kind is Kind.OUT_OF_OFFICE
    both = classify("Re", "Je suis absent, nous réglerons le 15/01.", {}, ON)
    assert both.kind is Kind.PROMISE


def test_the_quoted_reminder_is_not_read() -> None:
    text = (
        "Merci, c'est noté.\n\n"
        "Le lun. 6 janv. 2025 à 09:00, Atelier Durand <relances@durand.example> a\n"
        "écrit :\n"
        "> Sauf erreur de notre part, la facture F-1 de 1 234,56 € reste impayée.\n"
        "> Nous vous remercions de procéder au règlement sous huit jours.\n"
    )
    found = classify("Re: Relance", text, {}, ON)
    assert found.kind is Kind.OTHER
    assert found.amount is None
    assert new_text(text) == "Merci, c'est noté."


@pytest.mark.parametrize(
    "separator",
    [
        "On Mon, Jan 6, 2025 at 9:00 AM Atelier <r@x.example> wrote:",
        "-----Original Message-----",
        "-------- Message d'origine --------",
        "________________________________",
        "De : Atelier Durand\nEnvoyé : lundi 6 janvier 2025\nObjet : Relance",
        "From: Atelier\nSent: Monday\nSubject: Reminder",
    ],
)
def test_quote_separators(separator: str) -> None:
    text = f"We will pay on the 15th.\n\n{separator}\nPlease pay 1 234,56 € now."
    assert new_text(text) == "We will pay on the 15th."


def test_amount_spellings() -> None:
    text = "1 234,56 € ; 1.234,56 EUR ; €1,234.56 ; EUR 500 ; 500 euros ; 12 CHF ; $3.50"
    assert [(a.value, a.currency) for a in find_amounts(text)] == [
        (Decimal("1234.56"), "EUR"),
        (Decimal("1234.56"), "EUR"),
        (Decimal("1234.56"), "EUR"),
        (Decimal("500"), "EUR"),
        (Decimal("500"), "EUR"),
        (Decimal("12"), "CHF"),
        (Decimal("3.50"), "USD"),
    ]


def test_numbers_without_a_currency_are_not_amounts() -> None:
    assert find_amounts("facture F-2025-001 du 15/01, 3 articles") == []


def test_date_spellings_and_years() -> None:
    december = date(2024, 12, 20)
    text = "le 15/01 ; 15 janvier 2026 ; January 3 ; 3rd of March ; 28/02/24 ; 2025-06-30"
    assert [f.day for f in find_dates(text, december)] == [
        date(2025, 1, 15),  # no year: the closest to the day received
        date(2026, 1, 15),
        date(2025, 1, 3),
        date(2025, 3, 3),
        date(2024, 2, 28),
        date(2025, 6, 30),
    ]


def test_amounts_are_not_read_as_dates() -> None:
    assert find_dates("12.50 € le 15/01", ON)[0].day == date(2025, 1, 15)
    assert len(find_dates("12.50 €", ON)) == 0


def test_impossible_dates_are_ignored() -> None:
    assert find_dates("le 31/02 ou le 45/13", ON) == []


def test_html_to_text_keeps_text_only() -> None:
    html = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<script>alert('x')</script><p>Bonjour,</p><p>Nous r&eacute;glerons le "
        "<b>15/01</b>.</p><ul><li>F-1</li></ul><img src='https://tracker.example/x.png'>"
        "</body></html>"
    )
    text = html_to_text(html)
    assert text == "Bonjour,\n\nNous réglerons le 15/01.\n\n- F-1"
    assert "alert" not in text and "color" not in text and "tracker" not in text


def test_html_to_text_survives_broken_markup() -> None:
    assert html_to_text("<p>Merci<div><<<>>> & <!-- unterminated").startswith("Merci")
