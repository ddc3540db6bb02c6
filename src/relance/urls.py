"""URL map: web UI, REST API, Django admin."""

from django.contrib import admin
from django.urls import include, path

from relance.api.urls import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("relance.dunning.urls")),
    path("", include("relance.channels.urls")),
    path("", include("relance.analytics.urls")),
    path("", include("relance.legal.urls")),
    path("", include("relance.negotiation.urls")),
    path("", include("relance.banking.urls")),
    path("", include("relance.replies.urls")),
    path("", include("relance.portal.urls")),
    path("", include("relance.web.urls")),
]
