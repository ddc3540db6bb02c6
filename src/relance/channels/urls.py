"""URLs of the correspondence archive (included by relance.urls)."""

from django.urls import path

from relance.channels import views
from relance.channels.webhooks import BrevoSmsReports, BrevoTracking

urlpatterns = [
    path("correspondence/<int:pk>/", views.correspondence, name="correspondence"),
    path(
        "correspondence/<int:pk>/attachment/",
        views.attachment,
        name="correspondence_attachment",
    ),
    path(
        "correspondence/<int:pk>/attachment/<int:position>/",
        views.attachment,
        name="correspondence_attachment_at",
    ),
    path(
        "correspondence/<int:pk>/captured/<int:position>/",
        views.captured_attachment,
        name="correspondence_captured_attachment",
    ),
    path(
        "correspondence/<int:pk>/registered/",
        views.registered,
        name="correspondence_registered",
    ),
    path("webhooks/brevo/tracking/", BrevoTracking.as_view(), name="webhook_brevo_tracking"),
    path("webhooks/brevo/sms/", BrevoSmsReports.as_view(), name="webhook_brevo_sms"),
]
