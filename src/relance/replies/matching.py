"""Which creditor and customer an inbound message belongs to, and why.

In order, the first that decides wins and is recorded as the reason:

1. a reply-address token (`relance.domain.reply_token`) in a recipient address: signed,
   it names the creditor and the customer; a token that does not verify is noted and
   ignored, never trusted;
2. In-Reply-To / References naming the Message-ID of a message relance sent
   (`Correspondence.provider_id`): the customer of that message;
3. the sender's address is the email of contacts of exactly one customer of the creditor;
4. invoice numbers quoted in the subject or the text are invoices of exactly one customer.

Several customers at a step, or none at every step: unmatched, with the reasons, for a
person to assign. Steps 3 and 4 need the creditor: from the token or the thread, else the
creditor whose reply address (or email) the message was sent to, else
RELANCE_REPLIES_CREDITOR, else the only creditor of the install.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from relance.banking.matching import infer_numbering
from relance.channels.identity import reply_token_key
from relance.channels.models import Correspondence, SenderIdentity
from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.customers.models import Contact, Customer
from relance.domain.references import Numbering, ReferenceError_
from relance.domain.reply_token import TokenError, has_token, read_address
from relance.ledger.models import Invoice
from relance.replies.models import MatchMethod
from relance.replies.parsing import Parsed

#: Words that look like invoice numbers: letters and digits with separators, one digit at least.
_CANDIDATE = re.compile(r"(?<![\w])([A-Za-z]{0,6}[\-/._ ]?\d[\w\-/.]*\d|\d{3,})(?![\w])")
_PLACEHOLDER = re.compile(r"\{(Y{4}|Y{2}|M{2}|N+)\}")
MAX_NUMBERS = 50


class NoCreditor(BadInput):
    """Nothing tells which creditor a message is for (several creditors, no setting)."""


@dataclass
class Match:
    creditor: Creditor
    customer: Customer | None = None
    method: str = MatchMethod.NONE
    reason: str = ""
    correspondence: Correspondence | None = None
    #: invoice numbers quoted that are invoices of the creditor
    invoices: list[str] = field(default_factory=list)


def _local_base(address: str) -> str:
    local, _at, domain = address.lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def creditor_for(recipients: list[str], hint: Creditor | None = None) -> Creditor:
    """The creditor a message was sent to (see the module's doc); NoCreditor otherwise."""
    if hint is not None:
        return hint
    bases = {_local_base(a) for a in recipients}
    if bases:
        found: set[int] = set()
        for identity in SenderIdentity.objects.all().only(
            "creditor_id", "reply_address", "reply_to", "from_email"
        ):
            own = {
                _local_base(a)
                for a in (identity.reply_address, identity.reply_to, identity.from_email)
                if a
            }
            if own & bases:
                found.add(identity.creditor_id)
        for pk, email in Creditor.objects.exclude(email="").values_list("pk", "email"):
            if _local_base(email) in bases:
                found.add(pk)
        if len(found) == 1:
            return Creditor.objects.get(pk=found.pop())
    if settings.RELANCE_REPLIES_CREDITOR:
        chosen = Creditor.objects.filter(pk=settings.RELANCE_REPLIES_CREDITOR).first()
        if chosen is None:
            raise NoCreditor(
                f"RELANCE_REPLIES_CREDITOR={settings.RELANCE_REPLIES_CREDITOR}: no such creditor"
            )
        return chosen
    only = list(Creditor.objects.order_by("pk")[:2])
    if len(only) == 1:
        return only[0]
    raise NoCreditor(
        "this message names no creditor (no reply token, not an answer to a message sent, "
        "not sent to a creditor's address) and there are several: set "
        "RELANCE_REPLIES_CREDITOR to the id of the creditor whose mailbox this is"
    )


def _by_token(parsed: Parsed, notes: list[str]) -> Match | None:
    key = reply_token_key()
    for address in parsed.recipients:
        if not has_token(address):
            continue
        try:
            token = read_address(address, key)
        except TokenError as exc:
            notes.append(_("reply token refused: %(why)s") % {"why": exc})
            continue
        if token is None:
            continue
        customer = (
            Customer.objects.select_related("creditor")
            .filter(pk=token.customer_id, creditor_id=token.creditor_id)
            .first()
        )
        if customer is None:
            notes.append(
                _("reply token of a customer that no longer exists (%(a)s)") % {"a": address}
            )
            continue
        return Match(
            customer.creditor,
            customer,
            MatchMethod.TOKEN,
            _("sent to the reply address of this customer (%(address)s)") % {"address": address},
        )
    return None


def _bare_and_bracketed(ids: list[str]) -> list[str]:
    found: list[str] = []
    for one in ids:
        bare = one.strip().strip("<>")
        if bare:
            found += [f"<{bare}>", bare]
    return found


def _by_thread(parsed: Parsed) -> Match | None:
    ids = _bare_and_bracketed(parsed.in_reply_to.split() + parsed.references)
    if not ids:
        return None
    sent = (
        Correspondence.objects.filter(channel="email", provider_id__in=ids)
        .select_related("customer", "creditor")
        .order_by("-sent_at", "-id")
        .first()
    )
    if sent is None:
        return None
    return Match(
        sent.creditor,
        sent.customer,
        MatchMethod.THREAD,
        _("answers the message sent on %(day)s to %(to)s (%(id)s)")
        % {"day": f"{sent.sent_at:%Y-%m-%d}", "to": sent.recipient, "id": sent.provider_id},
        correspondence=sent,
    )


def _names(customer_ids: list[int]) -> str:
    names = Customer.objects.filter(pk__in=customer_ids).order_by("legal_name")
    return ", ".join(c.legal_name for c in names[:5])


def _by_sender(parsed: Parsed, creditor: Creditor, notes: list[str]) -> Match | None:
    if not parsed.from_address:
        return None
    ids = sorted(
        set(
            Contact.objects.filter(
                customer__creditor=creditor, email__iexact=parsed.from_address
            ).values_list("customer_id", flat=True)
        )
    )
    if len(ids) == 1:
        return Match(
            creditor,
            Customer.objects.get(pk=ids[0]),
            MatchMethod.SENDER,
            _("the sender %(address)s is a contact of this customer")
            % {"address": parsed.from_address},
        )
    if ids:
        notes.append(
            _("the sender %(address)s is a contact of %(n)s customers (%(names)s)")
            % {"address": parsed.from_address, "n": len(ids), "names": _names(ids)}
        )
    else:
        notes.append(
            _("the sender %(address)s is no contact of any customer")
            % {"address": parsed.from_address}
        )
    return None


def _spell(pattern: str, key: str) -> str | None:
    """An invoice number of `pattern` whose canonical key is `key` ("F|2025|42" in
    "F-{YYYY}-{NNNN}" → "F-2025-0042")."""
    numbers = key.split("|")[1:]
    pieces = _PLACEHOLDER.findall(pattern)
    if len(pieces) != len(numbers):
        return None
    out = pattern
    for piece, number in zip(pieces, numbers, strict=True):
        out = out.replace("{" + piece + "}", number.zfill(len(piece)), 1)
    return out


def quoted_numbers(creditor: Creditor, text: str) -> list[str]:
    """Invoice numbers of the creditor written in `text` (as stored, at most MAX_NUMBERS)."""
    candidates = {m.group(1).strip().upper() for m in _CANDIDATE.finditer(text)}
    known = list(Invoice.objects.filter(creditor=creditor).values_list("number", flat=True)[:5000])
    for pattern in infer_numbering(known):
        try:
            numbering = Numbering(pattern)
        except ReferenceError_:
            continue
        for hit in numbering.find(text):
            spelled = _spell(pattern, hit.key)
            if spelled:
                candidates.add(spelled)
    if not candidates:
        return []
    found = (
        Invoice.objects.filter(creditor=creditor, number__in=list(candidates)[:500])
        .order_by("number")
        .values_list("number", flat=True)
    )
    return list(dict.fromkeys(found))[:MAX_NUMBERS]


def _by_invoices(
    parsed: Parsed, creditor: Creditor, numbers: list[str], notes: list[str]
) -> Match | None:
    if not numbers:
        notes.append(_("no invoice number of ours is quoted"))
        return None
    ids = sorted(
        set(
            Invoice.objects.filter(creditor=creditor, number__in=numbers).values_list(
                "customer_id", flat=True
            )
        )
    )
    if len(ids) == 1:
        return Match(
            creditor,
            Customer.objects.get(pk=ids[0]),
            MatchMethod.INVOICE,
            _("quotes invoices of this customer: %(numbers)s") % {"numbers": ", ".join(numbers)},
        )
    notes.append(
        _("quotes invoices of %(n)s customers (%(names)s)") % {"n": len(ids), "names": _names(ids)}
    )
    return None


def match(parsed: Parsed, hint: Creditor | None = None) -> Match:
    """The creditor and customer of `parsed`, the method and the reason (NoCreditor when
    not even the creditor can be told)."""
    notes: list[str] = []
    found = _by_token(parsed, notes) or _by_thread(parsed)
    creditor = found.creditor if found else creditor_for(parsed.recipients, hint)
    numbers = quoted_numbers(creditor, parsed.subject + "\n" + parsed.text)
    if found is None:
        found = _by_sender(parsed, creditor, notes) or _by_invoices(
            parsed, creditor, numbers, notes
        )
    if found is None:
        return Match(creditor, reason="; ".join(notes)[:500], invoices=numbers)
    if notes:
        found.reason = f"{found.reason} ({'; '.join(notes)})"[:500]
    found.invoices = numbers
    return found
