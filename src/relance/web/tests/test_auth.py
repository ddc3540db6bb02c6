"""Login with Argon2, logout by POST, lockout after repeated failures."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse

from relance.accounts.models import Role
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

ARGON2 = ["django.contrib.auth.hashers.Argon2PasswordHasher"]


@override_settings(PASSWORD_HASHERS=ARGON2)
def test_login_with_argon2(client: Client, ledger: Ledger) -> None:
    user = ledger.user("claire", Role.CREDIT_MANAGER)
    user.set_password("Correct-Horse-2025")
    user.save()
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'for="id_username"' in page.content.decode()
    response = client.post(
        reverse("login"), {"username": "claire", "password": "Correct-Horse-2025"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("overview")
    assert client.get(reverse("overview")).status_code == 200


def test_wrong_password_is_refused(client: Client, ledger: Ledger) -> None:
    ledger.user("claire", Role.ADMIN)
    response = client.post(reverse("login"), {"username": "claire", "password": "wrong"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


def test_logout_by_post(client: Client, ledger: Ledger) -> None:
    client.force_login(ledger.user("claire", Role.ADMIN))  # type: ignore[arg-type]
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("overview")).status_code == 302


def test_lockout_after_five_failures(client: Client, ledger: Ledger) -> None:
    ledger.user("claire", Role.ADMIN)
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "claire", "password": "nope"})
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": "claire", "password": "nope"})
    assert response.status_code == 429
    assert "Account locked" in response.content.decode()
    # even the right password is refused while locked
    response = client.post(reverse("login"), {"username": "claire", "password": "pw-relance-2025"})
    assert response.status_code == 429
    assert get_user_model().objects.filter(username="claire").exists()
