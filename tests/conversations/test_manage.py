"""Assignment, status transitions, tags, priority, team: each change is one event."""

from __future__ import annotations

import pytest

from atiende.conversations.actions import (
    assign,
    change_priority,
    change_status,
    change_team,
    send_reply,
    tag,
)
from atiende.conversations.models import Status
from atiende.core.errors import Conflict, NotFound
from atiende.core.models import Event
from tests.factories import Factory


def kinds(conversation_id: int) -> list[str]:
    return list(
        Event.objects.filter(conversation_id=conversation_id).values_list("kind", flat=True)
    )


def test_status_follows_the_allowed_transitions(factory: Factory) -> None:
    admin = factory.user(role="admin")
    conversation = factory.conversation()

    change_status(admin, conversation, Status.PENDING)
    change_status(admin, conversation, Status.SOLVED)
    change_status(admin, conversation, Status.CLOSED)

    with pytest.raises(Conflict):
        change_status(admin, conversation, Status.OPEN)
    assert kinds(conversation.pk).count("conversation.status_changed") == 3


def test_first_reply_opens_and_assigns_to_the_replier(factory: Factory) -> None:
    agent = factory.user(role="agent")
    conversation = factory.conversation()

    send_reply(agent, conversation, text="On it")

    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.assignee == agent


def test_reply_to_closed_conversation_is_refused(factory: Factory) -> None:
    admin = factory.user(role="admin")
    conversation = factory.conversation()
    change_status(admin, conversation, Status.CLOSED)

    with pytest.raises(Conflict):
        send_reply(admin, conversation, text="late")


def test_tags_are_normalised_and_only_changes_are_recorded(factory: Factory) -> None:
    admin = factory.user(role="admin")
    conversation = factory.conversation()

    tag(admin, conversation, add=["  Refund ", "refund", "Android App"])
    tag(admin, conversation, add=["refund"])
    tag(admin, conversation, remove=["android app"])

    assert list(conversation.tags.values_list("name", flat=True)) == ["refund"]
    assert kinds(conversation.pk).count("conversation.tagged") == 2


def test_assign_team_and_priority_are_audited_with_the_actor(factory: Factory) -> None:
    supervisor = factory.user(role="supervisor")
    billing = factory.team("Billing")
    agent = factory.user(teams=[billing])
    conversation = factory.conversation()

    assign(supervisor, conversation, agent)
    change_team(supervisor, conversation, billing)
    change_priority(supervisor, conversation, "urgent")

    audit = Event.objects.filter(conversation=conversation, actor_user=supervisor)
    assert [e.kind for e in audit] == [
        "conversation.assigned",
        "conversation.team_changed",
        "conversation.priority_changed",
    ]
    assert audit[0].data == {"from": None, "to": agent.pk}


def test_an_agent_cannot_act_on_another_teams_conversation(factory: Factory) -> None:
    billing, technical = factory.team("Billing"), factory.team("Technical")
    outsider = factory.user(teams=[technical])
    conversation = factory.conversation(inbox=factory.inbox(team=billing))

    with pytest.raises(NotFound):
        send_reply(outsider, conversation, text="hi")
    with pytest.raises(NotFound):
        change_status(outsider, conversation, Status.SOLVED)
