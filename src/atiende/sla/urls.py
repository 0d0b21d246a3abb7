"""URLs of the sla app (mounted at the site root)."""

from django.urls import URLPattern, URLResolver, path

from atiende.sla import views

app_name = "sla"

urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox/c/<int:conversation_id>/sla/", views.panel, name="panel"),
]
