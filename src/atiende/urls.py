"""URL map: the agent inbox, the customer portal and Help form, the API, the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("atiende.api.urls")),
    path("mail/", include("atiende.mail.urls")),
    path("", include("atiende.chat.urls")),
    path("", include("atiende.workflow.urls")),
    path("", include("atiende.helpcenter.urls")),
    path("", include("atiende.assistant.urls")),
    path("", include("atiende.accounts.urls")),
    path("", include("atiende.consent.urls")),
    path("", include("atiende.satisfaction.urls")),
    path("", include("atiende.reports.urls")),
    path("", include("atiende.sla.urls")),
    path("", include("atiende.social.urls")),
    path("", include("atiende.webhooks.urls")),
    path("", include("atiende.portal.urls")),
    path("", include("atiende.conversations.urls")),
]
