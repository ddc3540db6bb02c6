"""The archive copy of one message, for people who may see its customer."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from relance.accounts.access import customer_filter
from relance.channels.models import Correspondence
from relance.dunning.models import LABELS
from relance.web.access import member_required


@member_required
def correspondence(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    message = get_object_or_404(
        Correspondence.objects.select_related("customer").filter(**customer_filter(membership)),
        pk=pk,
    )
    context = {
        "message": message,
        "channel": LABELS.get(message.channel, message.channel),
        "intact": message.content_intact(),
    }
    return render(request, "channels/correspondence.html", context)


@member_required
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    message = get_object_or_404(Correspondence.objects.filter(**customer_filter(membership)), pk=pk)
    if not message.attachment:
        raise Http404
    response = HttpResponse(bytes(message.attachment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{message.attachment_name}"'
    return response
