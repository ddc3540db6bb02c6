from __future__ import annotations

import pytest

from relance.domain.names import name_similarity, normalise_name, similar_enough


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Société Générale d'Éclairage SARL", "generale eclairage"),
        ("DUPONT PLOMBERIE S.A.R.L.", "dupont plomberie"),
        ("Müller Bau GmbH", "muller bau"),
        ("SAS", "sas"),  # nothing but a legal form: kept rather than emptied
        ("", ""),
    ],
)
def test_normalise_name(name: str, normalised: str) -> None:
    assert normalise_name(name) == normalised


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("Dupont Plomberie SARL", "DUPONT PLOMBERIE", 1.0, 1.0),
        ("Jean Martin", "MARTIN JEAN", 1.0, 1.0),  # words swapped
        ("Dupont Plomberie", "Dupond Plomberie", 0.9, 0.99),
        ("Dupont Plomberie", "Garage Leroy", 0.0, 0.5),
        ("", "Garage Leroy", 0.0, 0.0),
    ],
)
def test_name_similarity(a: str, b: str, low: float, high: float) -> None:
    assert low <= name_similarity(a, b) <= high


def test_similar_enough_agrees_above_the_threshold() -> None:
    assert similar_enough("Dupont Plomberie", "Dupond Plomberie", 0.85) == pytest.approx(
        name_similarity("Dupont Plomberie", "Dupond Plomberie")
    )
    assert similar_enough("Dupont Plomberie", "Garage Leroy", 0.85) == 0.0
