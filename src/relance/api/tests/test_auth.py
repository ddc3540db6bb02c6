"""Authentication: bearer tokens (missing, malformed, unknown, revoked, expired) and sessions."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from relance.accounts.models import Membership, Role
from relance.api.models import ApiToken, split_token
from relance.api.tests.conftest import Api, Team, api_for
from relance.testing import Ledger


def _assert_401(response: Any) -> dict[str, Any]:
    assert response.status_code == 401, response.content
    body: dict[str, Any] = response.json()
    assert body["code"] == "not_authenticated"
    assert body["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    return body


def test_missing_token_is_401(ledger: Ledger) -> None:
    _assert_401(Api(None).get("/customers"))


def test_malformed_and_unknown_tokens_are_401(ledger: Ledger) -> None:
    _assert_401(Api("not-a-token").get("/customers"))
    _assert_401(Api("rl_deadbeef00_secret").get("/customers"))


def test_right_prefix_wrong_secret_is_401(ledger: Ledger) -> None:
    user = ledger.user("u1", Role.ADMIN)
    token, text = ApiToken.issue(user, ledger.creditor.pk)
    body = _assert_401(Api(f"rl_{token.prefix}_wrong-secret").get("/customers"))
    assert "Unknown" in body["message"]
    assert Api(text).get("/customers").status_code == 200


def test_revoked_token_is_401(ledger: Ledger) -> None:
    user = ledger.user("u1", Role.ADMIN)
    token, text = ApiToken.issue(user, ledger.creditor.pk)
    assert Api(text).get("/customers").status_code == 200
    token.revoke()
    body = _assert_401(Api(text).get("/customers"))
    assert "revoked" in body["message"]


def test_expired_token_is_401(ledger: Ledger) -> None:
    user = ledger.user("u1", Role.ADMIN)
    token, text = ApiToken.issue(user, ledger.creditor.pk, expires_days=1)
    assert Api(text).get("/customers").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = _assert_401(Api(text).get("/customers"))
    assert "expired" in body["message"]


def test_disabled_user_is_401(ledger: Ledger) -> None:
    user = ledger.user("u1", Role.ADMIN)
    _token, text = ApiToken.issue(user, ledger.creditor.pk)
    user.is_active = False
    user.save()
    _assert_401(Api(text).get("/customers"))


def test_token_without_membership_is_403(ledger: Ledger) -> None:
    user = ledger.user("u1", Role.ADMIN)
    _token, text = ApiToken.issue(user, ledger.creditor.pk)
    Membership.objects.filter(user_id=user.pk).delete()
    response = Api(text).get("/customers")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_only_the_hash_of_the_secret_is_stored(ledger: Ledger) -> None:
    user = ledger.user("u1", Role.ADMIN)
    token, text = ApiToken.issue(user, ledger.creditor.pk, name="ERP")
    parts = split_token(text)
    assert parts is not None
    prefix, secret = parts
    assert text.startswith("rl_") and prefix == token.prefix
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (stored.key_hash, stored.prefix, stored.name)


def test_use_records_last_used(team: Team) -> None:
    token = ApiToken.objects.get(user=team.users["admin"])
    assert token.last_used_at is None
    assert team.admin.get("/customers").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_acts_at_its_own_creditor_only(team: Team) -> None:
    other = Ledger.create("Other SA", siren="552100554")
    foreign = other.customer("Foreign client")
    mine = team.led.customer("Mine")
    ids = [c["id"] for c in team.admin.get("/customers").json()["items"]]
    assert mine.pk in ids and foreign.pk not in ids
    assert team.admin.get(f"/customers/{foreign.pk}").status_code == 404
    # the same user, member of the other creditor too, gets a token for it
    Membership.objects.create(user=team.users["admin"], creditor=other.creditor, role=Role.ADMIN)
    there = api_for(team.users["admin"], other)
    assert there.get(f"/customers/{foreign.pk}").status_code == 200
    assert there.get(f"/customers/{mine.pk}").status_code == 404


def test_session_auth_reads_and_needs_csrf_to_write(team: Team) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.users["admin"])
    assert client.get("/api/customers").status_code == 200
    body = {"legal_name": "Session SARL"}
    refused = client.post("/api/customers", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf"
    secret = get_random_string(32)  # an unmasked CSRF secret is accepted as is
    client.cookies["csrftoken"] = secret
    accepted = client.post(
        "/api/customers",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    assert accepted.status_code == 201, accepted.content


def test_session_picks_creditor_from_header(team: Team) -> None:
    other = Ledger.create("Other SA", siren="552100554")
    foreign = other.customer("Foreign client")
    client = Client()
    client.force_login(team.users["admin"])
    assert client.get(f"/api/customers/{foreign.pk}").status_code == 404
    refused = client.get(
        f"/api/customers/{foreign.pk}", headers={"X-Relance-Creditor": str(other.creditor.pk)}
    )
    assert refused.status_code == 403
    Membership.objects.create(user=team.users["admin"], creditor=other.creditor, role=Role.ADMIN)
    allowed = client.get(
        f"/api/customers/{foreign.pk}", headers={"X-Relance-Creditor": str(other.creditor.pk)}
    )
    assert allowed.status_code == 200


def test_me_tells_role_and_rights(team: Team) -> None:
    me = team.alice.get("/me").json()
    assert me["username"] == "alice" and me["role"] == "collector"
    assert me["creditor"] == team.led.creditor.pk
    assert (me["can_write"], me["can_write_ledger"], me["sees_all_customers"]) == (
        True,
        False,
        False,
    )
    assert me["token_prefix"] == ApiToken.objects.get(user=team.users["alice"]).prefix
    reader = team.reader.get("/me").json()
    assert (reader["can_write"], reader["sees_all_customers"]) == (False, True)
    client = Client()
    client.force_login(team.users["manager"])
    session = client.get("/api/me").json()
    assert session["role"] == "credit_manager" and session["token_prefix"] is None


def test_no_credentials_on_a_write_is_401_not_csrf(ledger: Ledger) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/customers", {"legal_name": "X"}, content_type="application/json")
    _assert_401(response)
