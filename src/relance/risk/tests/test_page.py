"""The customer page shows the risk segment and why, the hold and the deposit."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.test import Client
from django.urls import reverse

from relance.testing import Ledger
from relance.web.tests.conftest import login


def test_customer_page_shows_segment_and_reasons(client: Client, ledger: Ledger) -> None:
    admin = ledger.user("admin")
    c = ledger.customer("Retard SARL", customer_since=date(2023, 1, 1))
    for month in range(1, 11):
        inv = ledger.invoice(c, issued=date(2025, month, 1), due=date(2025, month, 10))
        ledger.payment(c, "1000.00", on=date(2025, month + 1, 19), pays=[inv])
    ledger.invoice(c, "OPEN", issued="2025-09-01", due="2025-09-20")
    login(client, admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(reverse("customer", args=[c.pk]), {"as_of": "2025-12-31"}).content.decode()
    assert "Segment de risque" in html
    assert "retards chroniques" in html
    assert "11 factures sur 11 payées ou encore ouvertes en retard" in html
    assert "une facture a 102 jours de retard (plus de 60)" in html
    assert "Acompte sur la prochaine commande" in html


def test_admin_pages(client: Client, ledger: Ledger) -> None:
    from django.contrib.auth import get_user_model

    from relance.risk.services import recompute

    ledger.customer("ACME SAS")
    recompute(ledger.creditor, date(2025, 12, 31))
    root = get_user_model().objects.create_superuser("root", password="pw-relance-2025")
    client.force_login(root)
    for name in ("risksettings", "order", "creditoverride", "onboarding", "riskprofile"):
        answer = client.get(reverse(f"admin:risk_{name}_changelist"))
        assert answer.status_code == 200, name


def test_a_past_date_is_a_preview(client: Client, ledger: Ledger) -> None:
    from relance.risk.models import RiskProfile, RiskSettings, WebhookDelivery
    from relance.risk.services import risk_settings

    risk_settings(ledger.creditor.pk)
    RiskSettings.objects.update(webhook_url="http://127.0.0.1:9/hook", webhook_secret="s")
    c = ledger.customer("Vieux SARL")
    ledger.invoice(c, "OLD", issued="2024-01-01", due="2024-01-31")
    login(client, ledger.user("admin"))
    html = client.get(reverse("customer", args=[c.pk]), {"as_of": "2024-12-31"}).content.decode()
    assert "Segment de risque" in html or "Risk segment" in html
    assert not RiskProfile.objects.filter(customer=c).exists()
    assert not WebhookDelivery.objects.exists()
