"""The archive copy of one message, for people who may see its customer.

A message the capture backend "sent" also shows what that backend stored (every attachment,
each downloadable): the message as it would have been delivered."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from relance.accounts.access import customer_filter
from relance.channels.forms import TrackingForm
from relance.channels.models import (
    CapturedAttachment,
    CapturedMessage,
    Correspondence,
    CorrespondenceAttachment,
    RegisteredMail,
)
from relance.channels.registered import InvalidTracking, Tracking, update_tracking
from relance.dunning.models import LABELS
from relance.web.access import member_required


@member_required
def correspondence(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    message = get_object_or_404(
        Correspondence.objects.select_related("customer").filter(**customer_filter(membership)),
        pk=pk,
    )
    return _page(request, message, None)


def _page(
    request: HttpRequest, message: Correspondence, form: TrackingForm | None, status: int = 200
) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    registered = RegisteredMail.objects.filter(correspondence=message).first()
    checked = message.verify()
    captured = _captured(message)
    context: dict[str, Any] = {
        "message": message,
        "channel": LABELS.get(message.channel, message.channel),
        "intact": checked.message_intact,
        "attachments": checked.attachments,
        "captured": captured,
        "captured_files": list(captured.attachments.defer("content")) if captured else [],
        "registered": registered,
        "events": list(message.delivery_events.all()),
        "can_track": message.channel == "registered_letter" and membership.can_write,
    }
    if context["can_track"]:
        context["form"] = form or TrackingForm(
            initial={
                "tracking_number": registered.tracking_number if registered else "",
                "presented_on": registered.presented_on if registered else None,
                "acknowledged_on": registered.acknowledged_on if registered else None,
            }
        )
    return render(request, "channels/correspondence.html", context, status=status)


def _captured(message: Correspondence) -> CapturedMessage | None:
    """What the capture backend stored for this message (None for another backend)."""
    if message.backend != "capture":
        return None
    return CapturedMessage.objects.filter(idempotency_key=message.idempotency_key).first()


@require_POST
@member_required
def registered(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a registered letter's tracking number, presentation and AR dates."""
    membership = request.membership  # type: ignore[attr-defined]
    message = get_object_or_404(
        Correspondence.objects.select_related("customer").filter(**customer_filter(membership)),
        pk=pk,
        channel="registered_letter",
    )
    if not membership.can_write:
        return HttpResponse(status=403)
    form = TrackingForm(request.POST)
    if not form.is_valid():
        return _page(request, message, form, status=400)
    data = form.cleaned_data
    try:
        update_tracking(
            message,
            Tracking(
                data["tracking_number"] or None, data["presented_on"], data["acknowledged_on"]
            ),
            today=timezone.localdate(),
            user=request.user,
        )
    except InvalidTracking as exc:
        for name, why in exc.problems:
            form.add_error(name, why)
        return _page(request, message, form, status=400)
    return redirect("correspondence", pk=message.pk)


@member_required
def attachment(request: HttpRequest, pk: int, position: int = 1) -> HttpResponse:
    """One attachment of an archived message, exactly as sent (the first by default)."""
    membership = request.membership  # type: ignore[attr-defined]
    message = get_object_or_404(Correspondence.objects.filter(**customer_filter(membership)), pk=pk)
    found = CorrespondenceAttachment.objects.filter(correspondence=message, position=position)
    file = found.first()
    if file is None:
        raise Http404
    response = HttpResponse(bytes(file.content), content_type=file.mimetype)
    # a PDF opens in the browser; anything else is downloaded
    header = content_disposition_header(file.mimetype != "application/pdf", file.filename)
    if header:
        response["Content-Disposition"] = header
    return response


@member_required
def captured_attachment(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    """One attachment as the capture backend stored it, for people who may see the archived
    message's customer."""
    membership = request.membership  # type: ignore[attr-defined]
    message = get_object_or_404(
        Correspondence.objects.filter(**customer_filter(membership)), pk=pk, backend="capture"
    )
    file = CapturedAttachment.objects.filter(
        message__idempotency_key=message.idempotency_key, position=position
    ).first()
    if file is None:
        raise Http404
    response = HttpResponse(bytes(file.content), content_type=file.content_type)
    header = content_disposition_header(file.content_type != "application/pdf", file.filename)
    if header:
        response["Content-Disposition"] = header
    response["X-Content-Type-Options"] = "nosniff"
    return response
