"""Personal portal links: issued with each reminder, signed, expiring, revocable.

    link_for_message(customer, message_key) -> PortalLink   (one per message: stable)
    issue_link(customer) -> PortalLink                       (a new one, by hand)
    token_of(link) -> str                                    ("<id>-<32 base32 chars>")
    url_of(link) -> str                                      (RELANCE_PORTAL_URL + /p/<token>/)
    resolve(token, now) -> PortalLink                        (or LinkRefused with the reason)
    revoke_links(customer, user) -> int

A token is `<link id>-<signature>`: the signature is an HMAC-SHA256 keyed by SECRET_KEY over
the link's id and its random nonce (160 bits shown, base32). Nothing in the database alone
gives a token back: the table stores the nonce and the SHA-256 of the token, never the
token. Because the token is derived, the same message rendered again (a retried send) gets
the same link and the same token, and no new row.

A link reaches exactly one customer of one creditor; every portal query starts from
`link.customer` (see views.py). Changing SECRET_KEY invalidates every link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from relance.customers.models import Customer
from relance.portal.models import PortalLink

_SALT = "relance.portal.link"
_TOKEN = re.compile(r"^([1-9][0-9]{0,18})-([a-z2-7]{32})$")


class LinkRefused(Exception):
    """The token opens nothing: malformed, unknown, tampered, expired or revoked.

    `reason` is for the logs and the tests; the debtor sees one message for all of them."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def lifetime() -> timedelta:
    return timedelta(days=settings.RELANCE_PORTAL_LINK_DAYS)


def _signature(pk: int, nonce: str) -> str:
    digest = salted_hmac(_SALT, f"{pk}:{nonce}", algorithm="sha256").digest()
    return base64.b32encode(digest[:20]).decode("ascii").lower()


def token_of(link: PortalLink) -> str:
    return f"{link.pk}-{_signature(link.pk, link.nonce)}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _new(customer: Customer, message_key: str | None, now: datetime) -> PortalLink:
    link = PortalLink.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        message_key=message_key,
        nonce=secrets.token_hex(16),
        # a placeholder until the id is known (unique, never a valid SHA-256 hex digest)
        token_hash=f"pending:{secrets.token_hex(20)}",
        expires_at=now + lifetime(),
    )
    link.token_hash = _hash(token_of(link))
    link.save(update_fields=["token_hash"])
    return link


def issue_link(customer: Customer, now: datetime | None = None) -> PortalLink:
    """A new link for `customer` (not tied to a message)."""
    with transaction.atomic():
        return _new(customer, None, now or timezone.now())


def link_for_message(
    customer: Customer, message_key: str, now: datetime | None = None
) -> PortalLink:
    """The link of the message `message_key`, issued on its first rendering for sending."""
    found = PortalLink.objects.filter(message_key=message_key).first()
    if found is not None:
        if found.customer_id != customer.pk:  # never: keys are per action, hence per customer
            raise ValueError(f"message {message_key} already has a link of another customer")
        return found
    try:
        with transaction.atomic():
            return _new(customer, message_key, now or timezone.now())
    except IntegrityError:
        # issued meanwhile by another worker for the same message
        return PortalLink.objects.get(message_key=message_key, customer=customer)


def url_of(link: PortalLink) -> str:
    """The public address of the link (RELANCE_PORTAL_URL must be set)."""
    base = str(settings.RELANCE_PORTAL_URL)
    if not base:
        raise ValueError("RELANCE_PORTAL_URL is not set: portal links have no address")
    return base + reverse("portal:home", args=[token_of(link)])


def portal_enabled() -> bool:
    return bool(settings.RELANCE_PORTAL_URL)


#: Messages that carry a link: what the debtor reads (not calls, meetings, internal tasks,
#: nor the invoice sent on its issue date, which is no reminder).
LINKED_CHANNELS = frozenset({"email", "sms", "letter", "registered_letter"})


def url_for_action(action: Any) -> str:
    """The personal link of a dunning action's message ("" when it carries none), issued
    on its first rendering for sending and the same on every retry."""
    if not portal_enabled() or action.channel not in LINKED_CHANNELS or action.kind == "invoice":
        return ""
    return url_of(link_for_message(action.customer, str(action.idempotency_key)))


def resolve(token: str, now: datetime | None = None) -> PortalLink:
    """The link `token` opens, with its customer and creditor; LinkRefused otherwise."""
    now = now or timezone.now()
    match = _TOKEN.match(token or "")
    if match is None:
        raise LinkRefused("malformed token")
    pk = int(match.group(1))
    link = (
        PortalLink.objects.select_related("customer", "creditor", "customer__creditor")
        .filter(pk=pk)
        .first()
    )
    if link is None:
        raise LinkRefused("unknown link")
    expected = token_of(link)
    if not hmac.compare_digest(expected, token) or not hmac.compare_digest(
        link.token_hash, _hash(token)
    ):
        raise LinkRefused("bad signature")
    if link.customer.creditor_id != link.creditor_id:
        raise LinkRefused("customer of another creditor")
    if link.revoked_at is not None:
        raise LinkRefused("revoked")
    if link.expires_at <= now:
        raise LinkRefused("expired")
    PortalLink.objects.filter(pk=link.pk).update(last_used_at=now)
    return link


def revoke_links(customer: Customer, user: Any = None) -> int:
    """Revoke every live link of `customer`; returns how many."""
    now = timezone.now()
    by = user if getattr(user, "is_authenticated", False) else None
    live = list(PortalLink.objects.filter(customer=customer, revoked_at__isnull=True))
    for link in live:  # one save each: the audit log records who revoked what
        link.revoked_at, link.revoked_by = now, by
        link.save(update_fields=["revoked_at", "revoked_by"])
    return len(live)
