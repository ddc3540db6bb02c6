"""URLs of the debtor portal (public, by personal link) and of its staff pages."""

from django.urls import path

from relance.portal import staff_views, views

app_name = "portal"

urlpatterns = [
    path("p/<str:token>/", views.home, name="home"),
    path("p/<str:token>/invoices/<int:pk>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("p/<str:token>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("p/<str:token>/pay/", views.pay, name="pay"),
    path("p/<str:token>/pay/qr.svg", views.pay_qr, name="pay_qr"),
    path("p/<str:token>/pay/online/", views.pay_online, name="pay_online"),
    path("p/<str:token>/pay/done/", views.pay_done, name="pay_done"),
    path("p/<str:token>/paid/", views.announce, name="announce"),
    path("p/<str:token>/confirm/", views.confirm, name="confirm"),
    path("p/<str:token>/promise/", views.promise, name="promise"),
    path("p/<str:token>/dispute/", views.dispute, name="dispute"),
    path("p/<str:token>/plan/", views.plan, name="plan"),
    path(
        "p/<str:token>/plans/<int:pk>/agreement.pdf",
        views.plan_agreement_pdf,
        name="plan_agreement",
    ),
    path("p/<str:token>/contacts/", views.contacts, name="contacts"),
    path("portal/pay/local/<str:ref>/", views.local_checkout, name="local_checkout"),
    path("portal/webhooks/<str:name>/", views.webhook, name="webhook"),
    path("portal/webhooks/<str:name>/<str:key>/", views.account_webhook, name="account_webhook"),
    path("portal/settings/payment/", staff_views.payment_account, name="payment_account"),
    path("portal/review/", staff_views.review, name="review"),
    path("portal/review/proposals/<int:pk>/", staff_views.review_proposal, name="proposal"),
    path("portal/review/requests/<int:pk>/", staff_views.request_handled, name="request"),
    path("portal/review/attachments/<int:pk>/", staff_views.attachment, name="attachment"),
    path("customers/<int:pk>/portal/revoke/", staff_views.revoke, name="revoke"),
]
