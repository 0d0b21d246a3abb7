"""URLs of the social app: one webhook address per inbox."""

from django.urls import URLPattern, URLResolver, path

from atiende.social.webhook import webhook

app_name = "social"

urlpatterns: list[URLPattern | URLResolver] = [
    path("social/<int:inbox_id>/webhook", webhook, name="webhook"),
]
