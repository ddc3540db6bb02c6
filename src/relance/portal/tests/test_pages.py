"""The portal pages: what a link shows, what it never reaches, and the gate's protections
(other customer, other creditor, CSRF, CSP, rate limits, confirmation by code)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from relance.channels.models import CapturedMessage, Correspondence
from relance.negotiation.models import Promise
from relance.portal import codes
from relance.portal.links import issue_link, token_of
from relance.portal.models import EventKind, OneTimeCode, PortalEvent
from relance.portal.tests.conftest import Portal
from relance.web.tests.conftest import login

pytestmark = pytest.mark.django_db


def test_home_shows_the_customers_open_invoices_only(client: Client, portal: Portal) -> None:
    response = client.get(portal.url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "F-100" in html and "F-101" in html
    assert "F-200" not in html and "X-1" not in html  # another customer, another creditor
    assert "ACME SAS" in html
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert PortalEvent.objects.get().kind == EventKind.OPENED
    client.get(portal.url())  # opened once per browser session
    assert PortalEvent.objects.count() == 1


def test_language_is_the_customers_then_the_switch(client: Client, portal: Portal) -> None:
    html = client.get(portal.url()).content.decode()
    assert '<html lang="en">' in html and "Open invoices" in html
    html = client.get(portal.url() + "?lang=fr").content.decode()
    assert '<html lang="fr">' in html and "Factures ouvertes" in html
    assert "Aller au contenu principal" in html
    assert '<html lang="fr">' in client.get(portal.url()).content.decode()  # kept
    french = issue_link(portal.other)  # a customer in French by default
    assert '<html lang="fr">' in Client().get(f"/p/{token_of(french)}/").content.decode()


def test_another_customers_invoice_id_in_the_url_is_not_found(
    client: Client, portal: Portal
) -> None:
    for invoice in (portal.other_invoice, portal.foreign_invoice):
        assert client.get(portal.url(f"invoices/{invoice.pk}.pdf")).status_code == 404
        response = client.get(portal.url("pay/"), {"invoice": invoice.pk})
        assert (
            response.status_code == 200
            and "not an open invoice of yours" in response.content.decode()
        )
        assert invoice.number not in response.content.decode()
        assert client.get(portal.url("pay/qr.svg"), {"invoice": invoice.pk}).status_code == 404


def test_another_creditors_link_reaches_its_own_customer_only(
    client: Client, portal: Portal
) -> None:
    stranger = portal.foreign_invoice.customer
    foreign_link = issue_link(stranger)
    html = client.get(f"/p/{token_of(foreign_link)}/").content.decode()
    assert "X-1" in html and "F-100" not in html and "ACME" not in html
    url = f"/p/{token_of(foreign_link)}/invoices/{portal.late.pk}.pdf"
    assert client.get(url).status_code == 404


def test_pay_by_transfer_shows_iban_rf_reference_and_qr(client: Client, portal: Portal) -> None:
    html = client.get(portal.url("pay/"), {"invoice": portal.late.pk}).content.decode()
    assert "FR7630006000011234567890189" in html
    assert re.search(r"RF\d\d [0-9A-Z ]+", html)
    qr = client.get(portal.url("pay/qr.svg"), {"invoice": portal.late.pk})
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content


def test_statement_pdf(client: Client, portal: Portal) -> None:
    response = client.get(portal.url("statement.pdf"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert PortalEvent.objects.filter(kind=EventKind.DOCUMENT).exists()


def test_forms_need_the_csrf_token(portal: Portal) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(portal.url("paid/"), {"invoice": portal.late.pk, "amount": "10"})
    assert response.status_code == 403
    assert not PortalEvent.objects.filter(kind=EventKind.PAYMENT_ANNOUNCED).exists()


def test_rate_limit_per_link(
    client: Client, portal: Portal, low_limits: dict[str, tuple[int, int]]
) -> None:
    low_limits["link"] = (3, 600)
    codes_seen = [client.get(portal.url()).status_code for _ in range(5)]
    assert codes_seen == [200, 200, 200, 429, 429]


def test_rate_limit_on_refused_links_per_address(
    client: Client, portal: Portal, low_limits: dict[str, tuple[int, int]]
) -> None:
    low_limits["refused"] = (2, 600)
    seen = [client.get(f"/p/1-{'a' * 32}/").status_code for _ in range(4)]
    assert seen == [404, 404, 429, 429]


def test_rate_limit_per_address(
    client: Client, portal: Portal, low_limits: dict[str, tuple[int, int]]
) -> None:
    low_limits["ip"] = (2, 600)
    other = issue_link(portal.other)
    seen = [
        client.get(portal.url()).status_code,
        client.get(f"/p/{token_of(other)}/").status_code,
        client.get(portal.url()).status_code,
    ]
    assert seen == [200, 200, 429]


def test_sensitive_actions_ask_for_a_code_first(client: Client, portal: Portal) -> None:
    for page in ("promise", "dispute", "plan", "contacts"):
        response = client.get(portal.url(f"{page}/"))
        assert response.status_code == 302
        assert response["Location"] == portal.url(f"confirm/?next={page}")
    response = client.post(
        portal.url("promise/"),
        {"invoice": portal.late.pk, "amount": "1200", "date": str(portal.today)},
    )
    assert response.status_code == 302
    assert not Promise.objects.exists()


def _code_from_capture() -> str:
    body = (
        CapturedMessage.objects.filter(idempotency_key__startswith="portal-code:").latest("id").body
    )
    found = re.search(r"\b(\d{6})\b", body)
    assert found, body
    return found.group(1)


def test_code_by_email_then_the_promise(client: Client, portal: Portal) -> None:
    contact = portal.acme.contacts.get()
    page = client.get(portal.url("confirm/?next=promise")).content.decode()
    assert "j…n@acme.example" in page and "jeanne.martin" not in page
    response = client.post(
        portal.url("confirm/"), {"step": "send", "contact": contact.pk, "next": "promise"}
    )
    assert response.status_code == 200 and "A code was sent" in response.content.decode()
    code = _code_from_capture()
    # the archived copy has the code masked
    archived = Correspondence.objects.get(idempotency_key__startswith="portal-code:")
    assert code not in archived.body and codes.MASK in archived.body
    assert archived.content_intact()
    assert code not in OneTimeCode.objects.get().code_hash
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(
        portal.url("confirm/"), {"step": "check", "code": wrong, "next": "promise"}
    )
    assert response.status_code == 400
    response = client.post(
        portal.url("confirm/"), {"step": "check", "code": code, "next": "promise"}
    )
    assert response.status_code == 302 and response["Location"] == portal.url("promise/")
    assert client.get(portal.url("promise/")).status_code == 200
    response = client.post(
        portal.url("promise/"),
        {
            "invoice": portal.late.pk,
            "amount": "1200,00",
            "date": str(portal.today + timedelta(days=10)),
        },
    )
    assert response.status_code == 200, response.content.decode()
    promise = Promise.objects.get()
    assert (promise.channel, promise.amount_minor) == ("portal", 120000)
    assert list(promise.invoices.all()) == [portal.late]
    assert promise.pauses.count() == 1
    kinds = list(PortalEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["code_sent", "code_failed", "code_verified", "promise"]
    # the code is used up
    with pytest.raises(codes.CodeError):
        codes.check_code(portal.link, code)


def test_codes_expire_and_have_limited_tries(portal: Portal) -> None:
    contact = portal.acme.contacts.get()
    row = codes.send_code(portal.link, contact.pk, "fr")
    right = _code_from_capture()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(codes.MAX_ATTEMPTS - 1):
        assert codes.check_code(portal.link, wrong) is False
    with pytest.raises(codes.CodeError, match="Too many"):
        codes.check_code(portal.link, wrong)
    with pytest.raises(codes.CodeError, match="No code is waiting"):
        codes.check_code(portal.link, right)  # too late: the code was voided
    row.refresh_from_db()
    assert row.void_at is not None
    codes.send_code(portal.link, contact.pk, "fr")
    later = OneTimeCode.objects.latest("id").expires_at + timedelta(seconds=1)
    with pytest.raises(codes.CodeError, match="expired"):
        codes.check_code(portal.link, "123456", later)
    with pytest.raises(codes.CodeError, match="Choose one"):
        codes.send_code(portal.link, 999999, "fr")  # not a contact of this customer


def test_a_new_code_voids_the_previous_one(portal: Portal) -> None:
    contact = portal.acme.contacts.get()
    codes.send_code(portal.link, contact.pk, "en")
    first = _code_from_capture()
    codes.send_code(portal.link, contact.pk, "en")
    second = _code_from_capture()
    if first != second:
        assert codes.check_code(portal.link, first) is False
    assert codes.check_code(portal.link, second) is True


def test_announced_payment_is_shown_to_the_collector(client: Client, portal: Portal) -> None:
    response = client.post(
        portal.url("paid/"),
        {
            "invoice": portal.late.pk,
            "amount": "1200",
            "paid_on": str(portal.today),
            "method": "transfer",
            "reference": "VIR 42",
        },
    )
    assert response.status_code == 200
    event = PortalEvent.objects.get(kind=EventKind.PAYMENT_ANNOUNCED)
    assert event.detail["amount_minor"] == 120000 and event.detail["invoices"] == ["F-100"]
    admin = portal.led.user("admin")
    staff = Client()
    login(staff, admin)
    html = staff.get(f"/customers/{portal.acme.pk}/").content.decode()
    assert "Payments announced by the customer" in html and "VIR 42" in html


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"paid_on": "2099-01-01"}, "date"),
        ({"paid_on": "hier"}, "date"),
        ({"method": "barter"}, "method"),
        ({"invoice": "x"}, "invoices"),
    ],
)
def test_bad_payment_announcements(
    client: Client, portal: Portal, form: dict[str, str], field: str
) -> None:
    data = {
        "invoice": str(portal.late.pk),
        "amount": "10",
        "paid_on": str(portal.today),
        "method": "transfer",
    }
    data.update(form)
    response = client.post(portal.url("paid/"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert not PortalEvent.objects.filter(kind=EventKind.PAYMENT_ANNOUNCED).exists()
    if field != "method":  # the input at fault is marked for assistive technologies
        assert 'aria-invalid="true"' in html
