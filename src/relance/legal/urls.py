"""URLs of the legal-case pages (included by relance.urls)."""

from django.urls import path

from relance.legal import views

urlpatterns = [
    path("legal/", views.case_list, name="legal_cases"),
    path("legal/open/", views.case_open, name="legal_open"),
    path("legal/<int:pk>/", views.case_detail, name="legal_case"),
    path("legal/<int:pk>/events/", views.case_event, name="legal_event"),
    path("legal/<int:pk>/events/<int:event>/document/", views.case_document, name="legal_document"),
    path("legal/<int:pk>/handover/", views.case_handover, name="legal_handover"),
    path("legal/<int:pk>/mandate/", views.case_mandate, name="legal_mandate"),
    path("legal/<int:pk>/collections/", views.case_collection, name="legal_collection"),
]
