"""URLs of the analytics pages (included by relance.urls)."""

from django.urls import path

from relance.analytics import views

urlpatterns = [
    path("forecast/", views.forecast_page, name="forecast"),
    path("dashboards/", views.dashboards_page, name="dashboards"),
]
