"""Replies in the web UI: the list (to handle, unmatched, handled), a reply and its forms.

Handling a reply confirmed as a promise with a date records the promise (or says why not:
the page shows the error and nothing is written); the reply page shows it, and for a reply
confirmed as a dispute links to the dispute form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import visible_customers
from relance.accounts.models import Membership
from relance.core.errors import BadInput
from relance.core.models import money
from relance.negotiation.margins import NotAllowed
from relance.negotiation.models import Promise
from relance.negotiation.promises import needs_approval
from relance.replies.models import Kind, Reply, Status
from relance.replies.services import assign, handle, ignore, label_of, visible_replies
from relance.web.access import member_required
from relance.web.templatetags.relance import format_day, format_money

TABS = (
    ("to_handle", Status.TO_HANDLE),
    ("unmatched", Status.UNMATCHED),
    ("handled", Status.HANDLED),
    ("ignored", Status.IGNORED),
)
#: Types served with their own content type; anything else is served as bytes.
SAFE_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/msword",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _visible(request: HttpRequest, pk: int) -> Reply:
    found = visible_replies(_membership(request)).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@member_required
def reply_list(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    tabs = [(key, status) for key, status in TABS]
    if not membership.sees_all_customers:
        tabs = [t for t in tabs if t[1] != Status.UNMATCHED]
    chosen = request.GET.get("status", "to_handle")
    if chosen not in {key for key, _s in tabs}:
        chosen = "to_handle"
    qs = visible_replies(membership)
    counts = {key: qs.filter(status=status).count() for key, status in tabs}
    page = Paginator(
        qs.filter(status=chosen).select_related("customer").order_by("-received_at", "-id"), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "replies/list.html",
        {
            "tabs": [(key, Status(status).label, counts[key]) for key, status in tabs],
            "chosen": chosen,
            "page": page,
            "replies": [(r, label_of(r.classification or r.suggested)) for r in page],
        },
    )


@member_required
def reply_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    reply = _visible(request, pk)
    can_write = membership.can_write and reply.status != Status.HANDLED
    customers = (
        visible_customers(membership).order_by("legal_name").only("pk", "legal_name")
        if can_write and membership.sees_all_customers
        else []
    )
    kind = reply.classification or reply.suggested
    return render(
        request,
        "replies/detail.html",
        {
            "reply": reply,
            "attachments": list(reply.attachments.all()),
            "suggested": label_of(reply.suggested),
            "rules": [
                {**rule, "label": label_of(str(rule.get("kind", "")))}
                for rule in reply.suggested_rules
            ],
            "kinds": [(k.value, k.label) for k in Kind],
            "chosen_kind": kind,
            "fields": reply.fields if reply.status == Status.HANDLED else reply.suggested_fields,
            "can_write": can_write,
            "can_handle": can_write and reply.customer_id is not None,
            "customers": customers,
            "promise": _promise_of(reply),
            "can_open_dispute": membership.can_write
            and reply.customer_id is not None
            and reply.classification == Kind.DISPUTE,
            "status": Status(reply.status).label,
            "intact": reply.raw_intact(),
        },
    )


@member_required
def reply_attachment(request: HttpRequest, pk: int, attachment: int) -> HttpResponse:
    found = _visible(request, pk).attachments.filter(pk=attachment).exclude(file="").first()
    if found is None:
        raise Http404
    content_type = found.content_type if found.content_type in SAFE_TYPES else ""
    with found.file.open("rb") as handle:
        content = handle.read()
    return _download(content, found.name, content_type or "application/octet-stream")


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    """Always a download, never shown in the page: what a debtor sent is not trusted."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@member_required
def reply_raw(request: HttpRequest, pk: int) -> HttpResponse:
    reply = _visible(request, pk)
    with reply.raw.open("rb") as handle:
        content = handle.read()
    return _download(content, f"reply-{reply.pk}.eml", "message/rfc822")


def _writable(request: HttpRequest, pk: int) -> Reply:
    if not _membership(request).can_write:
        raise PermissionDenied
    return _visible(request, pk)


@member_required
@require_POST
def reply_handle(request: HttpRequest, pk: int) -> HttpResponse:
    reply = _writable(request, pk)
    fields = {
        name: request.POST.get(name, "")
        for name in ("date", "amount", "currency", "invoices")
        if request.POST.get(name, "").strip()
    }
    try:
        done = handle(
            reply,
            request.POST.get("classification", ""),
            request.user,
            request.POST.get("note", ""),
            fields=fields,
        )
    except (BadInput, NotAllowed) as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("reply", args=[reply.pk]))
    messages.success(request, _("Reply handled; automatic reminders to this customer resume."))
    promise = _promise_of(done)
    if promise is not None:
        values = {
            "amount": format_money(money(promise.amount_minor, promise.currency)),
            "date": format_day(promise.promised_on),
        }
        if needs_approval(promise):
            messages.warning(
                request,
                _(
                    "Promise of %(amount)s by %(date)s recorded; it is beyond your margin and "
                    "waits for a credit manager's approval."
                )
                % values,
            )
        else:
            messages.success(
                request,
                _(
                    "Promise of %(amount)s by %(date)s recorded: reminders on its invoices "
                    "pause until then."
                )
                % values,
            )
    elif done.classification == Kind.PROMISE:
        messages.info(request, _("No promise recorded: the reply gives no date."))
    return HttpResponseRedirect(reverse("replies"))


def _promise_of(reply: Reply) -> Promise | None:
    """The promise recorded when the reply was handled, if any."""
    pk = reply.fields.get("promise") if isinstance(reply.fields, dict) else None
    if not isinstance(pk, int) or reply.customer_id is None:
        return None
    return Promise.objects.filter(pk=pk, customer_id=reply.customer_id).first()


@member_required
@require_POST
def reply_assign(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    reply = _writable(request, pk)
    if not membership.sees_all_customers:
        raise PermissionDenied
    customer = visible_customers(membership).filter(pk=request.POST.get("customer") or 0).first()
    if customer is None:
        messages.error(request, _("Choose a customer."))
        return HttpResponseRedirect(reverse("reply", args=[reply.pk]))
    try:
        assign(reply, customer, request.user)
    except BadInput as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Reply assigned to %(customer)s; its automatic reminders pause until it is handled.")
            % {"customer": customer.legal_name},
        )
    return HttpResponseRedirect(reverse("reply", args=[reply.pk]))


@member_required
@require_POST
def reply_ignore(request: HttpRequest, pk: int) -> HttpResponse:
    reply = _writable(request, pk)
    try:
        ignore(reply, request.user, request.POST.get("note", ""))
    except BadInput as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("reply", args=[reply.pk]))
    messages.success(request, _("Reply set aside."))
    return HttpResponseRedirect(reverse("replies"))
