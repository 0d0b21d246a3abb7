"""URLs of the sla app."""

from django.urls import URLPattern, URLResolver

app_name = "sla"

urlpatterns: list[URLPattern | URLResolver] = []
