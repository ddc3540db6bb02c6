"""URLs of the reminders pages (included by relance.urls)."""

from django.urls import path

from relance.dunning import sending_views as sv
from relance.dunning import views

urlpatterns = [
    path("reminders/", views.reminders, name="reminders"),
    path("reminders/plan/", views.plan_today, name="reminders_plan"),
    path("reminders/decide/", views.decide_view, name="reminders_decide"),
    path("reminders/actions/<int:pk>/", sv.action_detail, name="reminders_action"),
    path("reminders/actions/<int:pk>/pdf/", sv.action_pdf, name="reminders_action_pdf"),
    path("reminders/actions/<int:pk>/edit/", sv.action_edit, name="reminders_action_edit"),
    path("reminders/templates/", sv.template_preview, name="reminders_templates"),
    path("reminders/templates/pdf/", sv.template_pdf, name="reminders_template_pdf"),
    path("customers/<int:pk>/send/", sv.send_reminder, name="customer_send"),
    path("customers/<int:pk>/statement/", sv.send_statement, name="customer_statement"),
    path("customers/<int:pk>/statement.pdf", sv.statement_pdf, name="customer_statement_pdf"),
    path("customers/<int:pk>/evidence.zip", sv.evidence_zip, name="customer_evidence"),
]
