"""Each trigger through the real flows: a customer's mail or message (`receive_message`), an
agent's change (the conversation actions); the rule acts through the same actions, as the
automation user, and says so on the timeline."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from atiende.automations import triggers
from atiende.automations.apply import AUTOMATION_USERNAME
from atiende.automations.models import ActionKind, Trigger
from atiende.conversations import actions, extensions
from atiende.conversations.models import Direction
from atiende.core import tasks
from atiende.core.models import Event, Task
from atiende.people.models import Role
from tests.automations.conftest import applied, rule
from tests.factories import Factory

pytestmark = pytest.mark.django_db(transaction=True)


def test_urgent_words_on_a_new_conversation_raise_priority_and_assign_billing(
    factory: Factory,
) -> None:
    billing = factory.team("Billing")
    rule(
        "Urgent words",
        Trigger.CREATED,
        [
            {"kind": ActionKind.SET_PRIORITY, "value": "high"},
            {"kind": ActionKind.ASSIGN_TEAM, "team": billing},
        ],
        words="urgent, cobro duplicado",
    )
    inbox = factory.inbox()

    urgent = factory.conversation(inbox, text="Es URGENTE: me hicieron un COBRO duplicádo")
    calm = factory.conversation(inbox, text="Just a question about invoices")
    tasks.drain()

    urgent.refresh_from_db()
    calm.refresh_from_db()
    assert (urgent.priority, urgent.team_id) == ("high", billing.pk)
    assert (calm.priority, calm.team_id) == ("normal", None)
    changes = Event.objects.filter(
        conversation=urgent, kind__in=["conversation.priority_changed", "conversation.team_changed"]
    ).select_related("actor_user")
    assert [(event.kind, event.actor_user.username) for event in changes] == [  # type: ignore[union-attr]
        ("conversation.priority_changed", AUTOMATION_USERNAME),
        ("conversation.team_changed", AUTOMATION_USERNAME),
    ]
    [firing] = applied(urgent.pk)
    assert firing.data["rule"] == "Urgent words"
    assert firing.data["actions"] == [
        {"kind": "set_priority", "value": "high"},
        {"kind": "assign_team", "value": "Billing"},
    ]
    assert extensions.describe_event(firing) == (
        "Automation “Urgent words” applied: Set priority: High; Assign team: Billing"
    )
    with translation.override("es"):
        assert extensions.describe_event(firing) == (
            "Automatización «Urgent words» aplicada: Fijar prioridad: Alta; Asignar equipo: Billing"
        )
    assert applied(calm.pk) == []
    client = Client()
    client.force_login(factory.user(role=Role.SUPERVISOR))
    page = client.get(reverse("inbox:timeline", args=[urgent.pk]))
    assert "Automation “Urgent words” applied" in page.content.decode()


def test_a_customer_message_rule_reads_the_message_that_arrived(factory: Factory) -> None:
    rule(
        "Churn risk",
        Trigger.MESSAGE,
        [
            {"kind": ActionKind.ADD_TAG, "value": "Churn risk"},
            {"kind": ActionKind.ADD_NOTE, "text": "{contact_name} wants to leave: call them."},
        ],
        words="cancel my plan",
    )
    inbox = factory.inbox()
    conversation = factory.conversation(inbox, email="ana@example.test", name="Ana Peña")
    tasks.drain()
    assert applied(conversation.pk) == []

    follow_up = factory.inbound(inbox, email="ana@example.test", text="Please CANCEL my plan.")
    tasks.drain()

    assert follow_up.conversation_id == conversation.pk
    assert list(conversation.tags.values_list("name", flat=True)) == ["churn risk"]
    note = conversation.messages.get(direction=Direction.NOTE)
    assert note.body_text == "Ana Peña wants to leave: call them."
    assert note.author_user.username == AUTOMATION_USERNAME  # type: ignore[union-attr]
    [firing] = applied(conversation.pk)
    assert firing.data["trigger"] == "message"


def test_an_updated_rule_fires_on_an_agent_change_once(factory: Factory) -> None:
    escalations = factory.team("Escalations")
    rule(
        "Urgent goes to escalations",
        Trigger.UPDATED,
        [{"kind": ActionKind.ASSIGN_TEAM, "team": escalations}],
        priority="urgent",
    )
    agent = factory.user(role=Role.SUPERVISOR)
    conversation = factory.conversation()
    tasks.drain()

    actions.change_status(agent, conversation, "pending")  # the condition does not hold
    tasks.drain()
    assert applied(conversation.pk) == []
    actions.change_priority(agent, conversation, "urgent")
    tasks.drain()

    conversation.refresh_from_db()
    assert conversation.team_id == escalations.pk
    assert len(applied(conversation.pk)) == 1


def test_rules_never_wake_each_other_in_a_loop(factory: Factory) -> None:
    """Two rules that undo each other: each fires once on the agent's change, and neither
    fires on what the other did."""
    rule("Raise", Trigger.UPDATED, [{"kind": ActionKind.SET_PRIORITY, "value": "high"}])
    lower = rule("Lower", Trigger.UPDATED, [{"kind": ActionKind.SET_PRIORITY, "value": "low"}])
    lower.position = 1
    lower.save()
    agent = factory.user(role=Role.SUPERVISOR)
    conversation = factory.conversation()
    tasks.drain()

    actions.change_status(agent, conversation, "pending")
    tasks.drain()

    conversation.refresh_from_db()
    assert [event.data["rule"] for event in applied(conversation.pk)] == ["Raise", "Lower"]
    assert conversation.priority == "low"
    assert Event.objects.filter(conversation=conversation, kind="automation.applied").count() == 2


def test_a_repeated_task_or_event_applies_nothing_twice(factory: Factory) -> None:
    rule("Tag it", Trigger.CREATED, [{"kind": ActionKind.ADD_NOTE, "text": "Seen."}])
    conversation = factory.conversation()
    tasks.drain()
    task = Task.objects.get(name=triggers.APPLY)
    created = Event.objects.get(conversation=conversation, kind="conversation.created")

    triggers.apply_task(task.payload)  # a worker runs it again (lease expired)
    triggers.on_conversation_created(created)  # the event handed over again
    tasks.drain()

    assert Task.objects.filter(name=triggers.APPLY).count() == 1
    assert len(applied(conversation.pk)) == 1
    assert conversation.messages.filter(direction=Direction.NOTE).count() == 1


def test_a_rule_switched_off_stops_at_once(factory: Factory) -> None:
    welcome = rule("Tag new", Trigger.CREATED, [{"kind": ActionKind.ADD_TAG, "value": "new"}])
    first = factory.conversation()
    tasks.drain()
    welcome.active = False
    welcome.save()

    second = factory.conversation()
    tasks.drain()

    assert len(applied(first.pk)) == 1
    assert applied(second.pk) == []
    assert Task.objects.filter(name=triggers.APPLY).count() == 1


def test_inactive_rules_and_refused_actions(factory: Factory) -> None:
    rule("Off", Trigger.CREATED, [{"kind": ActionKind.ADD_TAG, "value": "off"}], active=False)
    rule(
        "Reopen",
        Trigger.CREATED,
        [
            {"kind": ActionKind.SET_STATUS, "value": "closed"},
            {"kind": ActionKind.SET_STATUS, "value": "open"},  # closed is final: refused
            {"kind": ActionKind.ADD_TAG, "value": "after"},
        ],
    )
    conversation = factory.conversation()
    tasks.drain()

    conversation.refresh_from_db()
    assert conversation.status == "closed"
    assert list(conversation.tags.values_list("name", flat=True)) == ["after"]
    [firing] = applied(conversation.pk)
    assert firing.data["rule"] == "Reopen"
    assert [item["kind"] for item in firing.data["skipped"]] == ["set_status"]
    assert "(skipped: Set status: Open)" in extensions.describe_event(firing)


def test_assign_an_agent_and_remove_a_tag(factory: Factory) -> None:
    vip_agent = factory.user(display_name="Marta")
    rule(
        "VIP to Marta",
        Trigger.MESSAGE,
        [
            {"kind": ActionKind.ASSIGN_AGENT, "agent": vip_agent},
            {"kind": ActionKind.REMOVE_TAG, "value": "triage"},
        ],
        email_domains="bigcustomer.example",
    )
    supervisor = factory.user(role=Role.SUPERVISOR)
    inbox = factory.inbox()
    conversation = factory.conversation(inbox, email="ceo@bigcustomer.example")
    other = factory.conversation(inbox, email="ana@example.test")
    actions.tag(supervisor, conversation, add=["triage", "vip"])
    tasks.drain()

    factory.inbound(inbox, email="ceo@bigcustomer.example", text="Any news?")
    tasks.drain()

    conversation.refresh_from_db()
    other.refresh_from_db()
    assert conversation.assignee_id == vip_agent.pk
    assert list(conversation.tags.values_list("name", flat=True)) == ["vip"]
    assert other.assignee_id is None
    assert len(applied(conversation.pk)) == 2  # the first message and the second
