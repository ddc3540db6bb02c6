"""URLs of the bank page (included by relance.urls)."""

from django.urls import path

from relance.banking import views

urlpatterns = [
    path("bank/", views.bank, name="bank"),
    path("bank/review/", views.review, name="bank_review"),
    path("bank/review/<int:pk>/", views.review_decide, name="bank_review_decide"),
]
