"""The agent's socket and live chat: resume after a drop (SECURITY.md I5), visitor typing from
the chat channel's group messages, routed-chat notifications, presence and read markers.

Through the real ASGI application and the configured channel layer (in-process, or Redis when
REDIS_URL is set)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from atiende.chat.extensions import conversation_visitors_group
from atiende.conversations import actions
from atiende.core.events import conversation_group
from atiende.inboxes.models import ChannelKind
from atiende.realtime import agent_state
from atiende.workflow import presence
from atiende.workflow.models import AgentConnection, AgentProfile, ChatRead, PresenceStatus
from atiende.workflow.routing import route_conversation
from tests.factories import Factory
from tests.realtime.test_inbox_consumer import TIMEOUT, next_of, run, session_cookie, socket

pytestmark = pytest.mark.django_db(transaction=True)


async def typing_to(conversation_id: int, **fields: Any) -> None:
    """What the chat consumer sends when a visitor types."""
    await get_channel_layer().group_send(
        conversation_group(conversation_id),
        {"type": "atiende.visitor_typing", "conversation_id": conversation_id, **fields},
    )


def test_resume_replays_missed_events_in_order_and_only_visible_ones(factory: Factory) -> None:
    team, other = factory.team(), factory.team()
    inbox, hidden_inbox = factory.inbox(team=team), factory.inbox(team=other)
    conversation = factory.conversation(inbox)
    hidden = factory.conversation(hidden_inbox)
    agent = factory.user(teams=[team])
    cookie = session_cookie(agent)

    async def scenario() -> None:
        first = socket(cookie)
        assert (await first.connect(timeout=TIMEOUT))[0]
        hello = await next_of(first, "hello")
        last_seen = hello["last_event_id"]
        await first.disconnect()  # the network drops

        # While the agent is away: three changes they may see, one they may not.
        change = database_sync_to_async(actions.change_priority)
        await change(agent, conversation, "high")
        await database_sync_to_async(factory.inbound)(
            hidden_inbox, hidden.contact.email, "secret", conversation_id=hidden.pk
        )
        await database_sync_to_async(factory.inbound)(
            inbox, conversation.contact.email, "still there?", conversation_id=conversation.pk
        )
        await change(agent, conversation, "low")

        second = socket(cookie)
        assert (await second.connect(timeout=TIMEOUT))[0]
        await second.send_json_to({"type": "resume", "last_event_id": last_seen})
        replayed = [await next_of(second, "event") for _ in range(3)]
        assert [e["kind"] for e in replayed] == [
            "conversation.priority_changed",
            "message.created",
            "conversation.priority_changed",
        ]
        assert {e["conversation_id"] for e in replayed} == {conversation.pk}
        assert [e["event_id"] for e in replayed] == sorted(e["event_id"] for e in replayed)
        assert all(e["event_id"] > last_seen for e in replayed)
        assert await next_of(second, "resumed") == {"type": "resumed", "count": 3}
        await second.disconnect()

    run(scenario)


def test_resume_after_too_many_events_orders_a_resync(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(agent_state, "REPLAY_LIMIT", 2)
    agent = factory.user(role="admin")
    conversation = factory.conversation()
    cookie = session_cookie(agent)
    for priority in ("high", "low", "urgent"):
        actions.change_priority(agent, conversation, priority)

    async def scenario() -> None:
        communicator = socket(cookie)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await communicator.send_json_to({"type": "resume", "last_event_id": 0})
        assert await next_of(communicator, "resync") == {"type": "resync"}
        await communicator.send_json_to({"type": "resume", "last_event_id": "x"})
        assert (await next_of(communicator, "error"))["detail"] == "last_event_id must be a number"
        await communicator.disconnect()

    run(scenario)


def test_visitor_typing_reaches_the_assigned_agent_with_the_page(factory: Factory) -> None:
    team = factory.team()
    inbox = factory.inbox(channel=ChannelKind.CHAT, team=team)
    agent = factory.user(teams=[team])
    colleague = factory.user(teams=[team])
    conversation = factory.conversation(inbox)
    actions.assign(agent, conversation, agent)
    cookie, colleague_cookie = session_cookie(agent), session_cookie(colleague)

    async def scenario() -> None:
        mine, theirs = socket(cookie), socket(colleague_cookie)
        assert (await mine.connect(timeout=TIMEOUT))[0]
        assert (await theirs.connect(timeout=TIMEOUT))[0]
        await next_of(mine, "hello")
        await next_of(theirs, "hello")
        # A kind this consumer does not handle must not close the socket.
        await get_channel_layer().group_send(
            conversation_group(conversation.pk), {"type": "atiende.visitor_message", "seq": 3}
        )
        await typing_to(
            conversation.pk, preview="my playlist is gon", page_url="https://shop.test/help"
        )
        typing = await next_of(mine, "visitor_typing")
        assert typing == {
            "type": "visitor_typing",
            "conversation_id": conversation.pk,
            "preview": "my playlist is gon",
            "page_url": "https://shop.test/help",
        }
        await typing_to(conversation.pk, preview="x", page_url="javascript:alert(1)")
        assert (await next_of(mine, "visitor_typing"))["page_url"] == ""
        # The colleague neither has the chat nor watches it.
        assert await theirs.receive_nothing(timeout=0.3)
        await mine.disconnect()
        await theirs.disconnect()

    run(scenario)


def test_a_routed_chat_is_announced_and_its_typing_heard_at_once(factory: Factory) -> None:
    team = factory.team()
    inbox = factory.inbox(channel=ChannelKind.CHAT, team=team)
    agent = factory.user(teams=[team])
    cookie = session_cookie(agent)

    async def scenario() -> None:
        communicator = socket(cookie)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await database_sync_to_async(presence.set_status)(agent, PresenceStatus.ONLINE)
        conversation = await database_sync_to_async(factory.conversation)(inbox)
        await database_sync_to_async(route_conversation)(conversation.pk)
        notice = await next_of(communicator, "notify")
        assert (notice["kind"], notice["conversation_id"]) == ("chat_routed", conversation.pk)
        assert notice["text"].startswith("New chat from")
        await typing_to(conversation.pk, preview="hello?", page_url="")
        assert (await next_of(communicator, "visitor_typing"))["preview"] == "hello?"
        await communicator.disconnect()

    run(scenario)


def test_sockets_keep_presence_in_the_database(factory: Factory) -> None:
    agent = factory.user()
    cookie = session_cookie(agent)

    async def scenario() -> None:
        await database_sync_to_async(presence.set_status)(agent, PresenceStatus.ONLINE)
        communicator = socket(cookie)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        assert (await next_of(communicator, "hello"))["status"] == "online"
        assert await database_sync_to_async(AgentConnection.objects.count)() == 1
        await communicator.disconnect()
        assert await database_sync_to_async(AgentConnection.objects.count)() == 0
        profile = await database_sync_to_async(AgentProfile.objects.get)(user=agent)
        assert (profile.status, profile.auto_away) == (PresenceStatus.AWAY, True)

        again = socket(cookie)
        assert (await again.connect(timeout=TIMEOUT))[0]
        assert (await next_of(again, "hello"))["status"] == "online"
        await again.disconnect()

    run(scenario)


def test_viewing_a_chat_marks_it_read(factory: Factory) -> None:
    agent = factory.user(role="admin")
    conversation = factory.conversation(factory.inbox(channel=ChannelKind.CHAT))
    cookie = session_cookie(agent)

    async def scenario() -> None:
        communicator = socket(cookie)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        # Only the conversation the page watches can be marked read.
        await communicator.send_json_to({"type": "seen", "conversation_id": conversation.pk})
        await communicator.send_json_to({"type": "ping"})
        await next_of(communicator, "pong")
        assert not await database_sync_to_async(ChatRead.objects.exists)()

        await communicator.send_json_to({"type": "watch", "conversation_id": conversation.pk})
        await communicator.send_json_to({"type": "seen", "conversation_id": conversation.pk})
        read = await next_of(communicator, "read")
        assert read == {"type": "read", "conversation_id": conversation.pk, "seq": 1}
        marker = await database_sync_to_async(ChatRead.objects.get)(conversation=conversation)
        assert marker.seq == 1
        await communicator.disconnect()

    run(scenario)


def test_an_agent_watching_a_chat_is_announced_to_its_visitors(factory: Factory) -> None:
    agent = factory.user(role="admin")
    conversation = factory.conversation(factory.inbox(channel=ChannelKind.CHAT))
    cookie = session_cookie(agent)

    async def scenario() -> None:
        # What a visitor's socket listens to (it is not in the agents' conversation group).
        layer = get_channel_layer()
        visitors = await layer.new_channel()
        await layer.group_add(conversation_visitors_group(conversation.pk), visitors)
        communicator = socket(cookie)
        assert (await communicator.connect(timeout=TIMEOUT))[0]

        await communicator.send_json_to({"type": "watch", "conversation_id": conversation.pk})
        viewing = await asyncio.wait_for(layer.receive(visitors), TIMEOUT)
        await communicator.send_json_to({"type": "typing"})
        typing = await asyncio.wait_for(layer.receive(visitors), TIMEOUT)

        assert (viewing["type"], viewing["user_id"], viewing["state"]) == (
            "atiende.presence",
            agent.pk,
            "viewing",
        )
        assert (typing["conversation_id"], typing["state"]) == (conversation.pk, "typing")
        await communicator.disconnect()

    run(scenario)
