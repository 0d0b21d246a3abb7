"""URL routes of the chat app (mounted at the site root: the app chooses its own prefixes)."""

from __future__ import annotations

from typing import Any

from django.urls import path

from atiende.chat import views

app_name = "chat"
urlpatterns: list[Any] = [
    path("chat/frame/<str:key>/", views.frame, name="frame"),
    path("chat/files/<str:signed>/", views.attachment, name="attachment"),
    path("demo/sonora/", views.demo_page, name="demo"),
]
