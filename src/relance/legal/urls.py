"""URLs of the legal-case pages (included by relance.urls)."""

from django.urls import path

from relance.legal import views

urlpatterns = [
    path("legal/", views.case_list, name="legal_cases"),
    path("legal/open/", views.case_open, name="legal_open"),
    path("legal/<int:pk>/", views.case_detail, name="legal_case"),
    path("legal/<int:pk>/events/", views.case_event, name="legal_event"),
    path("legal/<int:pk>/events/<int:event>/document/", views.case_document, name="legal_document"),
]
