"""Fixtures for the API tests: a ledger with users of every role and their tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from relance.accounts.models import Role
from relance.api.models import ApiToken
from relance.testing import Ledger


class Api:
    """A test client sending one user's bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api{path}", params, headers=self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            f"/api{path}", body or {}, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(
            f"/api{path}", body, content_type="application/json", headers=self.headers
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api{path}", headers=self.headers)


def api_for(user: Any, led: Ledger, **kwargs: Any) -> Api:
    _token, text = ApiToken.issue(user, led.creditor.pk, **kwargs)
    return Api(text)


@dataclass
class Team:
    led: Ledger
    admin: Api
    manager: Api
    alice: Api  # collector
    bob: Api  # collector
    reader: Api  # read_only
    users: dict[str, Any]


@pytest.fixture
def team(ledger: Ledger) -> Team:
    users = {
        "admin": ledger.user("admin", Role.ADMIN),
        "manager": ledger.user("manager", Role.CREDIT_MANAGER),
        "alice": ledger.user("alice", Role.COLLECTOR),
        "bob": ledger.user("bob", Role.COLLECTOR),
        "reader": ledger.user("reader", Role.READ_ONLY),
    }
    return Team(
        led=ledger,
        admin=api_for(users["admin"], ledger),
        manager=api_for(users["manager"], ledger),
        alice=api_for(users["alice"], ledger),
        bob=api_for(users["bob"], ledger),
        reader=api_for(users["reader"], ledger),
        users=users,
    )
