"""URL routes of the workflow app (mounted at the site root: the app chooses its own prefixes)."""

from __future__ import annotations

from typing import Any

from django.urls import path

from atiende.workflow import views

app_name = "workflow"
urlpatterns: list[Any] = [
    path("inbox/presence/", views.set_status, name="status"),
    path("inbox/chats/", views.my_chats, name="my_chats"),
    path("inbox/c/<int:conversation_id>/routing/", views.routing_panel, name="routing_panel"),
    path("inbox/c/<int:conversation_id>/transfer/", views.transfer_view, name="transfer"),
]
