"""Shared set-up for the chat tests: a chat inbox with its widget, sessions, visitor sockets."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from atiende.asgi import application
from atiende.chat.models import ChatWidget
from atiende.inboxes.models import ChannelKind
from tests.factories import Factory
from tests.realtime.communicator import WebsocketClient

TIMEOUT = 5


def chat_widget(factory: Factory, **fields: Any) -> ChatWidget:
    inbox = factory.inbox(channel=ChannelKind.CHAT)
    return ChatWidget.objects.create(inbox=inbox, **fields)


def open_session(widget: ChatWidget, **payload: Any) -> dict[str, Any]:
    response = Client().post(
        f"/api/chat/{widget.key}/sessions",
        data=json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def visitor_socket(session: str) -> WebsocketClient:
    client = WebsocketClient(application, "/ws/chat/", headers=[(b"origin", b"http://testserver")])
    client.scope["query_string"] = f"session={session}".encode()
    return client


async def connected(session: str) -> WebsocketClient:
    client = visitor_socket(session)
    ok, code = await client.connect(timeout=TIMEOUT)
    assert ok, code
    ready = await client.receive_json_from(TIMEOUT)
    assert ready["type"] == "ready", ready
    return client


async def next_of(client: WebsocketClient, kind: str) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = await client.receive_json_from(TIMEOUT)
        if frame["type"] == kind:
            return frame


async def closed_with(client: WebsocketClient) -> int:
    """The close code the server ended the socket with (skipping frames before it)."""
    while True:
        output = await client.receive_output(TIMEOUT)
        if output["type"] == "websocket.close":
            return int(output.get("code", 1000))
