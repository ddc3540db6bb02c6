"""URLs of the dispute and call pages (included by relance.urls)."""

from django.urls import path

from relance.negotiation import views

urlpatterns = [
    path("customers/<int:pk>/call/", views.call_screen, name="call_screen"),
    path("customers/<int:pk>/call/fields/", views.call_fields, name="call_fields"),
    path("customers/<int:pk>/disputes/new/", views.dispute_new, name="dispute_new"),
    path("contacts/<int:pk>/phone-checked/", views.phone_checked, name="phone_checked"),
    path("disputes/", views.dispute_list, name="disputes"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute"),
    path("disputes/<int:pk>/change/", views.dispute_change, name="dispute_change"),
    path("disputes/<int:pk>/notes/", views.dispute_note, name="dispute_note"),
    path("disputes/<int:pk>/resolve/", views.dispute_resolve, name="dispute_resolve"),
]
