"""Worklist lines and timeline events made from other apps' objects: replies to handle,
legal-case deadlines, portal actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from relance.accounts.access import membership_for
from relance.accounts.models import Role
from relance.legal.notice import record_notice
from relance.legal.services import open_case
from relance.negotiation import timeline, worklist
from relance.portal.models import EventKind, PortalEvent
from relance.replies.services import handle, ingest
from relance.replies.tests.helpers import email
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DUE = date(2025, 3, 31)
AS_OF = date(2025, 4, 20)


def test_a_reply_to_handle_is_on_the_worklist_until_handled(ledger: Ledger) -> None:
    customer = ledger.customer("ACME")
    ledger.contact(customer, "compta@acme.example", last_name="Martin", is_primary_billing=True)
    ledger.invoice(customer, "F-2025-0001", "1234.56", issued="2025-03-01", due=DUE)
    reply = ingest(
        email(), source="imap", received_at=datetime(2025, 4, 18, 9, 0, tzinfo=UTC)
    ).reply
    manager = membership_for(ledger.user("sophie", Role.CREDIT_MANAGER), ledger.creditor.pk)
    assert manager is not None
    (line,) = worklist.build(manager, AS_OF, kinds=["reply"])
    assert (line.customer_id, line.amount_minor, line.due) == (
        customer.pk,
        123456,
        date(2025, 4, 18),
    )
    assert line.reason.startswith("reply from ") and "promise" in line.reason
    assert line.url == f"/replies/{reply.pk}/"
    # on the customer's timeline too
    kinds = [e.kind for e in timeline.events(customer, kinds=["reply"])]
    assert kinds == ["reply"]
    handle(reply, "other", ledger.user("julien", Role.ADMIN), on=AS_OF)
    assert worklist.build(manager, AS_OF, kinds=["reply"]) == []


def test_the_next_legal_deadline_is_on_the_worklist(ledger: Ledger) -> None:
    customer = ledger.customer("Durand", postal_code="69002", city="Lyon")
    ledger.invoice(customer, "F-1", "5000.00", issued="2025-01-01", due="2025-01-31")
    case = open_case(customer, "payment_order", date(2025, 4, 1))
    record_notice(case, date(2025, 4, 1), 15, "M. Durand")
    manager = membership_for(ledger.user("sophie", Role.CREDIT_MANAGER), ledger.creditor.pk)
    assert manager is not None
    (line,) = worklist.build(manager, AS_OF, kinds=["legal_deadline"])
    assert (line.customer_id, line.amount_minor, line.ref) == (
        customer.pk,
        500000,
        f"legal_case:{case.pk}",
    )
    assert line.due <= AS_OF + timedelta(days=180)
    assert line.reason.startswith("legal case: ")
    # a collector without this customer does not see it
    other = membership_for(ledger.user("claire", Role.COLLECTOR), ledger.creditor.pk)
    assert other is not None
    assert worklist.build(other, AS_OF, kinds=["legal_deadline"]) == []


def test_portal_actions_are_on_the_timeline_but_not_page_views(ledger: Ledger) -> None:
    customer = ledger.customer("Martin")
    for kind in (EventKind.OPENED, EventKind.PROMISE, EventKind.DISPUTE_REQUEST):
        PortalEvent.objects.create(creditor=ledger.creditor, customer=customer, kind=kind)
    shown = [e.title for e in timeline.events(customer, kinds=["portal"])]
    assert sorted(shown) == [
        "Portal: the customer disputed invoices",
        "Portal: the customer promised to pay",
    ]
