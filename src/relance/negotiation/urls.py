"""URLs of the worklist and the customer timeline (included by relance.urls)."""

from django.urls import path

from relance.negotiation import views

urlpatterns = [
    path("worklist/", views.worklist_page, name="worklist"),
    path("customers/<int:pk>/timeline/", views.customer_timeline, name="customer_timeline"),
    path(
        "customers/<int:pk>/timeline.<str:fmt>",
        views.customer_timeline_export,
        name="customer_timeline_export",
    ),
]
