"""Every page renders, scoped to what the user may see."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relance.ledger.models import Payment
from relance.web.tests.conftest import AS_OF, World, login

pytestmark = pytest.mark.django_db


def test_login_required(client: Client) -> None:
    response = client.get(reverse("overview"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_membership_gets_403(client: Client, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("nobody", password="x-relance-2025")
    client.force_login(user)
    response = client.get(reverse("customers"))
    assert response.status_code == 403
    assert b"Access denied" in response.content


def test_overview_totals_chart_and_top(client: Client, world: World) -> None:
    login(client, world.admin)
    response = client.get(reverse("overview"), {"as_of": AS_OF})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and 'data-bucket="d31_60"' in html
    # ACME F-2025-001 is 50 days overdue, Bolt F-2025-010 120 days.
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "€12,345.67" in svg
    assert "€2,400.00" in svg
    assert "€1,000.00" in svg  # not due yet
    # open = 12 345,67 + 1 000 + 2 400 (the credit note is not allocated)
    assert "€15,745.67" in html
    assert "€14,745.67" in html  # overdue
    assert "DSO" in html
    top = html[html.index("Top 10 overdue") :]
    assert top.index("ACME Industries SAS") < top.index("Boulonnerie Bolt SARL")


def test_overview_bad_as_of_is_reported(client: Client, world: World) -> None:
    login(client, world.admin)
    response = client.get(reverse("overview"), {"as_of": "31/13/2025"})
    assert response.status_code == 200
    assert "“31/13/2025” is not a date (YYYY-MM-DD); today is used." in response.content.decode()
    assert response.context["as_of"] == timezone.localdate()
    good = client.get(reverse("overview"), {"as_of": AS_OF})
    assert "is not a date" not in good.content.decode()
    assert good.context["as_of"].isoformat() == AS_OF


def test_customer_list_amounts_filters_and_sort(client: Client, world: World) -> None:
    login(client, world.admin)
    url = reverse("customers")
    html = client.get(url, {"as_of": AS_OF}).content.decode()
    assert "ACME Industries SAS" in html and "Boulonnerie Bolt SARL" in html
    assert "€13,345.67" in html  # ACME open
    assert "€12,345.67" in html  # ACME overdue at 31/03/2025
    html = client.get(url, {"q": "552 100 554"}).content.decode()
    assert "ACME Industries SAS" in html and "Boulonnerie" not in html
    html = client.get(url, {"q": "ap@acme"}).content.decode()
    assert "ACME Industries SAS" in html and "Boulonnerie" not in html
    html = client.get(url, {"segment": "retail"}).content.decode()
    assert "Boulonnerie Bolt SARL" in html and "ACME" not in html
    html = client.get(url, {"collector": world.alice.pk}).content.decode()
    assert "ACME Industries SAS" in html and "Boulonnerie" not in html
    html = client.get(url, {"sort": "-open"}).content.decode()
    assert html.index("ACME Industries SAS") < html.index("Boulonnerie Bolt SARL")
    html = client.get(url, {"sort": "open"}).content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-open' in html
    assert html.index("Boulonnerie Bolt SARL") < html.index("ACME Industries SAS")


def test_customer_list_htmx_returns_rows_only(client: Client, world: World) -> None:
    login(client, world.admin)
    response = client.get(reverse("customers"), {"q": "bolt"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Boulonnerie Bolt SARL" in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]
    restore = client.get(
        reverse("customers"),
        {"q": "bolt"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in restore.content.decode()


def test_customer_list_paginates(client: Client, world: World) -> None:
    for n in range(30):
        world.led.customer(f"Zz Customer {n:02d}")
    login(client, world.admin)
    html = client.get(reverse("customers")).content.decode()
    assert "Page 1 of 2" in html
    assert "Zz Customer 22" in html and "Zz Customer 23" not in html
    html = client.get(reverse("customers"), {"page": 2}).content.decode()
    assert "Zz Customer 23" in html


def test_customer_page(client: Client, world: World) -> None:
    login(client, world.admin)
    response = client.get(reverse("customer", args=[world.acme.pk]), {"as_of": AS_OF})
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "ACME Industries SAS",
        "552100554",
        "https://shop.acme.example",
        "Jeanne Martin",
        "accounts payable",
        "no SMS",
        "F-2025-001",
        "31–60 days",
        "VIR ACME 1",
        "AV-2025-001",
        "Revenue over 12 months",
        "€13,845.67",  # revenue: all three invoices are within 12 months
    ):
        assert text in html, text
    # F-2025-002 is paid: not among the open invoices
    assert "F-2025-002" not in html.split("Open invoices")[1].split("Recent payments")[0]


def test_invoice_list_buckets_and_detail(client: Client, world: World) -> None:
    login(client, world.admin)
    url = reverse("invoices")
    html = client.get(url, {"as_of": AS_OF, "bucket": "d31_60"}).content.decode()
    assert "F-2025-001" in html and "F-2025-010" not in html and "F-2025-003" not in html
    html = client.get(url, {"as_of": AS_OF, "bucket": "d90_plus"}).content.decode()
    assert "F-2025-010" in html and "F-2025-001" not in html
    html = client.get(url, {"status": "paid"}).content.decode()
    assert "F-2025-002" in html and "F-2025-001" not in html
    html = client.get(url, {"status": "all", "number": "010"}).content.decode()
    assert "F-2025-010" in html and "F-2025-002" not in html
    html = client.get(url, {"status": "all", "customer": str(world.bolt.pk)}).content.decode()
    assert "F-2025-010" in html and "F-2025-001" not in html
    detail = client.get(reverse("invoice", args=[world.inv_paid.pk]))
    assert detail.status_code == 200
    assert "VIR ACME 1" in detail.content.decode()


def test_payments_list_and_detail(client: Client, world: World) -> None:
    login(client, world.admin)
    html = client.get(reverse("payments"), {"unallocated": "1"}).content.decode()
    assert "VIR BOLT" in html and "VIR ACME 1" not in html
    assert "€300.00" in html
    payment = Payment.objects.get(reference="VIR ACME 1")
    html = client.get(reverse("payment", args=[payment.pk])).content.decode()
    assert "F-2025-002" in html


def test_collector_sees_only_own_customers(client: Client, world: World) -> None:
    login(client, world.alice)
    html = client.get(reverse("customers")).content.decode()
    assert "ACME Industries SAS" in html and "Boulonnerie" not in html
    assert client.get(reverse("customer", args=[world.bolt.pk])).status_code == 404
    assert client.get(reverse("customer", args=[world.acme.pk])).status_code == 200
    assert client.get(reverse("invoice", args=[world.inv_bolt.pk])).status_code == 404
    html = client.get(reverse("invoices"), {"status": "all"}).content.decode()
    assert "F-2025-001" in html and "F-2025-010" not in html
    html = client.get(reverse("payments")).content.decode()
    assert "VIR BOLT" not in html and "VIR ACME 1" in html
    bolt_payment = Payment.objects.get(reference="VIR BOLT")
    assert client.get(reverse("payment", args=[bolt_payment.pk])).status_code == 404
    html = client.get(reverse("overview"), {"as_of": AS_OF}).content.decode()
    assert "Boulonnerie" not in html and "€2,400.00" not in html


def test_other_creditor_is_invisible(client: Client, world: World) -> None:
    from relance.testing import Ledger

    other = Ledger.create("Autre SA")
    stranger = other.customer("Stranger SAS")
    login(client, world.admin)
    assert client.get(reverse("customer", args=[stranger.pk])).status_code == 404


def test_creditor_switch(client: Client, world: World) -> None:
    from relance.accounts.models import Membership, Role
    from relance.testing import Ledger

    other = Ledger.create("Deuxième Société SA")
    other.customer("Client De La Deuxième")
    Membership.objects.create(
        user=world.admin,  # type: ignore[misc]
        creditor=other.creditor,
        role=Role.READ_ONLY,
    )
    login(client, world.admin)
    html = client.get(reverse("customers")).content.decode()
    assert "creditor-switch" in html
    response = client.post(
        reverse("switch_creditor"), {"creditor": other.creditor.pk, "next": reverse("customers")}
    )
    assert response.status_code == 302
    html = client.get(reverse("customers")).content.decode()
    assert "Client De La Deuxième" in html and "ACME" not in html
    # a creditor the user does not belong to
    third = Ledger.create("Troisième SA")
    response = client.post(reverse("switch_creditor"), {"creditor": third.creditor.pk})
    assert response.status_code == 403


def test_read_only_has_no_import(client: Client, world: World) -> None:
    login(client, world.reader)
    html = client.get(reverse("overview")).content.decode()
    assert reverse("imports") not in html
    assert client.get(reverse("imports")).status_code == 403
    response = client.post(reverse("imports"), {"action": "preview", "kind": "customers"})
    assert response.status_code == 403
    login(client, world.alice)
    assert client.post(reverse("imports"), {"action": "apply", "token": "x"}).status_code == 403


def test_import_page_renders_for_admin(client: Client, world: World) -> None:
    login(client, world.admin)
    response = client.get(reverse("imports"))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_layout_accessibility_basics(client: Client, world: World) -> None:
    login(client, world.admin)
    html = client.get(reverse("customers")).content.decode()
    assert '<html lang="en">' in html
    assert 'class="skip-link" href="#main"' in html
    assert 'id="main"' in html
    assert '<label for="q">' in html
    assert " style=" not in html and "<style" not in html
    assert "<script>" not in html


def test_lists_do_not_query_per_row(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        customer = world.led.customer(f"Bulk {n:02d}", assigned_collector=world.alice)
        world.led.invoice(customer, f"B-{n:03d}", "100.00", issued="2025-01-01", due="2025-01-31")
        world.led.payment(customer, "10.00", on="2025-02-01")
    login(client, world.admin)
    client.get(reverse("overview"))  # warm the session
    # the overview's DSO sums sales month by month: 12 queries whatever the ledger size;
    # every page counts the replies waiting for the menu: one query
    for name, most in (("customers", 9), ("invoices", 9), ("payments", 9), ("overview", 26)):
        with django_assert_max_num_queries(most):
            response = client.get(reverse(name), {"as_of": AS_OF})
        assert response.status_code == 200
        assert "Bulk" in response.content.decode() or name == "overview"


def test_dates_are_day_month_year(client: Client, world: World) -> None:
    login(client, world.admin)
    html = client.get(reverse("invoice", args=[world.inv_late.pk])).content.decode()
    assert "10/01/2025" in html and "09/02/2025" in html
