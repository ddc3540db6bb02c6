"""`relance token create | list | revoke`."""

from __future__ import annotations

from typer.testing import CliRunner

import relance.cli.tokens  # noqa: F401 - registers the sub-command
from relance.accounts.models import Role
from relance.api.models import ApiToken
from relance.api.tests.conftest import Api
from relance.cli.base import app
from relance.testing import Ledger


def test_create_list_revoke(ledger: Ledger) -> None:
    ledger.user("erp", Role.CREDIT_MANAGER)
    runner = CliRunner()
    created = runner.invoke(
        app, ["token", "create", "--user", "erp", "--name", "ERP sync", "--expires-days", "30"]
    )
    assert created.exit_code == 0, created.output
    text = created.stdout.strip().splitlines()[0]
    assert text.startswith("rl_")
    token = ApiToken.objects.get()
    assert token.name == "ERP sync" and token.creditor_id == ledger.creditor.pk
    assert token.expires_at is not None
    assert Api(text).get("/customers").status_code == 200

    listed = runner.invoke(app, ["token", "list"])
    assert listed.exit_code == 0, listed.output
    assert token.prefix in listed.stdout and "ERP" in listed.stdout
    assert text.split("_", 2)[2] not in listed.stdout

    revoked = runner.invoke(app, ["token", "revoke", token.prefix])
    assert revoked.exit_code == 0, revoked.output
    assert Api(text).get("/customers").status_code == 401
    assert token.prefix not in runner.invoke(app, ["token", "list"]).stdout
    assert token.prefix in runner.invoke(app, ["token", "list", "--all"]).stdout


def test_bad_arguments_exit_2(ledger: Ledger) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["token", "create", "--user", "nobody"]).exit_code == 2
    ledger.user("erp", Role.ADMIN)
    no_access = runner.invoke(app, ["token", "create", "--user", "erp", "--creditor", "999999"])
    assert no_access.exit_code == 2
    assert runner.invoke(app, ["token", "revoke", "nope"]).exit_code == 2
    assert not ApiToken.objects.exists()
