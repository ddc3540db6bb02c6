"""URLs of the replies pages and the inbound webhook (included by relance.urls)."""

from django.urls import path

from relance.replies import views
from relance.replies.webhooks import BrevoInbound

urlpatterns = [
    path("replies/", views.reply_list, name="replies"),
    path("replies/<int:pk>/", views.reply_detail, name="reply"),
    path("replies/<int:pk>/raw/", views.reply_raw, name="reply_raw"),
    path(
        "replies/<int:pk>/attachments/<int:attachment>/",
        views.reply_attachment,
        name="reply_attachment",
    ),
    path("replies/<int:pk>/handle/", views.reply_handle, name="reply_handle"),
    path("replies/<int:pk>/assign/", views.reply_assign, name="reply_assign"),
    path("replies/<int:pk>/ignore/", views.reply_ignore, name="reply_ignore"),
    path("webhooks/brevo/inbound/", BrevoInbound.as_view(), name="webhook_brevo_inbound"),
]
