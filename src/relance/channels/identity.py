"""Who an email comes from, where replies go, and the invoices it carries.

`finish_email(action, message)` completes a rendered email just before it is sent:

- From: the creditor's `SenderIdentity` name and address when set, else the message's
  (the creditor's trade name and email), else DEFAULT_FROM_EMAIL (the email backend);
- Reply-To: the identity's tracked reply address tagged with a signed token naming the
  customer (`local+r-<token>@domain`, `relance.domain.reply_token`) when one is set, so
  that the reply is matched to the customer (relance.replies); else the identity's
  reply-to, else the creditor's email;
- the PDF of every invoice listed that has one stored (`Invoice.pdf`), unless the
  identity turns that off. A PDF that cannot be read is left out: the reminder still
  lists the invoice, and a missing file must not stop it.

Other channels are returned unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from django.conf import settings
from django.utils.crypto import salted_hmac

from relance.channels.base import Attachment, Outbound
from relance.channels.models import SenderIdentity
from relance.domain.reply_token import make_address
from relance.dunning.models import Action
from relance.ledger.models import Invoice

#: `finish_email(identity=…)` not given: read it.
_READ = object()


def reply_token_key() -> bytes:
    """The key that signs reply-address tokens, derived from SECRET_KEY (changing
    SECRET_KEY makes earlier tokens unreadable: those replies are matched otherwise)."""
    return salted_hmac("relance.replies.reply-token", "key", secret=settings.SECRET_KEY).digest()


def tracked_reply_to(identity: SenderIdentity | None, creditor_id: int, customer_id: int) -> str:
    """The tagged reply address of a customer, or "" when the creditor reads no replies."""
    if identity is None or not identity.reply_address:
        return ""
    try:
        return make_address(identity.reply_address, creditor_id, customer_id, reply_token_key())
    except ValueError:  # refused when the identity is saved (SenderIdentity.clean)
        return ""


def identity_of(creditor_id: int) -> SenderIdentity | None:
    return SenderIdentity.objects.filter(creditor_id=creditor_id).first()


def finish_email(
    action: Action,
    message: Outbound,
    *,
    identity: SenderIdentity | object | None = _READ,
    invoices: Mapping[int, Invoice] | None = None,
) -> Outbound:
    """`identity` and `invoices` (by id) may be given by a caller that has them already
    (the worker's batch); otherwise they are read."""
    if message.channel != "email":
        return message
    if identity is _READ:
        identity = identity_of(action.creditor_id)
    assert identity is None or isinstance(identity, SenderIdentity)
    sender_name = (identity.from_name if identity else "") or message.sender_name
    sender_email = (identity.from_email if identity else "") or message.sender_email
    reply_to = (
        tracked_reply_to(identity, action.creditor_id, action.customer_id)
        or (identity.reply_to if identity else "")
        or action.creditor.email
        or ""
    )
    attachments = list(message.attachments)
    if identity is None or identity.attach_invoices:
        ids = [line.invoice_id for line in action.lines()]
        if invoices is None:
            pdfs = invoice_pdfs(ids)
        else:
            pdfs = pdfs_of([invoices[i] for i in ids if i in invoices])
        # the invoice email carries its invoice already: never the same file twice
        present = {a.filename for a in attachments}
        attachments += [a for a in pdfs if a.filename not in present]
    return replace(
        message,
        sender_name=sender_name,
        sender_email=sender_email,
        reply_to=reply_to,
        attachments=tuple(attachments),
    )


def invoice_pdfs(invoice_ids: list[int]) -> list[Attachment]:
    return pdfs_of(list(Invoice.objects.filter(pk__in=invoice_ids).exclude(pdf="")))


def pdfs_of(invoices: list[Invoice]) -> list[Attachment]:
    """The stored PDFs of `invoices`, by invoice number (unreadable files left out)."""
    found: list[Attachment] = []
    for invoice in sorted((i for i in invoices if i.pdf), key=lambda i: i.number):
        try:
            with invoice.pdf.open("rb") as handle:
                content = handle.read()
        except OSError:
            continue
        found.append(Attachment(f"{invoice.number}.pdf", content, "application/pdf"))
    return found
