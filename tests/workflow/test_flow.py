"""Routing driven by events and tasks, as in production: new chats, the answer bot's hand-off,
unanswered chats re-routed, manual assignment and transfer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from atiende.chat.extensions import conversation_visitors_group
from atiende.conversations import actions
from atiende.conversations.models import Conversation, Direction
from atiende.core import events, tasks
from atiende.core.errors import ActionError
from atiende.core.models import Event, Task
from atiende.workflow import routing
from atiende.workflow.models import ChatRoute, InboxSchedule, RouteState
from atiende.workflow.subscribers import route_task
from atiende.workflow.transfer import transfer
from tests.factories import Factory
from tests.workflow.conftest import Told, chat, chat_inbox, online_agent

pytestmark = pytest.mark.django_db(transaction=True)


def assignee(conversation: Conversation) -> int | None:
    conversation.refresh_from_db(fields=["assignee"])
    return conversation.assignee_id


def test_a_new_chat_is_routed_by_its_creation_event(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    agent = online_agent(factory, team)

    conversation = chat(factory, inbox)
    tasks.drain()

    assert assignee(conversation) == agent.pk


def test_conversations_of_other_channels_are_not_routed(factory: Factory, told: Told) -> None:
    team = factory.team()
    online_agent(factory, team)
    conversation = factory.conversation(factory.inbox(team=team))
    tasks.drain()

    assert assignee(conversation) is None
    assert not ChatRoute.objects.filter(conversation=conversation).exists()


def test_with_the_answer_bot_routing_waits_for_the_hand_off(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team, config={"answer_bot": {"enabled": True}})
    agent = online_agent(factory, team)

    conversation = chat(factory, inbox)
    # Routing's own task alone (the answer bot's task, queued too, would answer or hand off).
    route_task({"conversation_id": conversation.pk, "reason": "new"})
    assert assignee(conversation) is None
    assert ChatRoute.objects.get(conversation=conversation).state == RouteState.BOT

    events.record("conversation.handed_off", conversation=conversation)
    tasks.drain()

    assert assignee(conversation) == agent.pk


def test_an_unanswered_chat_is_rerouted_after_the_inbox_timeout(
    factory: Factory, told: Told
) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    InboxSchedule.objects.create(inbox=inbox, use_hours=False, reroute_after_seconds=45)
    ana = online_agent(factory, team, username="ana")
    conversation = chat(factory, inbox)
    tasks.drain()
    assert assignee(conversation) == ana.pk
    timer = Task.objects.get(name="workflow.reroute")
    assert timer.run_at - timezone.now() > timedelta(seconds=40)
    bruno = online_agent(factory, team, username="bruno")

    # Time passes: the timer becomes due.
    Task.objects.filter(pk=timer.pk).update(run_at=timezone.now())
    tasks.drain()

    assert assignee(conversation) == bruno.pk
    rerouted = Event.objects.get(conversation=conversation, kind="routing.rerouted")
    assert rerouted.data == {"from": ana.pk, "to": bruno.pk, "seconds": 45}
    route = ChatRoute.objects.get(conversation=conversation)
    assert route.skipped_agent_ids == [ana.pk]
    assert route.attempt == 2


def test_an_answered_chat_stays_with_its_agent(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    ana = online_agent(factory, team)
    conversation = chat(factory, inbox)
    tasks.drain()
    online_agent(factory, team)
    actions.send_reply(ana, conversation, text="Hi! Looking into it.")

    Task.objects.filter(name="workflow.reroute").update(run_at=timezone.now())
    tasks.drain()

    assert assignee(conversation) == ana.pk
    assert ChatRoute.objects.get(conversation=conversation).state == RouteState.ANSWERED
    assert not Event.objects.filter(kind="routing.rerouted").exists()


def test_a_chat_assigned_by_hand_is_not_rerouted(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    ana = online_agent(factory, team)
    supervisor = factory.user(role="supervisor")
    conversation = chat(factory, inbox)
    tasks.drain()
    online_agent(factory, team)

    actions.assign(supervisor, conversation, supervisor)
    Task.objects.filter(name="workflow.reroute").update(run_at=timezone.now())
    tasks.drain()

    assert assignee(conversation) == supervisor.pk
    assert ana.pk != supervisor.pk
    assert not Event.objects.filter(kind="routing.rerouted").exists()


def test_transfer_to_a_colleague_with_a_note(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    ana = online_agent(factory, team)
    conversation = chat(factory, inbox)
    tasks.drain()
    bruno = factory.user(teams=[team])

    transfer(ana, conversation, agent=bruno, note="Billing question, over to you")
    tasks.drain()

    assert assignee(conversation) == bruno.pk
    note = conversation.messages.get(direction=Direction.NOTE)
    assert note.body_text == "Billing question, over to you"
    event = Event.objects.get(conversation=conversation, kind="conversation.transferred")
    assert event.actor_user_id == ana.pk
    assert event.data == {"from": ana.pk, "to_agent": bruno.pk, "to_team": None, "note_id": note.pk}
    route = ChatRoute.objects.get(conversation=conversation)
    assert (route.state, route.agent_id) == (RouteState.ASSIGNED, bruno.pk)


def test_transfer_to_a_team_routes_within_that_team(factory: Factory, told: Told) -> None:
    support, billing = factory.team(), factory.team()
    inbox = chat_inbox(factory, support)
    ana = online_agent(factory, support)
    conversation = chat(factory, inbox)
    tasks.drain()
    biller = online_agent(factory, billing)

    transfer(ana, conversation, team=billing, note="")
    tasks.drain()

    conversation.refresh_from_db()
    assert (conversation.team_id, conversation.assignee_id) == (billing.pk, biller.pk)


def test_transfer_needs_a_target(factory: Factory, told: Told) -> None:
    conversation = chat(factory, chat_inbox(factory))
    agent = factory.user()

    with pytest.raises(ActionError):
        transfer(agent, conversation, note="to whom?")


def test_unassigning_by_hand_sends_the_chat_back_to_routing(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    ana = online_agent(factory, team, capacity=1)
    conversation = chat(factory, inbox)
    tasks.drain()
    assert assignee(conversation) == ana.pk
    bruno = online_agent(factory, team, capacity=1)
    tasks.drain()

    actions.assign(ana, conversation, None)
    tasks.drain()

    assert assignee(conversation) in {ana.pk, bruno.pk}
    assert routing.chat_loads([ana.pk, bruno.pk]) in ({ana.pk: 1}, {bruno.pk: 1})


def test_the_visitor_hears_their_queue_position_through_the_chat_channel(
    factory: Factory,
) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    online_agent(factory, team, capacity=1)
    first, second = chat(factory, inbox), chat(factory, inbox)
    layer = get_channel_layer()
    listener = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(conversation_visitors_group(second.pk), listener)

    tasks.drain()

    assert assignee(first) is not None
    message = async_to_sync(layer.receive)(listener)
    assert message == {"type": "atiende.visitor", "payload": {"type": "queue", "position": 1}}


def test_the_answer_bot_hands_a_chat_it_cannot_answer_to_routing(
    factory: Factory, told: Told
) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team, config={"answer_bot": {"enabled": True}})
    agent = online_agent(factory, team)

    conversation = chat(factory, inbox)
    tasks.drain()  # routing holds the chat, the bot (no articles to answer from) gives it up

    assert assignee(conversation) == agent.pk
    kinds = list(
        Event.objects.filter(
            conversation=conversation,
            kind__in=["conversation.handed_off", "conversation.assigned"],
        )
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["conversation.handed_off", "conversation.assigned"]
