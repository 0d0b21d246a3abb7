"""Websocket URL routes."""

from __future__ import annotations

from typing import Any

from django.urls import path

from atiende.chat.consumers import VisitorConsumer
from atiende.realtime.consumers import InboxConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/inbox/", InboxConsumer.as_asgi()),
    path("ws/chat/", VisitorConsumer.as_asgi()),
]
