"""URLs of the reminders pages (included by relance.urls)."""

from django.urls import path

from relance.dunning import views

urlpatterns = [
    path("reminders/", views.reminders, name="reminders"),
    path("reminders/plan/", views.plan_today, name="reminders_plan"),
    path("reminders/decide/", views.decide_view, name="reminders_decide"),
]
