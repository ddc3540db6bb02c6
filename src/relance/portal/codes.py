"""One-time codes by email, asked before a sensitive action in the portal.

    code_contacts(customer) -> list[Contact]          (who may receive one)
    send_code(link, contact_id, lang) -> OneTimeCode  (CodeError when it cannot be sent)
    check_code(link, code, now) -> bool               (CodeError when none is waiting)

A personal link may be forwarded or read over a shoulder; promising, disputing, asking for
a plan or changing contacts also need a code sent to an email address of the customer
already in the register. Six digits, valid CODE_MINUTES, MAX_ATTEMPTS tries, one live code
per link (asking again voids the previous one); only an HMAC keyed by SECRET_KEY is stored.

The code goes straight through the email channel's backend (relance.channels.registry:
SMTP, or the capture backend in the demo and the tests), not through the dunning outbox:
the debtor is waiting for it, it is no collection contact (contact rules, caps and quiet
hours do not apply) and it must not enter the dunning history. A copy is archived in
`Correspondence` like every message sent, with the code masked: the archive never holds
a usable code.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from relance.channels.base import ChannelError, Outbound
from relance.channels.models import Correspondence, content_hash
from relance.channels.registry import backend_for
from relance.customers.models import Contact, Customer
from relance.portal.models import OneTimeCode, PortalLink

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
MASK = "••••••"


class CodeError(Exception):
    """No code can be sent or checked (the message says why, for the debtor)."""


def code_contacts(customer: Customer) -> list[Contact]:
    """The customer's contacts with an email address that is not known to bounce."""
    return list(
        customer.contacts.exclude(email="")
        .filter(email_undeliverable_since__isnull=True)
        .order_by("-is_primary_billing", "pk")
    )


def mask(email: str) -> str:
    """ "jeanne.martin@acme.fr" → "j…n@acme.fr": enough to recognise one's own address."""
    local, _sep, domain = email.partition("@")
    shown = local[0] + "…" + local[-1] if len(local) > 2 else local[:1] + "…"
    return f"{shown}@{domain}"


def _digest(link: PortalLink, code: str) -> str:
    return salted_hmac("relance.portal.code", f"{link.pk}:{code}", algorithm="sha256").hexdigest()


def _texts(link: PortalLink, code: str) -> tuple[str, str]:
    creditor = link.creditor.trade_name or link.creditor.legal_name
    subject = _("Your confirmation code – %(creditor)s") % {"creditor": creditor}
    body = _(
        "Hello,\n\n"
        "Your confirmation code for your personal page at %(creditor)s is: %(code)s\n\n"
        "It is valid for %(minutes)s minutes. If you did not ask for it, you can ignore "
        "this message: nothing is done without the code.\n\n"
        "%(creditor)s\n"
    ) % {"creditor": creditor, "code": code, "minutes": CODE_MINUTES}
    return subject, body


def send_code(
    link: PortalLink, contact_id: int, lang: str, now: datetime | None = None
) -> OneTimeCode:
    now = now or timezone.now()
    contact = next((c for c in code_contacts(link.customer) if c.pk == contact_id), None)
    if contact is None:
        raise CodeError(_("Choose one of the email addresses shown."))
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        OneTimeCode.objects.filter(
            link=link, verified_at__isnull=True, void_at__isnull=True
        ).update(void_at=now)
        row = OneTimeCode.objects.create(
            link=link,
            contact=contact,
            email=contact.email,
            code_hash=_digest(link, code),
            expires_at=now + timedelta(minutes=CODE_MINUTES),
        )
    with translation.override(lang):
        subject, body = _texts(link, code)
    creditor = link.creditor
    message = Outbound(
        channel="email",
        idempotency_key=f"portal-code:{row.pk}",
        recipient=contact.email,
        recipient_name=contact.full_name,
        subject=subject,
        body=body,
        sender_name=creditor.trade_name or creditor.legal_name,
        sender_email=creditor.email,
        reply_to=creditor.email,
        language=lang,
    )
    backend = backend_for("email")
    try:
        sent = backend.send(message)
    except ChannelError as exc:
        OneTimeCode.objects.filter(pk=row.pk).update(void_at=timezone.now())
        raise CodeError(
            _("The code could not be sent just now; please try again in a few minutes.")
        ) from exc
    finally:
        backend.close()
    archived_body = body.replace(code, MASK)
    Correspondence.objects.create(
        creditor_id=link.creditor_id,
        customer_id=link.customer_id,
        channel="email",
        backend=sent.backend,
        provider_id=sent.provider_id,
        idempotency_key=message.idempotency_key,
        recipient=contact.email,
        recipient_name=contact.full_name,
        subject=subject,
        body=archived_body,
        sha256=content_hash(subject, archived_body, contact.email),
        sent_at=timezone.now(),
    )
    return row


def check_code(link: PortalLink, code: str, now: datetime | None = None) -> bool:
    """True when `code` is the live code of `link` (it is then used up); False for a wrong
    code; CodeError when no code is waiting, it expired, or the last try was used."""
    now = now or timezone.now()
    code = "".join(ch for ch in code if ch.isdigit())
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(link=link, verified_at__isnull=True, void_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None:
            problem = _("No code is waiting: ask for a new one.")
        elif row.expires_at <= now:
            OneTimeCode.objects.filter(pk=row.pk).update(void_at=now)
            problem = _("This code has expired: ask for a new one.")
        elif hmac.compare_digest(row.code_hash, _digest(link, code)):
            OneTimeCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1, verified_at=now)
            return True
        else:
            attempts = row.attempts + 1
            last = attempts >= MAX_ATTEMPTS
            OneTimeCode.objects.filter(pk=row.pk).update(
                attempts=attempts, void_at=now if last else None
            )
            if not last:
                return False
            problem = _("Too many wrong codes: ask for a new one.")
    raise CodeError(problem)
