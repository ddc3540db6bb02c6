"""URLs of the correspondence archive (included by relance.urls)."""

from django.urls import path

from relance.channels import views

urlpatterns = [
    path("correspondence/<int:pk>/", views.correspondence, name="correspondence"),
    path(
        "correspondence/<int:pk>/attachment/",
        views.attachment,
        name="correspondence_attachment",
    ),
]
