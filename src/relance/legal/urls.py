"""URLs of the legal-case pages (included by relance.urls)."""

from django.urls import path

from relance.legal import doc_views, views

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

urlpatterns += [
    path("legal/penalty-invoices/", doc_views.penalty_list, name="legal_penalty_invoices"),
    path("legal/penalty-invoices/<int:pk>/pdf/", doc_views.penalty_pdf, name="legal_penalty_pdf"),
    path(
        "legal/penalty-invoices/<int:pk>/waive/",
        doc_views.penalty_waive,
        name="legal_penalty_waive",
    ),
    path("legal/<int:pk>/penalty-invoice/", doc_views.penalty_issue, name="legal_penalty_issue"),
    path("legal/<int:pk>/notice/", doc_views.notice_create, name="legal_notice"),
    path("legal/<int:pk>/notice/<int:notice>/pdf/", doc_views.notice_pdf, name="legal_notice_pdf"),
    path("legal/<int:pk>/court-file/", doc_views.court_file_download, name="legal_court_file"),
]
