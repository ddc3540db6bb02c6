"""URLs of the bank page (included by relance.urls)."""

from django.urls import path

from relance.banking import views

urlpatterns = [
    path("bank/", views.bank, name="bank"),
]
