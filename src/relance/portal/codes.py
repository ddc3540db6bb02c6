"""One-time codes by email or SMS, asked before a sensitive action in the portal.

    code_destinations(customer) -> list[Destination]  (where a code may go, masked)
    send_code(link, contact_id, lang, channel="email") -> OneTimeCode
                                                      (CodeError when it cannot be sent)
    check_code(link, code, now) -> bool               (CodeError when none is waiting)

A personal link may be forwarded or read over a shoulder; promising, disputing, asking for
a plan or changing contacts also need a code sent to an email address or a mobile number of
the customer already in the register. Six digits, valid CODE_MINUTES, MAX_ATTEMPTS tries,
one live code per link whatever the channel (asking again voids the previous one); only an
HMAC keyed by SECRET_KEY is stored.

Destinations: the contacts' email addresses not known to bounce; the contacts' mobile
numbers that are valid, not known to bounce (`mobile_undeliverable_since`), not opted out
of SMS (a STOP answer sets `opt_out_sms`) and not flagged wrong by a call. Each address or
number is offered once, masked ("j…n@acme.fr", "+33…78").

The code goes straight through the channel's backend (relance.channels.registry: SMTP or
Brevo, or the capture backend in the demo and the tests), not through the dunning outbox:
the debtor is waiting for it, it is no collection contact (contact rules, caps and quiet
hours do not apply) and it must not enter the dunning history. A copy is archived in
`Correspondence` like every message sent, with the code masked: the archive never holds
a usable code.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from relance.channels.base import ChannelError, Outbound
from relance.channels.models import Correspondence, content_hash
from relance.channels.registry import backend_for
from relance.channels.sms.backend import SMS_MAX_SEGMENTS
from relance.customers.models import Contact, Customer
from relance.domain.identifiers import IdentifierError, clean_phone
from relance.domain.sms import fits
from relance.portal.models import CodeChannel, OneTimeCode, PortalLink

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
MASK = "••••••"


class CodeError(Exception):
    """No code can be sent or checked (the message says why, for the debtor)."""


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a code may be sent: one contact's email address or mobile number."""

    channel: str  # "email" or "sms"
    contact: Contact
    address: str  # the email address, or the mobile number in E.164
    masked: str

    @property
    def key(self) -> str:
        """The value the confirmation form posts ("email-12", "sms-12")."""
        return f"{self.channel}-{self.contact.pk}"


def code_contacts(customer: Customer) -> list[Contact]:
    """The customer's contacts with an email address that is not known to bounce."""
    return list(
        customer.contacts.exclude(email="")
        .filter(email_undeliverable_since__isnull=True)
        .order_by("-is_primary_billing", "pk")
    )


def sms_contacts(customer: Customer) -> list[tuple[Contact, str]]:
    """The customer's contacts with a mobile number that can receive a code, and that
    number in E.164: valid, not known to bounce, not opted out of SMS, not flagged wrong."""
    region = customer.country or "FR"
    found: list[tuple[Contact, str]] = []
    rows = (
        customer.contacts.exclude(mobile="")
        .filter(mobile_undeliverable_since__isnull=True, opt_out_sms=False)
        .order_by("-is_primary_billing", "pk")
    )
    for contact in rows:
        if contact.mobile_wrong:
            continue
        try:
            found.append((contact, clean_phone(contact.mobile, region, field="mobile")))
        except IdentifierError:
            continue
    return found


def code_destinations(customer: Customer) -> list[Destination]:
    """Every email address, then every mobile number, a code may be sent to (each once)."""
    seen: set[str] = set()
    found: list[Destination] = []
    for contact in code_contacts(customer):
        if contact.email.lower() not in seen:
            seen.add(contact.email.lower())
            found.append(Destination("email", contact, contact.email, mask(contact.email)))
    for contact, number in sms_contacts(customer):
        if number not in seen:
            seen.add(number)
            found.append(Destination("sms", contact, number, mask_mobile(number)))
    return found


def mask(email: str) -> str:
    """ "jeanne.martin@acme.fr" → "j…n@acme.fr": enough to recognise one's own address."""
    local, _sep, domain = email.partition("@")
    shown = local[0] + "…" + local[-1] if len(local) > 2 else local[:1] + "…"
    return f"{shown}@{domain}"


def mask_mobile(number: str) -> str:
    """ "+33612345678" → "+33…78": the country and the last two digits."""
    try:
        prefix = f"+{phonenumbers.parse(number).country_code}"
    except phonenumbers.NumberParseException:
        prefix = ""
    return f"{prefix}…{number[-2:]}"


def masked_destination(row: OneTimeCode) -> str:
    """Where a code went, masked."""
    return mask_mobile(row.mobile) if row.channel == CodeChannel.SMS else mask(row.email)


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


def _sms_text(link: PortalLink, code: str) -> str:
    """A text of at most SMS_MAX_SEGMENTS segments: the creditor's name is shortened (at a
    word when it can) when needed."""
    name = (link.creditor.trade_name or link.creditor.legal_name).strip()
    for size in (len(name), 40, 25, 12):
        short = name[:size]
        if len(name) > size and " " in short:
            short = short[: short.rfind(" ")]
        text = _(
            "%(creditor)s: your confirmation code is %(code)s, valid %(minutes)s minutes. "
            "If you did not ask for it, ignore this message."
        ) % {"creditor": short.strip(), "code": code, "minutes": CODE_MINUTES}
        if fits(text, SMS_MAX_SEGMENTS):
            break
    return text


def send_code(
    link: PortalLink,
    contact_id: int,
    lang: str,
    now: datetime | None = None,
    channel: str = CodeChannel.EMAIL,
) -> OneTimeCode:
    """Send a new code to the contact's email address, or by SMS to their mobile number
    (`channel` "sms"); the previous live code of the link is voided."""
    now = now or timezone.now()
    choice = next(
        (
            d
            for d in code_destinations(link.customer)
            if d.contact.pk == contact_id and d.channel == channel
        ),
        None,
    )
    if choice is None:
        raise CodeError(_("Choose one of the email addresses or mobile numbers shown."))
    contact = choice.contact
    by_sms = choice.channel == CodeChannel.SMS
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        OneTimeCode.objects.filter(
            link=link, verified_at__isnull=True, void_at__isnull=True
        ).update(void_at=now)
        row = OneTimeCode.objects.create(
            link=link,
            contact=contact,
            channel=choice.channel,
            email="" if by_sms else choice.address,
            mobile=choice.address if by_sms else "",
            code_hash=_digest(link, code),
            expires_at=now + timedelta(minutes=CODE_MINUTES),
        )
    with translation.override(lang):
        subject, body = ("", _sms_text(link, code)) if by_sms else _texts(link, code)
    creditor = link.creditor
    message = Outbound(
        channel=choice.channel,
        idempotency_key=f"portal-code:{row.pk}",
        recipient=choice.address,
        recipient_name=contact.full_name,
        subject=subject,
        body=body,
        sender_name=creditor.trade_name or creditor.legal_name,
        sender_email=creditor.email,
        reply_to=creditor.email,
        language=lang,
    )
    backend = backend_for(choice.channel)
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
        channel=choice.channel,
        backend=sent.backend,
        provider_id=sent.provider_id,
        idempotency_key=message.idempotency_key,
        recipient=choice.address,
        recipient_name=contact.full_name,
        subject=subject,
        body=archived_body,
        sha256=content_hash(subject, archived_body, choice.address),
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
