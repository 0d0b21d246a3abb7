"""The agents' websocket, through the real ASGI application (auth, origin check, routing) and
the configured channel layer: in-process by default, Redis when REDIS_URL is set."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client

from atiende.asgi import application
from atiende.conversations import actions
from atiende.conversations.models import Conversation
from atiende.people.models import User
from tests.factories import Factory
from tests.realtime.communicator import WebsocketClient

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 5


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(cookie: bytes | None = None) -> WebsocketClient:
    headers = [(b"origin", b"http://testserver")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketClient(application, "/ws/inbox/", headers=headers)


async def next_of(communicator: WebsocketClient, kind: str) -> dict[str, Any]:
    """The next message of type `kind` (events of other kinds, e.g. delivery, are skipped)."""
    while True:
        message: dict[str, Any] = await communicator.receive_json_from(timeout=TIMEOUT)
        if message["type"] == kind:
            return message


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


def test_anonymous_is_rejected(db: None) -> None:
    async def scenario() -> None:
        communicator = socket()
        connected, code = await communicator.connect(timeout=TIMEOUT)
        assert not connected
        assert code == 4401

    run(scenario)


def test_inactive_agent_is_rejected(factory: Factory) -> None:
    agent = factory.user()
    cookie = session_cookie(agent)
    User.objects.filter(pk=agent.pk).update(is_active=False)

    async def scenario() -> None:
        connected, _code = await socket(cookie).connect(timeout=TIMEOUT)
        assert not connected

    run(scenario)


def test_foreign_origin_is_rejected(factory: Factory) -> None:
    cookie = session_cookie(factory.user())

    async def scenario() -> None:
        communicator = WebsocketClient(
            application,
            "/ws/inbox/",
            headers=[(b"origin", b"http://evil.example"), (b"cookie", cookie)],
        )
        connected, _code = await communicator.connect(timeout=TIMEOUT)
        assert not connected

    run(scenario)


def test_events_only_for_visible_conversations(factory: Factory) -> None:
    team_a, team_b = factory.team(), factory.team()
    inbox_a, inbox_b = factory.inbox(team=team_a), factory.inbox(team=team_b)
    visible = factory.conversation(inbox_a)
    invisible = factory.conversation(inbox_b)
    agent = factory.user(teams=[team_a])
    cookie = session_cookie(agent)

    async def scenario() -> None:
        communicator = socket(cookie)
        connected, _code = await communicator.connect(timeout=TIMEOUT)
        assert connected
        # The invisible one first: if it leaked, it would be the first event received.
        await database_sync_to_async(factory.inbound)(
            inbox_b, invisible.contact.email, "secret", conversation_id=invisible.pk
        )
        await database_sync_to_async(factory.inbound)(
            inbox_a, visible.contact.email, "hello", conversation_id=visible.pk
        )
        event = await next_of(communicator, "event")
        assert event["conversation_id"] == visible.pk
        assert event["kind"] == "message.created"
        assert isinstance(event["event_id"], int)
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()

    run(scenario)


def test_event_reaches_a_watching_socket_once(factory: Factory) -> None:
    agent = factory.user(role="admin")
    conversation = factory.conversation()
    cookie = session_cookie(agent)

    async def scenario() -> None:
        communicator = socket(cookie)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await communicator.send_json_to({"type": "watch", "conversation_id": conversation.pk})
        await database_sync_to_async(actions.change_priority)(agent, conversation, "high")
        event = await next_of(communicator, "event")
        assert event["kind"] == "conversation.priority_changed"
        # In both the inbox group and the conversation group, yet forwarded once.
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()

    run(scenario)


def test_ping_pong(factory: Factory) -> None:
    cookie = session_cookie(factory.user())

    async def scenario() -> None:
        communicator = socket(cookie)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await communicator.send_json_to({"type": "ping"})
        assert await next_of(communicator, "pong") == {"type": "pong"}
        await communicator.disconnect()

    run(scenario)


def test_presence_viewing_typing_left(factory: Factory) -> None:
    team = factory.team()
    conversation: Conversation = factory.conversation(factory.inbox(team=team))
    ana = factory.user(teams=[team], display_name="Ana")
    bruno = factory.user(teams=[team], display_name="Bruno")
    ana_cookie, bruno_cookie = session_cookie(ana), session_cookie(bruno)
    watch = {"type": "watch", "conversation_id": conversation.pk}

    async def scenario() -> None:
        first, second = socket(ana_cookie), socket(bruno_cookie)
        assert (await first.connect(timeout=TIMEOUT))[0]
        assert (await second.connect(timeout=TIMEOUT))[0]
        await first.send_json_to(watch)
        await second.send_json_to(watch)
        # Ana hears Bruno arrive; Bruno hears Ana introduce herself.
        assert await next_of(first, "presence") == {
            "type": "presence",
            "conversation_id": conversation.pk,
            "user_id": bruno.pk,
            "name": "Bruno",
            "state": "viewing",
        }
        seen_by_bruno = await next_of(second, "presence")
        assert (seen_by_bruno["user_id"], seen_by_bruno["state"]) == (ana.pk, "viewing")
        await second.send_json_to({"type": "typing", "conversation_id": conversation.pk})
        typing = await next_of(first, "presence")
        assert (typing["user_id"], typing["state"]) == (bruno.pk, "typing")
        await second.disconnect()
        left = await next_of(first, "presence")
        assert (left["user_id"], left["state"]) == (bruno.pk, "left")
        await first.disconnect()

    run(scenario)


def test_cannot_watch_an_invisible_conversation(factory: Factory) -> None:
    hidden = factory.conversation(factory.inbox(team=factory.team()))
    colleague = factory.user(role="admin")
    cookie = session_cookie(factory.user(teams=[factory.team()]))
    colleague_cookie = session_cookie(colleague)

    async def scenario() -> None:
        outsider, insider = socket(cookie), socket(colleague_cookie)
        assert (await outsider.connect(timeout=TIMEOUT))[0]
        assert (await insider.connect(timeout=TIMEOUT))[0]
        await next_of(insider, "hello")
        await insider.send_json_to({"type": "watch", "conversation_id": hidden.pk})
        await outsider.send_json_to({"type": "watch", "conversation_id": hidden.pk})
        reply = await next_of(outsider, "error")
        assert reply == {"type": "error", "detail": "Conversation not found."}
        # The outsider's presence never reaches those watching the conversation.
        assert await insider.receive_nothing(timeout=0.3)
        await outsider.disconnect()
        await insider.disconnect()

    run(scenario)
