"""URLs of the negotiation pages (included by relance.urls)."""

from django.urls import path

from relance.negotiation import views

urlpatterns = [
    path("customers/<int:pk>/promise/", views.promise_new, name="negotiation_promise_new"),
    path("customers/<int:pk>/plan/", views.plan_new, name="negotiation_plan_new"),
    path("customers/<int:pk>/settlement/", views.settlement_new, name="negotiation_settlement_new"),
    path("promises/<int:pk>/cancel/", views.promise_cancel, name="negotiation_promise_cancel"),
    path("plans/sepa/", views.sepa_download, name="negotiation_sepa"),
    path("plans/<int:pk>/", views.plan_detail, name="negotiation_plan"),
    path("plans/<int:pk>/cancel/", views.plan_cancel, name="negotiation_plan_cancel"),
    path("plans/<int:pk>/send/", views.agreement_send, name="negotiation_agreement_send"),
    path(
        "plans/<int:pk>/agreements/<int:agreement>/pdf/",
        views.agreement_pdf,
        name="negotiation_agreement_pdf",
    ),
    path(
        "settlements/<int:pk>/decision/",
        views.settlement_decision,
        name="negotiation_settlement_decision",
    ),
    path("settlements/write-offs.csv", views.write_offs, name="negotiation_write_offs"),
    path("approvals/", views.approval_queue, name="negotiation_approvals"),
    path("approvals/<int:pk>/decide/", views.approval_decide, name="negotiation_approval_decide"),
    path("settings/margins/", views.margins_settings, name="negotiation_margins"),
]
