"""Promise limits, dispute requests (a negotiation dispute opened at once), attachments
checked by content, contact proposals and the review of requests by staff (payment-plan
requests: test_plan_requests.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client

from relance.accounts.models import Role
from relance.core.errors import BadInput
from relance.dunning.models import Pause
from relance.negotiation.models import Dispute, PaymentPlan, Promise
from relance.portal import requests, services, uploads
from relance.portal.models import (
    ContactProposal,
    PortalAttachment,
    PortalEvent,
    PortalRequest,
    ProposalStatus,
)
from relance.portal.tests.conftest import Portal
from relance.web.tests.conftest import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.mark.parametrize(
    ("days", "amount", "message"),
    [
        (-1, 120000, "past"),
        (31, 120000, "at most 30 days"),
        (10, 59999, "at least"),
        (10, 120001, "more than the open balance"),
    ],
)
def test_promise_limits(portal: Portal, days: int, amount: int, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        services.promise(
            portal.link, [portal.late], amount, portal.today + timedelta(days=days), portal.today
        )
    assert not Promise.objects.exists() and not Pause.objects.exists()
    assert not PortalEvent.objects.exists()


def test_one_pending_promise_at_a_time(portal: Portal) -> None:
    day = portal.today + timedelta(days=5)
    services.promise(portal.link, [portal.late], 60000, day, portal.today)
    with pytest.raises(BadInput, match="already pending"):
        services.promise(portal.link, [portal.late, portal.soon], 150000, day, portal.today)
    assert Promise.objects.count() == 1


def test_promise_form_refuses_another_customers_invoice(verified: Client, portal: Portal) -> None:
    response = verified.post(
        portal.url("promise/"),
        {
            "invoice": [portal.late.pk, portal.other_invoice.pk],
            "amount": "1299",
            "date": str(portal.today + timedelta(days=3)),
        },
    )
    assert response.status_code == 400
    assert "not an open invoice of yours" in response.content.decode()
    assert not Promise.objects.exists()


def test_dispute_request_is_stored_and_opens_a_dispute_with_its_attachment(
    verified: Client, portal: Portal, tmp_path: Path
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = verified.post(
        portal.url("dispute/"),
        {
            "invoice": portal.late.pk,
            "reason": "quantity",
            "message": "Only 8 of the 10 pallets were delivered.",
            "attachment": SimpleUploadedFile("bon-livraison.pdf", PDF, "application/pdf"),
        },
    )
    assert response.status_code == 200, response.content.decode()
    request = PortalRequest.objects.get()
    assert request.kind == "dispute" and request.status == "new"
    assert request.payload["reason"] == "quantity"
    assert request.payload["invoices"][0]["number"] == "F-100"
    attachment = PortalAttachment.objects.get()
    stored = uploads.path_of(attachment.stored_name)
    assert stored.read_bytes() == PDF and oct(stored.stat().st_mode)[-3:] == "600"
    assert stored.parent == tmp_path / "uploads"
    assert attachment.stored_name != "bon-livraison.pdf"
    # the dispute is opened at once: its pause holds the invoice back from dunning
    dispute = Dispute.objects.get()
    assert (dispute.source, dispute.reason, request.payload["dispute"]) == (
        "portal",
        "quantity",
        dispute.pk,
    )
    pause = Pause.objects.get()
    assert (pause.invoice_id, pause.amount_minor) == (portal.late.pk, None)
    # staff download it through the access-checked view; a collector of others cannot
    admin, bob = portal.led.user("admin"), portal.led.user("bob", Role.COLLECTOR)
    staff = Client()
    login(staff, admin)
    got = staff.get(f"/portal/review/attachments/{attachment.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF  # type: ignore[attr-defined]
    login(staff, bob)
    assert staff.get(f"/portal/review/attachments/{attachment.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("facture.pdf", b"<html><script>alert(1)</script></html>", "not a PDF, PNG or JPEG"),
        ("photo.pdf", PNG, "does not match its extension"),
        ("tool.exe", PDF, "does not match its extension"),
        ("cut.pdf", b"%PDF-1.4\n1 0 obj", "not a complete PDF"),
        ("big.png", PNG + b"\x00" * uploads.MAX_BYTES, "larger than"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_bad_attachments_are_refused_and_nothing_is_kept(
    portal: Portal, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        requests.record_dispute_request(
            portal.link,
            invoices=[portal.late],
            reason="price",
            message="The price is not the one quoted.",
            files=[("ok.png", PNG), (name, content)],
        )
    assert not PortalRequest.objects.exists()
    folder = uploads.upload_dir()
    assert not folder.exists() or not any(folder.iterdir())


def test_too_many_attachments_and_bad_dispute_fields(portal: Portal) -> None:
    base = {"invoices": [portal.late], "reason": "price", "message": "Not the quoted price."}
    with pytest.raises(BadInput, match="3 files at most"):
        requests.record_dispute_request(portal.link, **base, files=[("a.png", PNG)] * 4)  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="reason"):
        requests.record_dispute_request(portal.link, **{**base, "reason": "mood"})  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="message"):
        requests.record_dispute_request(portal.link, **{**base, "message": "no"})  # type: ignore[arg-type]
    assert not PortalRequest.objects.exists()


def test_contact_proposal_then_review(verified: Client, portal: Portal) -> None:
    contact = portal.acme.contacts.get()
    response = verified.post(
        portal.url("contacts/"),
        {"contact": contact.pk, "email": "compta@acme.example", "phone": "04 72 00 00 00"},
    )
    assert response.status_code == 200, response.content.decode()
    proposal = ContactProposal.objects.get()
    assert proposal.phone == "+33472000000"
    contact.refresh_from_db()
    assert contact.email == "jeanne.martin@acme.example"  # nothing changes before review
    reader = portal.led.user("reader", Role.READ_ONLY)
    alice = portal.led.user("alice", Role.COLLECTOR)  # not assigned to ACME
    admin = portal.led.user("admin")
    staff = Client()
    login(staff, reader)
    assert (
        staff.post(f"/portal/review/proposals/{proposal.pk}/", {"decision": "accept"}).status_code
        == 403
    )
    login(staff, alice)
    assert "ACME" not in staff.get("/portal/review/").content.decode()
    assert (
        staff.post(f"/portal/review/proposals/{proposal.pk}/", {"decision": "accept"}).status_code
        == 404
    )
    login(staff, admin)
    assert "compta@acme.example" in staff.get("/portal/review/").content.decode()
    assert (
        staff.post(f"/portal/review/proposals/{proposal.pk}/", {"decision": "accept"}).status_code
        == 302
    )
    contact.refresh_from_db()
    assert (contact.email, contact.phone, contact.first_name) == (
        "compta@acme.example",
        "+33472000000",
        "Jeanne",
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.reviewed_by == admin
    with pytest.raises(BadInput, match="already reviewed"):
        services.review_proposal(proposal, False, admin)


def test_new_contact_proposal_rejected(portal: Portal) -> None:
    proposal = services.propose_contact(portal.link, None, {"last_name": "Nouveau"})
    services.review_proposal(proposal, False, None)
    assert portal.acme.contacts.count() == 1
    accepted = services.propose_contact(portal.link, None, {"email": "ap@acme.example"})
    services.review_proposal(accepted, True, None)
    assert portal.acme.contacts.filter(email="ap@acme.example").exists()


@pytest.mark.parametrize(
    ("fields", "contact_id", "message"),
    [
        ({"email": "not-an-email"}, None, "email"),
        ({"phone": "12"}, None, "phone"),
        ({}, None, "at least a name"),
        ({"last_name": "x" * 101}, None, "last_name"),
        ({"last_name": "X"}, -1, "not one of your contacts"),
    ],
)
def test_bad_contact_proposals(
    portal: Portal, fields: dict[str, str], contact_id: int | None, message: str
) -> None:
    other_contact = portal.led.contact(portal.other, "x@autre.example")
    with pytest.raises(BadInput, match=message):
        services.propose_contact(
            portal.link, other_contact.pk if contact_id == -1 else contact_id, fields
        )
    assert not ContactProposal.objects.exists()


def test_requests_are_handled_on_the_review_page(portal: Portal) -> None:
    # beyond the portal margin (6 instalments): the plan awaits approval, the request a person
    request = requests.record_plan_request(
        portal.link,
        invoices=[portal.late],
        instalments=6,
        first_date=portal.today,
        today=portal.today,
    )
    plan = PaymentPlan.objects.get()
    staff = Client()
    login(staff, portal.led.user("admin"))
    html = staff.get(f"/customers/{portal.acme.pk}/").content.decode()
    assert "1 request from the portal to handle" in html
    review = staff.get("/portal/review/").content.decode()
    assert f'href="/plans/{plan.pk}/"' in review
    assert f"payment plan #{plan.pk}, awaiting approval" in review
    assert staff.post(f"/portal/review/requests/{request.pk}/").status_code == 302
    request.refresh_from_db()
    assert request.status == "handled" and request.handled_at is not None


def test_staff_revoke_the_links_of_a_customer(portal: Portal) -> None:
    from relance.portal.links import LinkRefused, resolve, token_of

    token = token_of(portal.link)
    staff = Client()
    login(staff, portal.led.user("reader", Role.READ_ONLY))
    assert staff.post(f"/customers/{portal.acme.pk}/portal/revoke/").status_code == 403
    login(staff, portal.led.user("carl", Role.COLLECTOR))  # not assigned to ACME
    assert staff.post(f"/customers/{portal.acme.pk}/portal/revoke/").status_code == 404
    assert resolve(token) == portal.link
    admin = portal.led.user("admin")
    login(staff, admin)
    html = staff.get(f"/customers/{portal.acme.pk}/").content.decode()
    assert "1 valid personal link" in html
    assert staff.post(f"/customers/{portal.acme.pk}/portal/revoke/").status_code == 302
    with pytest.raises(LinkRefused, match="revoked"):
        resolve(token)
    portal.link.refresh_from_db()
    assert portal.link.revoked_by == admin
