"""The visitor websocket through the real ASGI application and channel layer (in-process, or
Redis with REDIS_URL): acks after commit, idempotent resends, replay on resume, bad input."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from atiende.chat import extensions, limits
from atiende.chat.models import ChatState, ChatWidget
from atiende.conversations import actions
from atiende.conversations.models import Conversation, Direction, Message
from atiende.core import tasks
from atiende.core.events import conversation_group
from atiende.people.models import Role
from tests.chat.helpers import (
    TIMEOUT,
    chat_widget,
    closed_with,
    connected,
    next_of,
    open_session,
    visitor_socket,
)
from tests.factories import Factory

pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


@pytest.fixture
def widget(factory: Factory) -> ChatWidget:
    return chat_widget(factory)


def reply(conversation_id: int, text: str) -> None:
    conversation = Conversation.objects.get(pk=conversation_id)
    agent = Factory().user(role=Role.ADMIN)
    actions.send_reply(agent, conversation, text=text)


agent_reply = database_sync_to_async(reply)
count_messages = database_sync_to_async(lambda: Message.objects.count())


def test_ack_comes_after_the_message_is_stored(widget: ChatWidget) -> None:
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        client_id = str(uuid.uuid4())
        await client.send_json_to({"type": "message", "client_id": client_id, "text": "Hola"})
        ack = await next_of(client, "ack")
        stored = await database_sync_to_async(
            lambda: Message.objects.get(inbox=widget.inbox, external_id=client_id)
        )()
        assert (ack["client_id"], ack["seq"], ack["conversation_id"]) == (
            client_id,
            stored.seq,
            stored.conversation_id,
        )
        assert stored.direction == Direction.INBOUND
        assert stored.body_text == "Hola"
        await client.disconnect()

    run(scenario)


def test_a_resent_message_is_stored_once(widget: ChatWidget) -> None:
    session = open_session(widget)["session"]
    client_id = str(uuid.uuid4())

    async def scenario() -> None:
        first = await connected(session)
        await first.send_json_to({"type": "message", "client_id": client_id, "text": "Once"})
        ack = await next_of(first, "ack")
        await first.disconnect()
        # The socket "died" before the client saw the ack: it resends on a new socket.
        second = await connected(session)
        await second.send_json_to({"type": "message", "client_id": client_id, "text": "Once"})
        again = await next_of(second, "ack")
        assert again["seq"] == ack["seq"]
        assert await count_messages() == 1
        await second.disconnect()

    run(scenario)


def test_resume_replays_what_was_missed_exactly_once(widget: ChatWidget) -> None:
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        await client.send_json_to({"type": "message", "client_id": "c-" + "1" * 10, "text": "Hi"})
        ack = await next_of(client, "ack")
        await client.disconnect()
        for number in range(3):
            await agent_reply(ack["conversation_id"], f"Answer {number}")
        client = await connected(session)
        await client.send_json_to({"type": "resume", "last_seq": ack["seq"]})
        frames = []
        while (frame := await client.receive_json_from(TIMEOUT))["type"] != "resumed":
            frames.append(frame)
        texts = [frame["text"] for frame in frames if frame["type"] == "message"]
        assert texts == ["Answer 0", "Answer 1", "Answer 2"]
        assert all(frame["direction"] == "outbound" for frame in frames)
        # The outbox delivers each reply once more through the layer: the socket drops those.
        await database_sync_to_async(tasks.drain)()
        assert await client.receive_nothing(0.5)
        await client.disconnect()

    run(scenario)


def test_an_agent_reply_reaches_the_connected_visitor_once(widget: ChatWidget) -> None:
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        await client.send_json_to({"type": "message", "client_id": "c-" + "2" * 10, "text": "Hi"})
        ack = await next_of(client, "ack")
        await agent_reply(ack["conversation_id"], "Hello from Ana")
        frame = await next_of(client, "message")
        while frame["direction"] == "inbound":  # the visitor's own message, for other tabs
            frame = await next_of(client, "message")
        assert frame["text"] == "Hello from Ana"
        assert frame["seq"] == ack["seq"] + 1
        await database_sync_to_async(tasks.drain)()
        assert await client.receive_nothing(0.5)
        await client.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_frame"),
        ("[1, 2]", "bad_frame"),
        ('{"type": "launch"}', "bad_frame"),
        ('{"type": "message", "text": "no id"}', "invalid"),
        ('{"type": "message", "client_id": "cid-123456", "text": "   "}', "empty"),
        ('{"type": "resume", "last_seq": "x"}', "bad_frame"),
        (
            '{"type": "message", "client_id": "cid-123456", "text": "' + "x" * 5000 + '"}',
            "too_large",
        ),
        ('{"type": "ping", "pad": "' + "x" * 20000 + '"}', "too_large"),
    ],
)
def test_bad_frames_get_a_clear_error_and_the_socket_keeps_serving(
    widget: ChatWidget, raw: str, code: str
) -> None:
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        await client.send_input({"type": "websocket.receive", "text": raw})
        error = await next_of(client, "error")
        assert error["code"] == code
        assert error["detail"]
        await client.send_json_to({"type": "ping"})
        assert (await next_of(client, "pong"))["type"] == "pong"
        assert await count_messages() == 0
        await client.disconnect()

    run(scenario)


def test_an_unknown_or_expired_session_is_closed_4401(db: None) -> None:
    async def scenario() -> None:
        client = visitor_socket("not-a-session")
        ok, _code = await client.connect(timeout=TIMEOUT)
        assert ok
        assert await closed_with(client) == 4401

    run(scenario)


def test_message_flood_is_refused_per_visitor(widget: ChatWidget, settings: Any) -> None:
    settings.ATIENDE_RATE_LIMIT_ENABLED = True
    settings.ATIENDE_RATE_LIMITS = {**settings.ATIENDE_RATE_LIMITS, "chat_message_visitor": (2, 60)}
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        for number in range(3):
            await client.send_json_to(
                {"type": "message", "client_id": f"flood-{number:06d}", "text": "spam"}
            )
        assert (await next_of(client, "ack"))["client_id"] == "flood-000000"
        assert (await next_of(client, "ack"))["client_id"] == "flood-000001"
        error = await next_of(client, "error")
        assert (error["code"], error["client_id"]) == ("rate_limited", "flood-000002")
        assert await count_messages() == 2
        await client.disconnect()

    run(scenario)


def test_connection_flood_is_closed_4429(widget: ChatWidget, settings: Any) -> None:
    settings.ATIENDE_RATE_LIMIT_ENABLED = True
    settings.ATIENDE_RATE_LIMITS = {**settings.ATIENDE_RATE_LIMITS, "chat_connect_visitor": (1, 60)}
    session = open_session(widget)["session"]

    async def scenario() -> None:
        first = await connected(session)
        second = visitor_socket(session)
        await second.connect(timeout=TIMEOUT)
        assert await closed_with(second) == 4429
        await first.send_json_to({"type": "ping"})
        assert (await next_of(first, "pong"))["type"] == "pong"
        await first.disconnect()

    run(scenario)


def test_frames_beyond_the_socket_budget_are_refused(widget: ChatWidget) -> None:
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        for _ in range(limits.FRAME_BURST + 5):
            await client.send_json_to({"type": "ping"})
        kinds = [
            (await client.receive_json_from(TIMEOUT))["type"] for _ in range(limits.FRAME_BURST + 5)
        ]
        assert "error" in kinds
        assert kinds.count("pong") >= limits.FRAME_BURST
        await client.disconnect()

    run(scenario)


def test_visitor_typing_reaches_the_agents_group(widget: ChatWidget) -> None:
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        await client.send_json_to({"type": "message", "client_id": "c-" + "3" * 10, "text": "Hi"})
        ack = await next_of(client, "ack")
        layer = get_channel_layer()
        agent = await layer.new_channel()
        await layer.group_add(conversation_group(ack["conversation_id"]), agent)
        await client.send_json_to({"type": "page", "url": "https://sonora.example/pricing"})
        await client.send_json_to({"type": "typing", "text": "my card was charged tw"})
        heard = await layer.receive(agent)
        assert heard["type"] == "atiende.visitor_typing"
        assert heard["preview"] == "my card was charged tw"
        assert heard["page_url"] == "https://sonora.example/pricing"
        await client.disconnect()

    run(scenario)


def test_agent_presence_shows_typing_and_seen(widget: ChatWidget) -> None:
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        await client.send_json_to({"type": "message", "client_id": "c-" + "4" * 10, "text": "Hi"})
        ack = await next_of(client, "ack")
        # Agents announce their presence to the visitors' group (realtime.consumers.announce).
        await get_channel_layer().group_send(
            extensions.conversation_visitors_group(ack["conversation_id"]),
            {"type": "atiende.presence", "conversation_id": ack["conversation_id"],
             "user_id": 1, "name": "Ana", "state": "typing", "sender": "x", "hello": False},
        )  # fmt: skip
        assert (await next_of(client, "typing"))["name"] == "Ana"
        read = await next_of(client, "read")
        assert (read["by"], read["seq"]) == ("agent", ack["seq"])
        await client.disconnect()

    run(scenario)


def test_other_apps_push_to_visitors_and_add_buttons(widget: ChatWidget) -> None:
    clicked: list[tuple[int, int]] = []

    def buttons(message: Message) -> list[dict[str, str]]:
        return (
            [{"id": "solved", "label": "That solved it"}] if message.direction == "outbound" else []
        )

    extensions.register_message_actions(buttons)
    extensions.register_action_handler(
        "solved",
        lambda conversation, message, contact: clicked.append((conversation.pk, message.seq)),
    )
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        await client.send_json_to({"type": "message", "client_id": "c-" + "5" * 10, "text": "Hi"})
        ack = await next_of(client, "ack")
        conversation_id = ack["conversation_id"]
        await database_sync_to_async(extensions.send_to_visitor)(
            conversation_id, {"type": "queue", "position": 3}
        )
        assert (await next_of(client, "queue"))["position"] == 3
        await agent_reply(conversation_id, "Try restarting the app")
        frame = await next_of(client, "message")
        while frame["direction"] != "outbound":
            frame = await next_of(client, "message")
        assert frame["actions"] == [{"id": "solved", "label": "That solved it"}]
        await client.send_json_to({"type": "action", "seq": frame["seq"], "action": "solved"})
        await client.send_json_to({"type": "action", "seq": frame["seq"], "action": "nope"})
        assert (await next_of(client, "error"))["code"] == "unknown_action"
        assert clicked == [(conversation_id, frame["seq"])]
        await client.disconnect()

    try:
        run(scenario)
    finally:
        extensions._action_sources.remove(buttons)
        extensions._action_handlers.pop("solved")


def test_reading_marks_replies_read(widget: ChatWidget) -> None:
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        await client.send_json_to({"type": "message", "client_id": "c-" + "6" * 10, "text": "Hi"})
        ack = await next_of(client, "ack")
        await agent_reply(ack["conversation_id"], "Hello")
        await client.send_json_to({"type": "read", "seq": ack["seq"] + 1})
        read = await next_of(client, "read")
        assert (read["by"], read["seq"]) == ("visitor", ack["seq"] + 1)
        status = await database_sync_to_async(
            lambda: Message.objects.get(seq=ack["seq"] + 1).delivery_status
        )()
        assert status == "read"
        await client.disconnect()

    run(scenario)


def test_frames_are_json_objects(widget: ChatWidget) -> None:
    """Binary frames are refused like malformed text."""
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        await client.send_input({"type": "websocket.receive", "bytes": json.dumps({}).encode()})
        assert (await next_of(client, "error"))["code"] == "bad_frame"
        await client.disconnect()

    run(scenario)


def test_a_silent_socket_is_closed(widget: ChatWidget, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "SILENT_CLOSE_SECONDS", 0.2)
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        assert await closed_with(client) == 4408

    run(scenario)


def test_writing_after_a_closed_conversation_follows_the_visitor(widget: ChatWidget) -> None:
    session = open_session(widget)["session"]

    def close(conversation_id: int) -> None:
        agent = Factory().user(role=Role.ADMIN)
        actions.change_status(agent, Conversation.objects.get(pk=conversation_id), "closed")

    async def scenario() -> None:
        client = await connected(session)
        await client.send_json_to({"type": "message", "client_id": "c-" + "7" * 10, "text": "One"})
        first = await next_of(client, "ack")
        await database_sync_to_async(close)(first["conversation_id"])
        await client.send_json_to({"type": "message", "client_id": "c-" + "8" * 10, "text": "Two"})
        switched = await next_of(client, "conversation")
        ack = await next_of(client, "ack")
        assert switched["conversation_id"] == ack["conversation_id"] != first["conversation_id"]
        assert ack["seq"] == 1
        follow_up = await database_sync_to_async(
            lambda: Conversation.objects.get(pk=ack["conversation_id"]).follow_up_of_id
        )()
        assert follow_up == first["conversation_id"]
        await client.disconnect()

    run(scenario)


def test_a_failed_write_leaves_the_message_to_resend_and_the_socket_open(
    widget: ChatWidget, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = open_session(widget)["session"]
    from atiende.chat import actions as chat_actions

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database is locked")

    async def scenario() -> None:
        client = await connected(session)
        monkeypatch.setattr(chat_actions, "receive_message", broken)
        await client.send_json_to({"type": "message", "client_id": "c-" + "9" * 10, "text": "Hi"})
        error = await next_of(client, "error")
        assert (error["code"], error["client_id"]) == ("unavailable", "c-" + "9" * 10)
        monkeypatch.undo()
        await client.send_json_to({"type": "message", "client_id": "c-" + "9" * 10, "text": "Hi"})
        assert (await next_of(client, "ack"))["seq"] == 1
        assert await count_messages() == 1
        await client.disconnect()

    run(scenario)


def test_the_page_announced_before_the_first_message_is_kept(widget: ChatWidget) -> None:
    session = open_session(widget)["session"]

    async def scenario() -> None:
        client = await connected(session)
        await client.send_json_to({"type": "page", "url": "https://sonora.example/plans"})
        await client.send_json_to({"type": "message", "client_id": "c-" + "a" * 10, "text": "Hi"})
        ack = await next_of(client, "ack")
        page = await database_sync_to_async(
            lambda: ChatState.objects.get(conversation_id=ack["conversation_id"]).page_url
        )()
        assert page == "https://sonora.example/plans"
        await client.disconnect()

    run(scenario)
