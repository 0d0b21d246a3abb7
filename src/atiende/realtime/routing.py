"""Websocket URL routes.

Only the agents' socket reads the Django session (cookie → session → user: a thread hop and a
query per connection); the visitor's socket authenticates with its chat session token
(`chat.hops.open_socket`) and skips that middleware.
"""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from django.urls import path

from atiende.chat.consumers import VisitorConsumer
from atiende.realtime.consumers import InboxConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/inbox/", AuthMiddlewareStack(InboxConsumer.as_asgi())),
    path("ws/chat/", VisitorConsumer.as_asgi()),
]
