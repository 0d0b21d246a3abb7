"""The inbox socket's visibility cache and what reaches whom: a conversation moved to another
team stops reaching an agent at once (the move's event drops the cached facts), and a reply's
delivery ticks reach only the sockets that have the conversation open."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from atiende.conversations import actions
from atiende.core import tasks
from atiende.inboxes.models import ChannelKind
from atiende.people.models import Role
from atiende.realtime.consumers import AgentFacts, ConversationFacts, Visibility
from tests.factories import Factory
from tests.realtime.test_inbox_consumer import next_of, run, session_cookie, socket

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 5


def test_a_conversation_moved_to_another_team_stops_reaching_the_agent_at_once(
    factory: Factory,
) -> None:
    team, other = factory.team(), factory.team()
    inbox = factory.inbox(team=team)
    conversation = factory.conversation(inbox)
    agent = factory.user(teams=[team])
    admin = factory.user(role=Role.ADMIN)
    cookie = session_cookie(agent)
    email = conversation.contact.email

    async def scenario() -> None:
        communicator = socket(cookie)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await database_sync_to_async(factory.inbound)(
            inbox, email, "first", conversation_id=conversation.pk
        )
        event = await next_of(communicator, "event")
        assert event["conversation_id"] == conversation.pk  # seen, and now cached as visible
        await database_sync_to_async(actions.change_team)(admin, conversation, other)
        # Well within the cache's lifetime: the team change dropped the cached facts.
        await database_sync_to_async(factory.inbound)(
            inbox, email, "after the move", conversation_id=conversation.pk
        )
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()

    run(scenario)


def test_delivery_ticks_reach_only_the_sockets_watching_the_conversation(
    factory: Factory,
) -> None:
    inbox = factory.inbox(channel=ChannelKind.API)  # no provider: "sent" at the first tick
    conversation = factory.conversation(inbox)
    agent = factory.user(role=Role.ADMIN)
    cookie = session_cookie(agent)

    async def scenario() -> None:
        watching, elsewhere = socket(cookie), socket(cookie)
        assert (await watching.connect(timeout=TIMEOUT))[0]
        assert (await elsewhere.connect(timeout=TIMEOUT))[0]
        await watching.send_json_to({"type": "watch", "conversation_id": conversation.pk})
        reply = await database_sync_to_async(actions.send_reply)(agent, conversation, text="Hi")
        for communicator in (watching, elsewhere):
            created = await next_of(communicator, "event")
            assert created["kind"] == "message.created"
        await database_sync_to_async(tasks.drain)()
        kinds: list[str] = []
        while len(kinds) < 5:
            event = await next_of(watching, "event")
            kinds.append(event["kind"])
            if event["kind"] == "message.delivery":
                break
        assert "message.delivery" in kinds
        # The other socket hears the assignment and status change of the reply, not the tick.
        others: list[str | None] = []
        while True:
            try:
                others.append((await elsewhere.receive_json_from(timeout=0.5)).get("kind"))
            except AssertionError:  # nothing more within half a second
                break
        assert "message.delivery" not in others
        assert reply.delivery_status == "queued"  # as stored; the tick came from the worker
        await watching.disconnect()
        await elsewhere.disconnect()

    run(scenario)


def test_the_cache_answers_without_the_database_until_it_expires() -> None:
    visibility = Visibility(user_id=7, seconds=5.0)
    agent = AgentFacts(active=True, everything=False, teams=frozenset({3}))
    assert visibility.missing(11, now=100.0) == (True, 11)
    visibility.learn(agent, 11, ConversationFacts(True, team_id=3, assignee_id=None), 100.0)
    assert visibility.missing(11, now=104.0) == (False, None)
    assert visibility.answer(11)
    visibility.learn(None, 12, ConversationFacts(True, team_id=4, assignee_id=7), 100.0)
    assert visibility.answer(12)  # assigned to them, though of another team
    visibility.learn(None, 13, ConversationFacts(True, team_id=4, assignee_id=None), 100.0)
    assert not visibility.answer(13)
    visibility.learn(None, 14, ConversationFacts(False, None, None), 100.0)
    assert not visibility.answer(14)  # gone
    # A message event keeps the entry; a conversation event drops it.
    visibility.forget(11, "message.created")
    assert visibility.missing(11, now=104.0) == (False, None)
    visibility.forget(11, "conversation.transferred")
    assert visibility.missing(11, now=104.0) == (False, 11)
    # Everything expires: the agent (deactivated? moved to another team?) is read again.
    assert visibility.missing(12, now=105.0) == (True, 12)
    visibility.learn(AgentFacts(False, False, frozenset()), 12, None, 105.0)
    assert not visibility.answer(12)
    assert visibility.missing(12, now=106.0) == (False, None)  # inactive: nothing else to read
