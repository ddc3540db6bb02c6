"""The imports page: dry-run preview with per-row errors, then apply."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from relance.customers.models import Customer
from relance.web.tests.conftest import World, login

pytest.importorskip("relance.imports.service")

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "imports" / "examples"


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_preview_then_apply(client: Client, world: World) -> None:
    login(client, world.admin)
    data = (EXAMPLES / "customers.csv").read_bytes()
    before = Customer.objects.count()
    response = client.post(
        reverse("imports"),
        {"action": "preview", "kind": "customers", "file": _upload("customers.csv", data)},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Boulangerie Martin" in html  # preview table
    assert "Apply the import" in html
    assert Customer.objects.count() == before  # a dry run writes nothing
    token = response.context["token"]
    response = client.post(reverse("imports"), {"action": "apply", "token": token})
    assert response.status_code == 200
    assert response.context["result"].ok
    assert Customer.objects.filter(
        creditor=world.led.creditor, legal_name="Boulangerie Martin"
    ).exists()
    assert Customer.objects.count() > before
    # the token is spent
    response = client.post(reverse("imports"), {"action": "apply", "token": token})
    assert response.status_code == 302


def test_row_errors_are_listed_and_nothing_can_be_applied(client: Client, world: World) -> None:
    login(client, world.admin)
    data = (
        b"code_client;raison_sociale;siren\n"
        b"X0001;Correct SARL;552100554\n"
        b"X0002;Mauvais SIREN SAS;123\n"
    )
    response = client.post(
        reverse("imports"),
        {"action": "preview", "kind": "customers", "file": _upload("bad.csv", data)},
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.ok
    html = response.content.decode()
    assert "Apply the import" not in html
    errors = html[html.index("<caption>Errors</caption>") :]
    assert '<td class="num">3</td>' in errors
    assert escape(result.errors[0].message) in html
    assert not Customer.objects.filter(legal_name="Correct SARL").exists()


def test_apply_refused_after_switching_creditor(client: Client, world: World) -> None:
    from relance.accounts.models import Membership, Role
    from relance.testing import Ledger

    other = Ledger.create("Deuxième Société SA")
    Membership.objects.create(
        user=world.admin,  # type: ignore[misc]
        creditor=other.creditor,
        role=Role.ADMIN,
    )
    login(client, world.admin)
    data = (EXAMPLES / "customers.csv").read_bytes()
    response = client.post(
        reverse("imports"),
        {"action": "preview", "kind": "customers", "file": _upload("customers.csv", data)},
    )
    token = response.context["token"]
    client.post(reverse("switch_creditor"), {"creditor": other.creditor.pk})
    response = client.post(reverse("imports"), {"action": "apply", "token": token})
    assert response.status_code == 302
    assert not Customer.objects.filter(legal_name="Boulangerie Martin").exists()


def test_stale_previews_are_removed(client: Client, world: World) -> None:
    import os
    import time

    from relance.web.views import PENDING_UPLOAD_TTL, _upload_dir

    stale = _upload_dir() / "stale-preview"
    stale.write_bytes(b"x")
    old = time.time() - PENDING_UPLOAD_TTL - 60
    os.utime(stale, (old, old))
    login(client, world.admin)
    data = (EXAMPLES / "customers.csv").read_bytes()
    client.post(
        reverse("imports"),
        {"action": "preview", "kind": "customers", "file": _upload("customers.csv", data)},
    )
    assert not stale.exists()


def test_wrong_file_type_is_refused(client: Client, world: World) -> None:
    login(client, world.admin)
    response = client.post(
        reverse("imports"),
        {"action": "preview", "kind": "customers", "file": _upload("notes.pdf", b"%PDF")},
    )
    assert response.status_code == 400
    assert "Only .csv and .xlsx files can be imported." in response.content.decode()


def test_credit_manager_may_import_collector_may_not(client: Client, world: World) -> None:
    from relance.accounts.models import Role

    manager = world.led.user("manon", Role.CREDIT_MANAGER)
    login(client, manager)
    assert client.get(reverse("imports")).status_code == 200
    login(client, world.bob)
    data = (EXAMPLES / "customers.csv").read_bytes()
    response = client.post(
        reverse("imports"),
        {"action": "preview", "kind": "customers", "file": _upload("customers.csv", data)},
    )
    assert response.status_code == 403
