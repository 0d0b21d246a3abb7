"""SLAs driven by events and tasks, as in production: which policy applies, clocks kept in step
with replies, pending and priority changes, and the breach task with its event and escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from atiende.conversations import actions, extensions
from atiende.conversations.models import Conversation, Direction, Message, Priority, Status
from atiende.core import tasks
from atiende.core.models import Event, Task
from atiende.people.models import Role
from atiende.sla import breaches, state
from atiende.sla.models import ConversationSLA, Metric, Outcome
from atiende.sla.state import policy_for
from atiende.workflow.notify import agent_group
from tests.factories import Factory
from tests.sla.conftest import policy

pytestmark = pytest.mark.django_db(transaction=True)

NORMAL: dict[str, tuple[int | None, int | None, int | None]] = {
    Priority.NORMAL: (60, 30, 240),
    Priority.URGENT: (10, 5, 60),
}


def sla_of(conversation: Conversation) -> ConversationSLA:
    return ConversationSLA.objects.get(conversation=conversation)


def test_the_first_matching_policy_by_position_wins(factory: Factory) -> None:
    email, chat = factory.inbox(), factory.inbox()
    anything = policy("Anything", position=9, targets=NORMAL)
    urgent_email = policy(
        "Urgent email", position=1, inboxes=[email], priorities=[Priority.URGENT], targets=NORMAL
    )
    chat_policy = policy("Chat", position=2, inboxes=[chat], targets=NORMAL)
    policy("Switched off", position=0, targets=NORMAL).__class__.objects.filter(
        name="Switched off"
    ).update(is_active=False)

    assert policy_for(email.pk, Priority.URGENT) == urgent_email
    assert policy_for(email.pk, Priority.NORMAL) == anything
    assert policy_for(chat.pk, Priority.URGENT) == chat_policy
    assert policy_for(factory.inbox().pk, Priority.LOW) == anything


def test_no_policy_means_no_state_and_no_task(factory: Factory) -> None:
    conversation = factory.conversation()
    tasks.drain()

    assert not ConversationSLA.objects.filter(conversation=conversation).exists()
    assert not ConversationSLA.objects.exists()


def test_a_new_conversation_gets_its_clocks_and_a_reply_meets_the_first(factory: Factory) -> None:
    policy(targets=NORMAL)
    agent = factory.user(role=Role.ADMIN)
    conversation = factory.conversation()
    tasks.drain()
    created = conversation.created_at

    state_before = sla_of(conversation)
    assert state_before.next_due_at is not None
    assert abs(state_before.next_due_at - (created + timedelta(minutes=60))) < timedelta(seconds=5)

    actions.send_reply(agent, conversation, text="Looking into it")
    tasks.drain()

    after = sla_of(conversation)
    assert after.first_reply == Outcome.MET
    # The resolution clock is what runs now (4 h).
    assert after.next_due_at is not None
    assert after.next_due_at - created > timedelta(minutes=235)


def test_pending_pauses_and_the_customer_reply_resumes(factory: Factory) -> None:
    policy(targets=NORMAL)
    agent = factory.user(role=Role.ADMIN)
    conversation = factory.conversation()
    actions.send_reply(agent, conversation, text="Can you send a screenshot?", status="pending")
    tasks.drain()

    assert sla_of(conversation).next_due_at is None  # resolution paused, nothing runs
    applied = state.clocks_for(conversation)
    assert applied is not None
    assert applied.clocks.resolution is not None
    assert applied.clocks.resolution.paused

    factory.inbound(conversation.inbox, email=conversation.contact.email, text="Here it is")
    tasks.drain()

    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    resumed = sla_of(conversation)
    assert resumed.next_due_at is not None
    applied = state.clocks_for(conversation)
    assert applied is not None
    assert applied.clocks.next_reply is not None
    assert applied.clocks.next_reply.due == resumed.next_due_at  # next reply: 30 min


def test_a_priority_change_applies_the_policy_again(factory: Factory) -> None:
    policy(targets=NORMAL)
    agent = factory.user(role=Role.ADMIN)
    conversation = factory.conversation()
    tasks.drain()
    assert sla_of(conversation).priority == Priority.NORMAL

    actions.change_priority(agent, conversation, Priority.URGENT)
    tasks.drain()

    urgent = sla_of(conversation)
    assert urgent.priority == Priority.URGENT
    assert urgent.next_due_at is not None
    # Same start, the urgent target: 10 minutes.
    assert urgent.next_due_at - conversation.created_at < timedelta(minutes=11)


def test_a_policy_saved_later_applies_to_the_open_conversations(factory: Factory) -> None:
    conversation = factory.conversation()
    tasks.drain()
    assert not ConversationSLA.objects.exists()

    policy(targets=NORMAL)
    tasks.drain()

    assert sla_of(conversation).first_reply == Outcome.NONE


def test_the_breach_task_records_the_breach_once_and_escalates(factory: Factory) -> None:
    escalation = factory.team("Escalations")
    policy(targets=NORMAL, escalate_to_team=escalation)
    supervisor = factory.user(role=Role.SUPERVISOR)
    conversation = factory.conversation()
    actions.assign(supervisor, conversation, supervisor)
    tasks.drain()
    later = timezone.now() + timedelta(minutes=61)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(agent_group(supervisor.pk), channel)

    assert breaches.check_breaches(now=timezone.now()) == 0
    assert breaches.check_breaches(now=later) == 1
    assert breaches.check_breaches(now=later) == 0  # recorded once

    breach = Event.objects.get(conversation=conversation, kind="sla.breached")
    assert breach.data["metric"] == Metric.FIRST_REPLY
    assert breach.data["key"] == "first_reply"
    assert extensions.describe_event(breach) == (
        "SLA breached: First reply target of the policy Standard"
    )
    conversation.refresh_from_db()
    assert conversation.team_id == escalation.pk
    assert Event.objects.filter(conversation=conversation, kind="conversation.transferred").exists()
    note = Message.objects.get(conversation=conversation, direction=Direction.NOTE)
    assert "SLA breached (First reply)" in note.body_text
    notice = async_to_sync(layer.receive)(channel)
    assert notice["kind"] == "sla_breached"
    assert notice["text"] == f"SLA breached on #{conversation.pk} (First reply)"
    # The resolution target is the next alert, from the customer's message.
    started = Message.objects.get(conversation=conversation, direction=Direction.INBOUND).created_at
    assert sla_of(conversation).alert_at == started + timedelta(minutes=240)


def test_the_recurring_breach_task_runs_and_queues_its_next_slot(factory: Factory) -> None:
    policy(targets={Priority.NORMAL: (None, None, 60)})
    conversation = factory.conversation()
    # The customer wrote two hours ago (the message's own time is what the clock reads).
    Message.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    state.refresh(conversation.pk)
    tasks.drain()
    assert sla_of(conversation).next_due_at < timezone.now()  # type: ignore[operator]

    tasks.enqueue("sla.check_breaches", {}, key="recurring:sla.check_breaches:test")
    tasks.drain()

    breach = Event.objects.get(conversation=conversation, kind="sla.breached")
    assert breach.data["metric"] == Metric.RESOLUTION
    assert sla_of(conversation).resolution == Outcome.BREACHED
    assert sla_of(conversation).alert_at is None
    next_slot = Task.objects.filter(name="sla.check_breaches", status="pending")
    assert next_slot.count() == 1


def test_a_reply_given_late_between_two_checks_is_recorded_not_escalated(
    factory: Factory,
) -> None:
    escalation = factory.team("Escalations")
    policy(targets={Priority.NORMAL: (60, None, None)}, escalate_to_team=escalation)
    supervisor = factory.user(role=Role.SUPERVISOR)
    conversation = factory.conversation()
    Message.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(minutes=90)
    )
    actions.send_reply(supervisor, conversation, text="Sorry for the wait")
    tasks.drain()
    assert sla_of(conversation).first_reply == Outcome.BREACHED
    assert sla_of(conversation).alert_at is not None

    assert breaches.check_breaches() == 1

    breach = Event.objects.get(conversation=conversation, kind="sla.breached")
    assert breach.data["key"] == "first_reply"
    conversation.refresh_from_db()
    assert conversation.team_id != escalation.pk
    assert sla_of(conversation).alert_at is None
