"""URLs of the web UI."""

from django.contrib.auth import views as auth_views
from django.urls import path

from relance.web import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("creditor/", views.switch_creditor, name="switch_creditor"),
    path("customers/", views.customer_list, name="customers"),
    path("customers/<int:pk>/", views.customer_detail, name="customer"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("payments/", views.payment_list, name="payments"),
    path("payments/<int:pk>/", views.payment_detail, name="payment"),
    path("imports/", views.imports, name="imports"),
]
