"""Each creditor's own payment-provider account: checkouts opened with the link's creditor's
account, webhooks verified with that account's secret at its own address (an event signed
for one creditor never books a payment of another), the install-wide settings as fallback;
setting, replacing and deactivating an account (service, staff page, API), masked."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.test import Client

from relance.accounts.models import Role
from relance.api.tests.conftest import Api, api_for
from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.ledger.models import Invoice, Payment
from relance.portal.links import issue_link, token_of
from relance.portal.models import Checkout, PaymentAccount, PortalLink
from relance.portal.payments import accounts
from relance.portal.payments.registry import provider_for
from relance.portal.payments.stripe import signature_header
from relance.portal.tests.conftest import Portal
from relance.portal.tests.stripe_server import SECRET_KEY, WHSEC, FakeStripe, completed
from relance.testing import Ledger
from relance.web.tests.conftest import login

pytestmark = pytest.mark.django_db

KEY_A, HOOK_A = "sk_test_creditor_a_0001", "whsec_creditor_a_0001"
KEY_B, HOOK_B = "sk_test_creditor_b_0002", "whsec_creditor_b_0002"


@dataclass
class Two:
    """Creditor A (the portal fixture's) and creditor B, each a link and a late invoice."""

    a: Creditor
    b: Creditor
    link_a: PortalLink
    link_b: PortalLink
    invoice_a: Invoice
    invoice_b: Invoice
    soon_a: Invoice


@pytest.fixture
def two(portal: Portal) -> Two:
    b = Creditor.objects.get(pk=portal.foreign_invoice.creditor_id)
    return Two(
        portal.led.creditor,
        b,
        portal.link,
        issue_link(portal.foreign_invoice.customer),
        portal.late,
        portal.foreign_invoice,
        portal.soon,
    )


def _pay(client: Client, link: PortalLink, invoice: Invoice) -> Any:
    return client.post(f"/p/{token_of(link)}/pay/online/", {"invoice": [invoice.pk]})


def _event(client: Client, path: str, body: bytes, secret: str) -> Any:
    return client.post(
        path,
        body,
        content_type="application/json",
        headers={"Stripe-Signature": signature_header(secret, body, int(time.time()))},
    )


def _hook(account: PaymentAccount) -> str:
    return accounts.webhook_path(account)


def test_two_creditors_each_pay_into_their_own_account(
    client: Client, two: Two, stripe: FakeStripe
) -> None:
    acc_a = accounts.set_account(two.a, "stripe", KEY_A, HOOK_A)
    acc_b = accounts.set_account(two.b, "stripe", KEY_B, HOOK_B)
    assert _hook(acc_a) != _hook(acc_b)
    assert _hook(acc_a).startswith("/portal/webhooks/stripe/")

    assert _pay(client, two.link_a, two.invoice_a).status_code == 302
    assert _pay(client, two.link_b, two.invoice_b).status_code == 302
    (headers_a, _form_a), (headers_b, form_b) = stripe.requests
    assert headers_a["authorization"] == f"Bearer {KEY_A}"
    assert headers_b["authorization"] == f"Bearer {KEY_B}"
    assert form_b["line_items[0][price_data][unit_amount]"] == ["5000"]
    checkout_a = Checkout.objects.get(creditor=two.a)
    checkout_b = Checkout.objects.get(creditor=two.b)
    assert (checkout_a.account, checkout_b.account) == (acc_a, acc_b)

    # each account's webhook address verifies with its own secret and books its own payment
    body_a = completed(checkout_a.provider_ref, 120000)
    body_b = completed(checkout_b.provider_ref, 5000)
    assert _event(client, _hook(acc_a), body_a, HOOK_A).status_code == 200
    assert _event(client, _hook(acc_b), body_b, HOOK_B).status_code == 200
    paid = {p.creditor_id: p.amount_minor for p in Payment.objects.all()}
    assert paid == {two.a.pk: 120000, two.b.pk: 5000}
    two.invoice_b.refresh_from_db()
    assert two.invoice_b.open_minor == 0


def test_an_event_for_one_creditor_never_books_a_payment_of_another(
    client: Client, two: Two, stripe: FakeStripe
) -> None:
    acc_a = accounts.set_account(two.a, "stripe", KEY_A, HOOK_A)
    acc_b = accounts.set_account(two.b, "stripe", KEY_B, HOOK_B)
    _pay(client, two.link_b, two.invoice_b)
    session_b = Checkout.objects.get(creditor=two.b).provider_ref
    body = completed(session_b, 5000)
    # signed with A's secret, posted to B's address: not authentic there
    assert _event(client, _hook(acc_b), body, HOOK_A).status_code == 400
    # signed with A's secret at A's address, about B's checkout: acknowledged, not booked
    assert _event(client, _hook(acc_a), body, HOOK_A).status_code == 200
    # the install-wide address and secret cannot settle a creditor account's checkout
    assert _event(client, "/portal/webhooks/stripe/", body, WHSEC).status_code == 200
    assert not Payment.objects.exists()
    assert Checkout.objects.get(creditor=two.b).status == "open"
    # a made-up address, another provider's, an account's key under another provider
    assert _event(client, "/portal/webhooks/stripe/nope/", body, HOOK_B).status_code == 404
    wrong = f"/portal/webhooks/local/{acc_b.webhook_key}/"
    assert _event(client, wrong, body, HOOK_B).status_code == 404
    # the right account, the right secret: booked
    assert _event(client, _hook(acc_b), body, HOOK_B).status_code == 200
    assert Payment.objects.get().creditor_id == two.b.pk


def test_a_creditor_without_account_uses_the_install_settings(
    client: Client, two: Two, stripe: FakeStripe
) -> None:
    acc_b = accounts.set_account(two.b, "stripe", KEY_B, HOOK_B)
    _pay(client, two.link_a, two.invoice_a)
    headers, _form = stripe.requests[0]
    assert headers["authorization"] == f"Bearer {SECRET_KEY}"
    checkout = Checkout.objects.get()
    assert checkout.account is None
    body = completed(checkout.provider_ref, 120000)
    # another creditor's account cannot settle it, the install's address can
    assert _event(client, _hook(acc_b), body, HOOK_B).status_code == 200
    assert not Payment.objects.exists()
    assert _event(client, "/portal/webhooks/stripe/", body, WHSEC).status_code == 200
    assert Payment.objects.get().creditor_id == two.a.pk


def test_no_install_provider_and_no_account_offers_transfer_only(
    client: Client, two: Two, settings: Any
) -> None:
    settings.RELANCE_STRIPE_API_URL = "http://127.0.0.1:9/"
    assert provider_for(two.a.pk) is None
    assert "pay/online/" not in client.get(f"/p/{token_of(two.link_a)}/pay/").content.decode()
    accounts.set_account(two.a, "stripe", KEY_A, HOOK_A)
    found = provider_for(two.a.pk)
    assert found is not None and found.account is not None and found.provider.name == "stripe"
    assert "pay/online/" in client.get(f"/p/{token_of(two.link_a)}/pay/").content.decode()
    assert provider_for(two.b.pk) is None


def test_deactivated_account_falls_back_and_still_books_its_checkouts(
    client: Client, two: Two, stripe: FakeStripe
) -> None:
    acc_a = accounts.set_account(two.a, "stripe", KEY_A, HOOK_A)
    _pay(client, two.link_a, two.invoice_a)
    before = Checkout.objects.get()
    accounts.deactivate_account(two.a)
    _pay(client, two.link_a, two.soon_a)
    after = Checkout.objects.exclude(pk=before.pk).get()
    assert after.account is None
    assert stripe.requests[1][0]["authorization"] == f"Bearer {SECRET_KEY}"
    # the payment started before the deactivation is still booked at the account's address
    body = completed(before.provider_ref, 120000)
    assert _event(client, _hook(acc_a), body, HOOK_A).status_code == 200
    assert Payment.objects.get().amount_minor == 120000


def test_replacing_keeps_the_address_and_blank_credentials(two: Two, stripe: FakeStripe) -> None:
    first = accounts.set_account(two.a, "stripe", KEY_A, HOOK_A)
    changed_at = first.credentials_changed_at
    assert changed_at is not None
    again = accounts.set_account(two.a, "stripe", "", "", active=True)
    assert (again.pk, again.webhook_key) == (first.pk, first.webhook_key)
    assert (again.secret_key, again.webhook_secret) == (KEY_A, HOOK_A)
    assert again.credentials_changed_at == changed_at  # nothing changed
    rolled = accounts.set_account(two.a, "stripe", "", "whsec_rolled_0003")
    assert rolled.webhook_secret == "whsec_rolled_0003" and rolled.secret_key == KEY_A
    assert rolled.credentials_changed_at is not None and rolled.credentials_changed_at > changed_at
    assert PaymentAccount.objects.count() == 1


@pytest.mark.parametrize(
    ("provider", "key", "hook", "active", "message"),
    [
        ("", KEY_A, HOOK_A, True, "provider: required"),
        ("paypal", KEY_A, HOOK_A, True, "provider: unknown provider “paypal” \\(known: stripe\\)"),
        ("local", KEY_A, HOOK_A, True, "provider: unknown provider"),
        ("stripe", "", HOOK_A, True, "secret_key: required"),
        ("stripe", "pk_test_123456789", HOOK_A, True, "secret_key: this is a publishable key"),
        ("stripe", "abc_123456789", HOOK_A, True, "secret_key: a Stripe key starting with sk_"),
        ("stripe", "sk_test 123", HOOK_A, True, "secret_key: no spaces"),
        ("stripe", "sk_" + "x" * 300, HOOK_A, True, "secret_key: at most 255"),
        ("stripe", KEY_A, "", True, "webhook_secret: required to activate"),
        (
            "stripe",
            KEY_A,
            "sk_test_oops",
            True,
            "webhook_secret: a Stripe key starting with whsec_",
        ),
    ],
)
def test_bad_accounts_are_refused_naming_the_field(
    two: Two, provider: str, key: str, hook: str, active: bool, message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        accounts.set_account(two.a, provider, key, hook, active=active)
    assert not PaymentAccount.objects.exists()


def test_changing_provider_or_deactivating_nothing_is_refused(two: Two) -> None:
    with pytest.raises(BadInput, match="account: this creditor has no payment account"):
        accounts.deactivate_account(two.a)
    stored = accounts.set_account(two.a, "stripe", KEY_A, HOOK_A)
    stored.provider = "former"  # an account of a provider since removed
    stored.save()
    with pytest.raises(BadInput, match="secret_key: required"):
        accounts.set_account(two.a, "stripe", "", "")
    stored.refresh_from_db()
    assert stored.provider == "former" and stored.secret_key == KEY_A


def test_inactive_account_without_webhook_secret_gets_its_address_first(
    client: Client, two: Two
) -> None:
    draft = accounts.set_account(two.a, "stripe", KEY_A, "", active=False)
    assert not draft.active and draft.webhook_secret == ""
    assert provider_for(two.a.pk) is None  # no install provider in these tests
    body = completed("cs_x", 100)
    assert _event(client, _hook(draft), body, HOOK_A).status_code == 404
    ready = accounts.set_account(two.a, "stripe", "", HOOK_A)
    assert ready.active and ready.webhook_key == draft.webhook_key


def test_mask_never_shows_a_whole_secret() -> None:
    assert accounts.mask("sk_live_51HabcdefghijklmnopQRSTuvwx4242") == "sk_live_…4242"
    assert accounts.mask("whsec_abcdefghijklmnop1234") == "whsec_…1234"
    assert accounts.mask("short_secret") == "…et"
    assert accounts.mask("") == ""


def test_credentials_stay_out_of_the_audit_log(two: Two) -> None:
    account = accounts.set_account(two.a, "stripe", KEY_A, HOOK_A)
    accounts.set_account(two.a, "stripe", KEY_B, HOOK_B)
    entries = LogEntry.objects.get_for_object(account)
    assert entries.count() == 2
    text = json.dumps([e.changes for e in entries])
    for secret in (KEY_A, HOOK_A, KEY_B, HOOK_B):
        assert secret not in text
    assert "credentials_changed_at" in text


# --------------------------------------------------------------------------- staff page


def test_the_settings_page_is_for_administrators_and_masks_secrets(
    client: Client, two: Two, settings: Any
) -> None:
    led = Ledger(two.a)
    for username, role in (
        ("manager", Role.CREDIT_MANAGER),
        ("alice", Role.COLLECTOR),
        ("reader", Role.READ_ONLY),
    ):
        other = login(Client(), led.user(username, role))
        assert other.get("/portal/settings/payment/").status_code == 403
        assert other.post("/portal/settings/payment/", {"provider": "stripe"}).status_code == 403
        assert "payment-account-link" not in other.get("/portal/review/").content.decode()
    assert not PaymentAccount.objects.exists()

    admin = login(client, led.user("admin", Role.ADMIN))
    assert "payment-account-link" in admin.get("/portal/review/").content.decode()
    page = admin.get("/portal/settings/payment/")
    assert page.status_code == 200 and "no online payment" in page.content.decode()
    refused = admin.post(
        "/portal/settings/payment/",
        {"provider": "stripe", "secret_key": "pk_test_123456789", "webhook_secret": HOOK_A},
    )
    assert refused.status_code == 422
    assert "secret_key: this is a publishable key" in refused.content.decode()
    saved = admin.post(
        "/portal/settings/payment/",
        {"provider": "stripe", "secret_key": KEY_A, "webhook_secret": HOOK_A, "active": "on"},
    )
    assert saved.status_code == 302
    html = admin.get("/portal/settings/payment/").content.decode()
    account = PaymentAccount.objects.get()
    assert account.creditor == two.a and account.active and account.updated_by is not None
    assert KEY_A not in html and HOOK_A not in html
    assert "sk_test_…0001" in html and "whsec_…0001" in html
    assert f"{settings.RELANCE_PORTAL_URL}{_hook(account)}" in html
    # a blank field keeps the stored secret
    admin.post("/portal/settings/payment/", {"provider": "stripe", "active": "on"})
    account.refresh_from_db()
    assert (account.secret_key, account.webhook_secret, account.active) == (KEY_A, HOOK_A, True)
    done = admin.post("/portal/settings/payment/", {"action": "deactivate"})
    assert done.status_code == 302
    account.refresh_from_db()
    assert not account.active
    # another creditor's administrator sees and changes only their own creditor's
    other_admin = login(Client(), Ledger(two.b).user("admin_b", Role.ADMIN))
    assert "sk_test_…0001" not in other_admin.get("/portal/settings/payment/").content.decode()


# --------------------------------------------------------------------------- API


def _put(api: Api, body: dict[str, Any]) -> Any:
    return api.client.put(
        "/api/portal/payment-account", body, content_type="application/json", headers=api.headers
    )


def test_the_api_sets_replaces_and_deactivates_masked(two: Two, settings: Any) -> None:
    led = Ledger(two.a)
    admin = api_for(led.user("admin", Role.ADMIN), led)
    manager = api_for(led.user("manager", Role.CREDIT_MANAGER), led)
    assert admin.get("/portal/payment-account").status_code == 404
    body = {"provider": "stripe", "secret_key": KEY_A, "webhook_secret": HOOK_A}
    assert _put(manager, body).status_code == 403
    response = _put(admin, body)
    assert response.status_code == 200, response.content
    out = response.json()
    account = PaymentAccount.objects.get()
    assert out["secret_key"] == "sk_test_…0001" and out["webhook_secret"] == "whsec_…0001"
    assert out["webhook_url"] == f"{settings.RELANCE_PORTAL_URL}{_hook(account)}"
    assert out["active"] is True and out["install_provider"] == ""
    assert KEY_A not in admin.get("/portal/payment-account").content.decode()
    assert manager.get("/portal/payment-account").status_code == 403

    bad = _put(admin, {"provider": "paypal", "secret_key": KEY_A})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "provider"
    missing = _put(admin, {"provider": "stripe", "secret_key": "whsec_wrong_place_01"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "secret_key"
    not_json_bool = _put(admin, {"provider": "stripe", "active": "yes"})
    assert not_json_bool.status_code == 422
    assert not_json_bool.json()["errors"][0]["field"] == "active"

    replaced = _put(admin, {"provider": "stripe", "webhook_secret": "whsec_rolled_0003"})
    assert replaced.status_code == 200 and replaced.json()["webhook_secret"] == "whsec_…0003"
    assert replaced.json()["secret_key"] == "sk_test_…0001"  # kept
    assert replaced.json()["webhook_url"] == out["webhook_url"]  # the same address

    off = admin.post("/portal/payment-account/deactivate")
    assert off.status_code == 200 and off.json()["active"] is False
    account.refresh_from_db()
    assert not account.active and account.secret_key == KEY_A
