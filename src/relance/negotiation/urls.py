"""URLs of the negotiation pages (included by relance.urls): disputes and calls (`views`),
promises, plans, settlements, approvals and margins (`arrangement_views`), the worklist and
the customer timeline (`workspace_views`)."""

from django.urls import path

from relance.negotiation import arrangement_views, views, workspace_views

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
    path(
        "customers/<int:pk>/promise/", arrangement_views.promise_new, name="negotiation_promise_new"
    ),
    path("customers/<int:pk>/plan/", arrangement_views.plan_new, name="negotiation_plan_new"),
    path(
        "customers/<int:pk>/settlement/",
        arrangement_views.settlement_new,
        name="negotiation_settlement_new",
    ),
    path(
        "promises/<int:pk>/cancel/",
        arrangement_views.promise_cancel,
        name="negotiation_promise_cancel",
    ),
    path("plans/sepa/", arrangement_views.sepa_download, name="negotiation_sepa"),
    path("plans/<int:pk>/", arrangement_views.plan_detail, name="negotiation_plan"),
    path("plans/<int:pk>/cancel/", arrangement_views.plan_cancel, name="negotiation_plan_cancel"),
    path(
        "plans/<int:pk>/send/", arrangement_views.agreement_send, name="negotiation_agreement_send"
    ),
    path(
        "plans/<int:pk>/agreements/<int:agreement>/pdf/",
        arrangement_views.agreement_pdf,
        name="negotiation_agreement_pdf",
    ),
    path(
        "settlements/<int:pk>/decision/",
        arrangement_views.settlement_decision,
        name="negotiation_settlement_decision",
    ),
    path("settlements/write-offs.csv", arrangement_views.write_offs, name="negotiation_write_offs"),
    path("approvals/", arrangement_views.approval_queue, name="negotiation_approvals"),
    path(
        "approvals/<int:pk>/decide/",
        arrangement_views.approval_decide,
        name="negotiation_approval_decide",
    ),
    path("settings/margins/", arrangement_views.margins_settings, name="negotiation_margins"),
    path("worklist/", workspace_views.worklist_page, name="worklist"),
    path(
        "customers/<int:pk>/timeline/", workspace_views.customer_timeline, name="customer_timeline"
    ),
    path(
        "customers/<int:pk>/timeline.<str:fmt>",
        workspace_views.customer_timeline_export,
        name="customer_timeline_export",
    ),
]
