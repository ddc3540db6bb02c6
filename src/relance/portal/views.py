"""Pages of the debtor portal (no account: a personal link) and the provider webhooks.

Every page goes through `access.portal_page` (token, rate limits, language, headers) and
reads only what belongs to `link.customer`. Sensitive actions (promise, dispute, plan
request, contact update) need a confirmation by one-time code first (`_confirmed`).
Forms are plain HTML forms with CSRF tokens; no script is needed anywhere.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from relance.channels.letter.payment import payment_details, qr_svg
from relance.core.errors import BadInput
from relance.domain.calendar import parse_date
from relance.domain.money import Money, MoneyError, parse_amount
from relance.ledger.models import Invoice
from relance.ledger.penalties import penalty_for_invoice
from relance.negotiation.margins import portal_margin_for
from relance.negotiation.models import DisputeReason, PaymentPlan
from relance.portal import codes, events, requests, services
from relance.portal.access import client_ip, is_verified, mark_verified, portal_page
from relance.portal.links import token_of
from relance.portal.models import Checkout, CheckoutStatus, EventKind, PaymentAccount, PortalLink
from relance.portal.payments import local
from relance.portal.payments.base import ProviderConfigError, ProviderError, WebhookRefused
from relance.portal.payments.registry import configured_name, offers_online_payment
from relance.portal.payments.services import handle_webhook, start_checkout
from relance.portal.queries import (
    customer_invoice,
    customer_plans,
    open_invoices,
    parse_ids,
    plan_agreement,
    selected_invoices,
    totals,
)

SESSION_OPENED = "portal_opened"


def _lang() -> str:
    return (translation.get_language() or "fr")[:2]


def _url(link: PortalLink, name: str, **query: str) -> str:
    path = reverse(f"portal:{name}", args=[token_of(link)])
    return f"{path}?{urlencode(query)}" if query else path


def _context(request: HttpRequest, link: PortalLink, **extra: Any) -> dict[str, Any]:
    creditor = link.creditor
    return {
        "link": link,
        "token": token_of(link),
        "creditor": creditor,
        "creditor_name": creditor.trade_name or creditor.legal_name,
        "customer": link.customer,
        "lang": _lang(),
        "verified": is_verified(request, link),
        "online_payment": offers_online_payment(creditor.pk),
        "path": request.path,
        **extra,
    }


def _today() -> date:
    return timezone.localdate()


def _penalties(invoices: list[Invoice], as_of: date) -> list[dict[str, Any]]:
    """Late-payment interest and indemnity of the open invoices, per currency (when any)."""
    sums: dict[str, list[Money]] = {}
    for invoice in invoices:
        if invoice.due_date >= as_of:
            continue
        found = penalty_for_invoice(invoice, as_of)
        if found.result is None or found.result.total.is_zero:
            continue
        r = found.result
        row = sums.setdefault(r.total.currency, [])
        if not row:
            row.extend([r.interest, r.indemnity, r.total])
        else:
            row[0], row[1], row[2] = row[0] + r.interest, row[1] + r.indemnity, row[2] + r.total
    return [
        {"currency": c, "interest": v[0], "indemnity": v[1], "total": v[2]}
        for c, v in sorted(sums.items())
    ]


def _ids(request: HttpRequest) -> list[int]:
    source = request.POST if request.method == "POST" else request.GET
    return parse_ids(source.getlist("invoice"))


def _amount(raw: str, currency: str) -> int:
    try:
        return Money.of(parse_amount(raw), currency).minor
    except (MoneyError, ValueError):
        raise BadInput(_("amount: “%(value)s” is not an amount.") % {"value": raw[:30]}) from None


def _date(raw: str, field: str) -> date:
    try:
        return parse_date(raw)
    except ValueError:
        raise BadInput(
            _("%(field)s: “%(value)s” is not a date.") % {"field": field, "value": raw[:30]}
        ) from None


def _error_of(exc: BadInput) -> dict[str, str]:
    """ "field: message" → {"field": …, "message": …} for the form to show by its input."""
    text = str(exc)
    field, sep, message = text.partition(": ")
    if sep and field.replace("_", "").isalpha() and len(field) < 20:
        return {"field": field, "message": message}
    return {"field": "", "message": text}


# --------------------------------------------------------------------------- pages


@portal_page
def home(request: HttpRequest, link: PortalLink) -> HttpResponse:
    today = _today()
    invoices = list(open_invoices(link.customer))
    opened = set(request.session.get(SESSION_OPENED, []))
    if link.pk not in opened:
        events.record(link, EventKind.OPENED, client_ip(request))
        request.session[SESSION_OPENED] = sorted(opened | {link.pk})
    rows = [
        {
            "invoice": inv,
            "overdue": inv.due_date < today,
            "days_late": max((today - inv.due_date).days, 0),
        }
        for inv in invoices
    ]
    context = _context(
        request,
        link,
        rows=rows,
        totals=totals(invoices, today),
        penalties=_penalties(invoices, today),
        plans=list(customer_plans(link.customer)),
        today=today,
    )
    return render(request, "portal/home.html", context)


@portal_page
def invoice_pdf(request: HttpRequest, link: PortalLink, pk: int) -> HttpResponse:
    invoice = customer_invoice(link.customer, pk)
    if invoice is None or not invoice.pdf:
        raise Http404
    try:
        with invoice.pdf.open("rb") as handle:
            content = handle.read()
    except OSError:
        raise Http404 from None
    events.record(link, EventKind.DOCUMENT, client_ip(request), document="invoice", invoice=pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


@portal_page
def statement_pdf(request: HttpRequest, link: PortalLink) -> HttpResponse:
    from relance.dunning.documents import build_statement
    from relance.dunning.manual import preview_template

    customer = link.customer
    currency = request.GET.get("currency", customer.currency).strip().upper()[:3]
    if not build_statement(customer, currency, _today()).items:
        raise Http404
    shown = preview_template(customer, kind="statement", currency=currency, lang=_lang())
    if not shown.attachments:
        raise Http404
    events.record(link, EventKind.DOCUMENT, client_ip(request), document="statement")
    response = HttpResponse(shown.attachments[0].content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="statement-{_today()}.pdf"'
    return response


def _chosen_or_overdue(request: HttpRequest, link: PortalLink) -> list[Invoice]:
    """The invoices named in the request, or every overdue one (every open one if none is
    overdue) when none is named."""
    ids = _ids(request)
    if ids:
        return selected_invoices(link.customer, ids)
    invoices = list(open_invoices(link.customer))
    overdue = [i for i in invoices if i.due_date < _today()]
    chosen = overdue or invoices
    currency = chosen[0].currency if chosen else ""
    return [i for i in chosen if i.currency == currency]


@portal_page
def pay(request: HttpRequest, link: PortalLink) -> HttpResponse:
    error = None
    try:
        chosen = _chosen_or_overdue(request, link)
    except BadInput as exc:
        error, chosen = _error_of(exc), []
    creditor = link.creditor
    transfer = None
    if chosen:
        amount = Money.from_minor(sum(i.open_minor for i in chosen), chosen[0].currency)
        transfer = payment_details(
            creditor.iban, creditor.bic, creditor.legal_name, [i.number for i in chosen], amount
        )
    context = _context(
        request,
        link,
        invoices=list(open_invoices(link.customer)),
        chosen=chosen,
        chosen_ids={i.pk for i in chosen},
        amount=Money.from_minor(sum(i.open_minor for i in chosen), chosen[0].currency)
        if chosen
        else None,
        transfer=transfer,
        qr_query=urlencode([("invoice", i.pk) for i in chosen]),
        error=error,
        today=_today(),
    )
    return render(request, "portal/pay.html", context)


@portal_page
def pay_qr(request: HttpRequest, link: PortalLink) -> HttpResponse:
    try:
        chosen = _chosen_or_overdue(request, link)
    except BadInput:
        raise Http404 from None
    if not chosen:
        raise Http404
    creditor = link.creditor
    amount = Money.from_minor(sum(i.open_minor for i in chosen), chosen[0].currency)
    details = payment_details(
        creditor.iban, creditor.bic, creditor.legal_name, [i.number for i in chosen], amount
    )
    if details is None or not details.epc:
        raise Http404
    return HttpResponse(qr_svg(details.epc), content_type="image/svg+xml")


@portal_page
def pay_online(request: HttpRequest, link: PortalLink) -> HttpResponse:
    if request.method != "POST":
        return redirect(_url(link, "pay"))
    try:
        chosen = selected_invoices(link.customer, _ids(request))
        done = request.build_absolute_uri(_url(link, "pay_done"))
        back = request.build_absolute_uri(_url(link, "pay"))
        checkout = start_checkout(link, chosen, _lang(), done, back, client_ip(request))
    except BadInput as exc:
        return _pay_error(request, link, _error_of(exc))
    except (ProviderError, ProviderConfigError):
        return _pay_error(
            request,
            link,
            {
                "field": "",
                "message": _(
                    "Online payment is not available just now; you can pay by bank transfer."
                ),
            },
        )
    return HttpResponseRedirect(checkout.url)


def _pay_error(request: HttpRequest, link: PortalLink, error: dict[str, str]) -> HttpResponse:
    context = _context(
        request,
        link,
        invoices=list(open_invoices(link.customer)),
        chosen=[],
        chosen_ids=set(),
        amount=None,
        transfer=None,
        qr_query="",
        error=error,
        today=_today(),
    )
    return render(request, "portal/pay.html", context, status=400)


@portal_page
def pay_done(request: HttpRequest, link: PortalLink) -> HttpResponse:
    latest = Checkout.objects.filter(link=link).order_by("-created_at", "-id").first()
    return render(
        request,
        "portal/pay_done.html",
        _context(request, link, checkout=latest, paid=latest and latest.status == "paid"),
    )


@portal_page
def announce(request: HttpRequest, link: PortalLink) -> HttpResponse:
    error = None
    invoices = list(open_invoices(link.customer))
    if request.method == "POST":
        try:
            chosen = selected_invoices(link.customer, _ids(request))
            services.announce_payment(
                link,
                chosen,
                _amount(request.POST.get("amount", ""), chosen[0].currency),
                _date(request.POST.get("paid_on", ""), "date"),
                request.POST.get("method", ""),
                request.POST.get("reference", ""),
                _today(),
                client_ip(request),
            )
        except BadInput as exc:
            error = _error_of(exc)
        else:
            return render(
                request,
                "portal/done.html",
                _context(
                    request,
                    link,
                    title=_("Thank you"),
                    message=_(
                        "We have noted your payment. It will show here once it reaches our "
                        "bank account."
                    ),
                ),
            )
    return render(
        request,
        "portal/announce.html",
        _context(
            request,
            link,
            invoices=invoices,
            error=error,
            form=request.POST,
            methods=_methods(),
            today=_today(),
        ),
        status=400 if error else 200,
    )


def _methods() -> list[tuple[str, str]]:
    return [
        ("transfer", _("bank transfer")),
        ("cheque", _("cheque")),
        ("card", _("card")),
        ("other", _("other")),
    ]


# --------------------------------------------------------------------------- confirmation


def _confirmed(request: HttpRequest, link: PortalLink, page: str) -> HttpResponse | None:
    """None when this browser confirmed with a code; else the confirmation page."""
    if is_verified(request, link):
        return None
    return redirect(_url(link, "confirm", next=page))


@portal_page
def confirm(request: HttpRequest, link: PortalLink) -> HttpResponse:
    nxt = request.POST.get("next") or request.GET.get("next", "home")
    if nxt not in ("promise", "dispute", "plan", "contacts", "home"):
        nxt = "home"
    error = None
    sent_to = ""
    ip = client_ip(request)
    if request.method == "POST" and request.POST.get("step") == "send":
        try:
            from relance.portal import ratelimit

            if not ratelimit.allow("code", str(link.pk)):
                raise codes.CodeError(_("Too many codes asked for: please wait an hour."))
            channel, pk = _destination(request)
            row = codes.send_code(link, pk, _lang(), channel=channel)
        except codes.CodeError as exc:
            error = str(exc)
        else:
            sent_to = codes.masked_destination(row)
            events.record(link, EventKind.CODE_SENT, ip, to=sent_to, channel=row.channel)
    elif request.method == "POST" and request.POST.get("step") == "check":
        try:
            ok = codes.check_code(link, request.POST.get("code", ""))
        except codes.CodeError as exc:
            events.record(link, EventKind.CODE_FAILED, ip)
            error = str(exc)
        else:
            if ok:
                mark_verified(request, link)
                events.record(link, EventKind.CODE_VERIFIED, ip)
                return redirect(_url(link, nxt))
            events.record(link, EventKind.CODE_FAILED, ip)
            error = _("This is not the code we sent. Please check it and try again.")
            sent_to = "…"
    waiting = link.codes.filter(verified_at__isnull=True, void_at__isnull=True).first()
    context = _context(
        request,
        link,
        next=nxt,
        destinations=codes.code_destinations(link.customer),
        sent_to=sent_to or (codes.masked_destination(waiting) if waiting else ""),
        sent_by_sms=waiting is not None and waiting.channel == "sms",
        error=error,
        minutes=codes.CODE_MINUTES,
    )
    return render(request, "portal/confirm.html", context, status=400 if error else 200)


def _destination(request: HttpRequest) -> tuple[str, int]:
    """The destination chosen on the confirmation form: "email-12" or "sms-12" (the older
    form's `contact=12` is an email address)."""
    raw = request.POST.get("destination", "")
    channel, _sep, pk = raw.partition("-")
    if not raw:
        channel, pk = "email", request.POST.get("contact", "")
    if channel not in ("email", "sms") or not pk.isdigit():
        return "email", 0
    return channel, int(pk)


# --------------------------------------------------------------------------- actions


def _action_page(
    request: HttpRequest, link: PortalLink, template: str, error: Any, **extra: Any
) -> HttpResponse:
    context = _context(
        request,
        link,
        invoices=list(open_invoices(link.customer)),
        chosen_ids=set(_safe_ids(request)),
        error=error,
        form=request.POST,
        today=_today(),
        **extra,
    )
    return render(request, template, context, status=400 if error else 200)


def _safe_ids(request: HttpRequest) -> list[int]:
    try:
        return _ids(request)
    except BadInput:
        return []


def _thanks(request: HttpRequest, link: PortalLink, message: str) -> HttpResponse:
    return render(
        request,
        "portal/done.html",
        _context(request, link, title=_("Thank you"), message=message),
    )


@portal_page
def promise(request: HttpRequest, link: PortalLink) -> HttpResponse:
    gate = _confirmed(request, link, "promise")
    if gate is not None:
        return gate
    error = None
    if request.method == "POST":
        try:
            chosen = selected_invoices(link.customer, _ids(request))
            taken = services.promise(
                link,
                chosen,
                _amount(request.POST.get("amount", ""), chosen[0].currency),
                _date(request.POST.get("date", ""), "date"),
                _today(),
                client_ip(request),
            )
        except BadInput as exc:
            error = _error_of(exc)
        else:
            from relance.web.templatetags.relance import format_day, format_money

            return _thanks(
                request,
                link,
                _(
                    "Your promise to pay %(amount)s by %(date)s is recorded. We will not send "
                    "reminders for these invoices until then."
                )
                % {
                    "amount": format_money(Money.from_minor(taken.amount_minor, taken.currency)),
                    "date": format_day(taken.promised_on),
                },
            )
    return _action_page(
        request,
        link,
        "portal/promise.html",
        error,
        max_days=services.PROMISE_MAX_DAYS,
        min_percent=services.PROMISE_MIN_PERCENT,
    )


@portal_page
def dispute(request: HttpRequest, link: PortalLink) -> HttpResponse:
    gate = _confirmed(request, link, "dispute")
    if gate is not None:
        return gate
    error = None
    if request.method == "POST":
        try:
            chosen = selected_invoices(link.customer, _ids(request))
            files = [(f.name or "", f.read()) for f in request.FILES.getlist("attachment")]
            requests.record_dispute_request(
                link,
                invoices=chosen,
                reason=request.POST.get("reason", ""),
                message=request.POST.get("message", ""),
                files=files,
                ip=client_ip(request),
            )
        except BadInput as exc:
            error = _error_of(exc)
        else:
            return _thanks(
                request,
                link,
                _(
                    "Your dispute is recorded. Someone from our team will look into it and "
                    "come back to you."
                ),
            )
    return _action_page(
        request,
        link,
        "portal/dispute.html",
        error,
        reasons=DisputeReason.choices,
        max_files=3,
        max_mb=5,
    )


@portal_page
def plan(request: HttpRequest, link: PortalLink) -> HttpResponse:
    gate = _confirmed(request, link, "plan")
    if gate is not None:
        return gate
    error = None
    if request.method == "POST":
        try:
            chosen = selected_invoices(link.customer, _ids(request))
            raw = request.POST.get("instalments", "")
            if not raw.strip().isdigit():
                raise BadInput(_("instalments: a number of instalments."))
            done = requests.record_plan_request(
                link,
                invoices=chosen,
                instalments=int(raw),
                first_date=_date(request.POST.get("first_date", ""), "first_date"),
                today=_today(),
                message=request.POST.get("message", ""),
                ip=client_ip(request),
            )
        except BadInput as exc:
            error = _error_of(exc)
        else:
            made = PaymentPlan.objects.get(pk=done.payload["plan"], customer=link.customer)
            return render(
                request,
                "portal/plan_done.html",
                _context(
                    request,
                    link,
                    plan=made,
                    accepted=done.payload["outcome"] == requests.PLAN_ACTIVE,
                    instalments=list(made.instalments.order_by("number")),
                    agreement=plan_agreement(link.customer, made.pk),
                ),
            )
    return _action_page(
        request,
        link,
        "portal/plan.html",
        error,
        instalment_choices=range(requests.PLAN_MIN_INSTALMENTS, requests.PLAN_MAX_INSTALMENTS + 1),
        first_within=requests.PLAN_FIRST_WITHIN_DAYS,
        margin=portal_margin_for(link.creditor_id),
    )


@portal_page
def plan_agreement_pdf(request: HttpRequest, link: PortalLink, pk: int) -> HttpResponse:
    """The agreement PDF of one of this customer's agreed plans (404 for any other)."""
    found = plan_agreement(link.customer, pk)
    if found is None:
        raise Http404
    events.record(link, EventKind.DOCUMENT, client_ip(request), document="agreement", plan=pk)
    response = HttpResponse(bytes(found.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="payment-plan-{pk}.pdf"'
    return response


@portal_page
def contacts(request: HttpRequest, link: PortalLink) -> HttpResponse:
    gate = _confirmed(request, link, "contacts")
    if gate is not None:
        return gate
    error = None
    if request.method == "POST":
        raw = request.POST.get("contact", "")
        try:
            services.propose_contact(
                link,
                int(raw) if raw.isdigit() else None,
                {k: request.POST.get(k, "") for k in services.CONTACT_FIELDS},
                client_ip(request),
            )
        except BadInput as exc:
            error = _error_of(exc)
        else:
            return _thanks(
                request,
                link,
                _("Thank you: your new details will be used once our team has checked them."),
            )
    return render(
        request,
        "portal/contacts.html",
        _context(
            request,
            link,
            contacts=list(link.customer.contacts.all()),
            error=error,
            form=request.POST,
        ),
        status=400 if error else 200,
    )


# --------------------------------------------------------------------------- providers


def local_checkout(request: HttpRequest, ref: str) -> HttpResponse:
    """The local provider's hosted page (RELANCE_PAYMENT_PROVIDER=local only)."""
    if configured_name() != "local":
        raise Http404
    checkout = Checkout.objects.filter(provider="local", provider_ref=ref).first()
    if checkout is None:
        raise Http404
    back = reverse("portal:pay", args=[token_of(checkout.link)]) if checkout.link else "/"
    if request.method == "POST":
        if request.POST.get("decision") == "pay" and checkout.status == CheckoutStatus.OPEN:
            body = local.paid_event(
                checkout.provider_ref, checkout.amount_minor, checkout.currency, _today()
            )
            handle_webhook("local", body, {local.HEADER: local.sign(body)})
            if checkout.link is None:
                return HttpResponseRedirect("/")
            return HttpResponseRedirect(reverse("portal:pay_done", args=[token_of(checkout.link)]))
        return HttpResponseRedirect(back)
    amount = Money.from_minor(checkout.amount_minor, checkout.currency)
    return render(
        request,
        "portal/local_checkout.html",
        {"checkout": checkout, "amount": amount, "back": back, "lang": _lang()},
    )


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, name: str) -> HttpResponse:
    """The install-wide provider's notification: verified by the adapter, booked once."""
    if name != configured_name():
        raise Http404
    return _notified(request, name, None)


@csrf_exempt
@require_POST
def account_webhook(request: HttpRequest, name: str, key: str) -> HttpResponse:
    """A notification for a creditor's own payment account (its own address and secret):
    it can settle only the checkouts opened with that account. An inactive account's
    address still books the checkouts it opened; one never given its webhook secret is 404."""
    account = (
        PaymentAccount.objects.filter(provider=name, webhook_key=key)
        .exclude(webhook_secret="")
        .first()
    )
    if account is None:
        raise Http404
    return _notified(request, name, account)


def _notified(request: HttpRequest, name: str, account: PaymentAccount | None) -> HttpResponse:
    headers = {k: v for k, v in request.headers.items()}
    try:
        handle_webhook(name, request.body, headers, account=account)
    except WebhookRefused as exc:
        return HttpResponse(f"refused: {exc}", status=400, content_type="text/plain")
    except ProviderConfigError:
        raise Http404 from None
    return HttpResponse("ok", content_type="text/plain")
