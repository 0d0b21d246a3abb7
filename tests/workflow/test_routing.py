"""Routing live chats: least busy, team, language, capacity, round robin, the queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from atiende.conversations import actions
from atiende.conversations.models import Conversation
from atiende.core import tasks
from atiende.core.models import Event
from atiende.workflow import presence, routing
from atiende.workflow.models import AgentProfile, ChatRoute, PresenceStatus, RouteState
from atiende.workflow.routing import Outcome, route_conversation
from tests.factories import Factory
from tests.workflow.conftest import Told, chat, chat_inbox, online_agent


def assignee(conversation: Conversation) -> int | None:
    conversation.refresh_from_db(fields=["assignee"])
    return conversation.assignee_id


def test_new_chat_goes_to_the_least_busy_online_agent(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    busy = online_agent(factory, team)
    free = online_agent(factory, team)
    first = chat(factory, inbox)
    actions.assign(busy, first, busy)

    second = chat(factory, inbox)
    assert route_conversation(second.pk) == Outcome.ASSIGNED

    assert assignee(second) == free.pk
    route = ChatRoute.objects.get(conversation=second)
    assert (route.state, route.agent_id, route.attempt) == (RouteState.ASSIGNED, free.pk, 1)
    assigned = Event.objects.get(conversation=second, kind="conversation.assigned")
    assert assigned.actor_user is not None
    assert assigned.actor_user.username == routing.ROUTING_USERNAME
    assert assigned.data == {"from": None, "to": free.pk}


def test_only_agents_of_the_team_who_are_online_receive_chats(factory: Factory, told: Told) -> None:
    support, billing = factory.team(), factory.team()
    inbox = chat_inbox(factory, support)
    online_agent(factory, billing)
    away = online_agent(factory, support)
    presence.set_status(away, PresenceStatus.AWAY)
    silent = online_agent(factory, support)
    # Online, but no socket heard from for longer than the presence TTL (a dead process).
    AgentProfile.objects.filter(user=silent).update(
        last_seen_at=timezone.now() - timedelta(minutes=5)
    )
    member = online_agent(factory, support)

    conversation = chat(factory, inbox)
    route_conversation(conversation.pk)

    assert assignee(conversation) == member.pk


def test_the_conversation_team_wins_over_the_inbox_default(factory: Factory, told: Told) -> None:
    support, billing = factory.team(), factory.team()
    inbox = chat_inbox(factory, support)
    online_agent(factory, support)
    biller = online_agent(factory, billing)
    conversation = chat(factory, inbox)
    Conversation.objects.filter(pk=conversation.pk).update(team=billing)

    route_conversation(conversation.pk)

    assert assignee(conversation) == biller.pk


def test_a_speaker_of_the_language_is_chosen_even_if_busier(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    online_agent(factory, team, language="en")
    speaker = online_agent(factory, team, language="en", languages=["es"])
    actions.assign(speaker, chat(factory, inbox), speaker)

    spanish = chat(factory, inbox, language="es-MX")
    route_conversation(spanish.pk)

    assert assignee(spanish) == speaker.pk


def test_a_language_nobody_online_speaks_does_not_strand_the_chat(
    factory: Factory, told: Told
) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    agent = online_agent(factory, team, language="en")

    german = chat(factory, inbox, language="de")
    route_conversation(german.pk)

    assert assignee(german) == agent.pk


def test_round_robin_among_equally_busy_agents(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    ana = online_agent(factory, team)
    bruno = online_agent(factory, team)

    order = []
    for _ in range(4):
        conversation = chat(factory, inbox)
        route_conversation(conversation.pk)
        order.append(assignee(conversation))

    # Each time the least busy; between equals, the one assigned longest ago.
    assert order == [ana.pk, bruno.pk, ana.pk, bruno.pk]


def test_capacity_is_never_exceeded_and_the_rest_queue_in_order(
    factory: Factory, told: Told, django_capture_on_commit_callbacks: Any
) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    agent = online_agent(factory, team, capacity=2)
    chats = [chat(factory, inbox) for _ in range(5)]

    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [route_conversation(conversation.pk) for conversation in chats]

    assert outcomes == [Outcome.ASSIGNED] * 2 + [Outcome.QUEUED] * 3
    assert routing.chat_loads([agent.pk]) == {agent.pk: 2}
    assert [routing.queue_position(c.pk) for c in chats] == [None, None, 1, 2, 3]
    assert [payload for _cid, payload in told if payload["type"] == "queue"] == [
        {"type": "queue", "position": 1},
        {"type": "queue", "position": 2},
        {"type": "queue", "position": 3},
    ]
    assert Event.objects.filter(conversation=chats[2], kind="routing.queued").count() == 1


def test_freeing_capacity_drains_the_queue_in_order_and_moves_everyone_up(
    factory: Factory, told: Told, django_capture_on_commit_callbacks: Any
) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    agent = online_agent(factory, team, capacity=1)
    first, second, third = (chat(factory, inbox) for _ in range(3))
    with django_capture_on_commit_callbacks(execute=True):
        for conversation in (first, second, third):
            route_conversation(conversation.pk)
    told.clear()

    actions.change_status(agent, first, "solved")
    with django_capture_on_commit_callbacks(execute=True):
        routing.drain_queue()

    assert assignee(second) == agent.pk
    assert assignee(third) is None
    assert routing.queue_position(third.pk) == 1
    assert (second.pk, {"type": "queue", "position": 0}) in told
    assert (third.pk, {"type": "queue", "position": 1}) in told


def test_an_agent_coming_online_takes_the_oldest_queued_chat(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    older, newer = chat(factory, inbox), chat(factory, inbox)
    route_conversation(older.pk)
    route_conversation(newer.pk)
    assert routing.queue_position(newer.pk) == 2

    agent = online_agent(factory, team, capacity=1)
    tasks.drain()  # going online queued a drain

    assert assignee(older) == agent.pk
    assert assignee(newer) is None
    assert routing.queue_position(newer.pk) == 1


def test_nobody_online_tells_the_visitor_when_the_team_is_back(
    factory: Factory, told: Told, django_capture_on_commit_callbacks: Any
) -> None:
    inbox = chat_inbox(factory, factory.team())
    conversation = chat(factory, inbox)

    with django_capture_on_commit_callbacks(execute=True):
        route_conversation(conversation.pk)

    assert (
        conversation.pk,
        {"type": "availability", "open": False, "next_open": None},
    ) in told


def test_routing_twice_is_harmless(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    online_agent(factory, team)
    online_agent(factory, team)
    conversation = chat(factory, inbox)

    route_conversation(conversation.pk)
    first = assignee(conversation)
    assert route_conversation(conversation.pk) == Outcome.SKIPPED

    assert assignee(conversation) == first
    assert (
        Event.objects.filter(conversation=conversation, kind="conversation.assigned").count() == 1
    )


def test_a_publishing_pass_tells_only_the_chats_whose_place_changed(
    factory: Factory, told: Told, django_capture_on_commit_callbacks: Any
) -> None:
    support, billing = factory.team(), factory.team()
    first, second, third = (chat(factory, chat_inbox(factory, support)) for _ in range(3))
    other = chat(factory, chat_inbox(factory, billing))
    with django_capture_on_commit_callbacks(execute=True):
        for conversation in (first, second, other, third):
            route_conversation(conversation.pk)
    # Each team has its own queue; arrivals at the back told only the newcomer.
    assert [(cid, payload) for cid, payload in told if payload["type"] == "queue"] == [
        (first.pk, {"type": "queue", "position": 1}),
        (second.pk, {"type": "queue", "position": 2}),
        (other.pk, {"type": "queue", "position": 1}),
        (third.pk, {"type": "queue", "position": 3}),
    ]
    told.clear()

    ChatRoute.objects.filter(conversation=first).update(state=RouteState.DONE)
    assert routing.publish_positions() == 2
    assert routing.publish_positions() == 0

    assert told == [
        (second.pk, {"type": "queue", "position": 1}),
        (third.pk, {"type": "queue", "position": 2}),
    ]
    positions = dict(
        ChatRoute.objects.filter(state=RouteState.QUEUED).values_list(
            "conversation_id", "last_position"
        )
    )
    assert positions == {second.pk: 1, third.pk: 2, other.pk: 1}


def test_a_drain_publishes_the_positions_once_at_its_end(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    chats = [chat(factory, inbox) for _ in range(5)]
    for conversation in chats:
        route_conversation(conversation.pk)
    routing.publish_positions()
    told.clear()
    online_agent(factory, team, capacity=2)

    # Inside the drain, each chat routed asks for a pass; they wait for its end.
    with routing._publisher.held():
        assert routing.publish_positions() == 0
        assert told == []
    routing.drain_queue()

    # Each chat still waiting is told its new place once (the two that left hear "0" after
    # their routing's commit, which the test's transaction holds back).
    assert [(cid, payload["position"]) for cid, payload in told] == [
        (chats[2].pk, 1),
        (chats[3].pk, 2),
        (chats[4].pk, 3),
    ]
