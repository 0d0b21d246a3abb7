"""Time-based rules: checked at a given time, they fire once per conversation while their
condition holds, and again only after it stopped holding and holds again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.automations import timed
from atiende.automations.models import ActionKind, Hold, TimeCondition, Trigger
from atiende.conversations import actions
from atiende.conversations.models import Direction
from atiende.core import recurring, tasks
from atiende.core.models import Task
from atiende.people.models import Role
from tests.automations.conftest import applied, rule
from tests.factories import Factory

pytestmark = pytest.mark.django_db(transaction=True)


def test_pending_72_hours_is_solved_with_a_note(factory: Factory) -> None:
    rule(
        "Pending 72 h",
        Trigger.TIME,
        [
            {"kind": ActionKind.ADD_NOTE, "text": "No answer in 3 days: solved."},
            {"kind": ActionKind.SET_STATUS, "value": "solved"},
        ],
        time_condition=TimeCondition.PENDING,
        hours=72,
    )
    # Would fire on the automation's own status change if loops were possible.
    rule("Updated", Trigger.UPDATED, [{"kind": ActionKind.ADD_TAG, "value": "touched"}])
    agent = factory.user(role=Role.SUPERVISOR)
    waiting = factory.conversation()
    untouched = factory.conversation()
    actions.change_status(agent, waiting, "pending")
    tasks.drain()
    start = timezone.now()

    assert timed.check_all(start + timedelta(hours=71)) == 0
    assert timed.check_all(start + timedelta(hours=73)) == 1
    assert timed.check_all(start + timedelta(hours=74)) == 0
    tasks.drain()

    waiting.refresh_from_db()
    untouched.refresh_from_db()
    assert waiting.status == "solved"
    assert waiting.messages.get(direction=Direction.NOTE).body_text == (
        "No answer in 3 days: solved."
    )
    assert [event.data["rule"] for event in applied(waiting.pk)] == ["Updated", "Pending 72 h"]
    assert untouched.status == "new"
    assert applied(untouched.pk) == []


def test_fires_once_while_it_holds_and_again_when_it_holds_again(factory: Factory) -> None:
    rule(
        "Unassigned 2 h",
        Trigger.TIME,
        [{"kind": ActionKind.ADD_TAG, "value": "waiting"}],
        time_condition=TimeCondition.UNASSIGNED,
        hours=2,
    )
    agent = factory.user(role=Role.SUPERVISOR)
    conversation = factory.conversation()
    tasks.drain()
    start = timezone.now()

    assert timed.check_all(start + timedelta(hours=3)) == 1
    assert timed.check_all(start + timedelta(hours=4)) == 0  # still holds: not again
    actions.assign(agent, conversation, agent)
    assert timed.check_all(start + timedelta(hours=5)) == 0
    assert Hold.objects.count() == 0  # stopped holding
    actions.assign(agent, conversation, None)
    unassigned_at = timezone.now()
    assert timed.check_all(unassigned_at + timedelta(hours=1)) == 0
    assert timed.check_all(unassigned_at + timedelta(hours=3)) == 1

    assert len(applied(conversation.pk)) == 2
    assert list(conversation.tags.values_list("name", flat=True)) == ["waiting"]


def test_the_hourly_check_runs_as_a_recurring_task(factory: Factory) -> None:
    rule(
        "Unassigned 1 h",
        Trigger.TIME,
        [{"kind": ActionKind.SET_PRIORITY, "value": "high"}],
        time_condition=TimeCondition.UNASSIGNED,
        hours=1,
    )
    conversation = factory.conversation()
    recurring.start_all()
    tasks.drain()

    conversation.refresh_from_db()
    assert conversation.priority == "normal"  # not unassigned for an hour yet
    upcoming = Task.objects.filter(name=timed.CHECK, status="pending")
    assert upcoming.count() == 1
    assert upcoming.get().run_at > timezone.now()


def test_solved_for_a_day_is_closed(factory: Factory) -> None:
    rule(
        "Close solved",
        Trigger.TIME,
        [{"kind": ActionKind.SET_STATUS, "value": "closed"}],
        time_condition=TimeCondition.SOLVED,
        hours=24,
    )
    agent = factory.user(role=Role.SUPERVISOR)
    solved = factory.conversation()
    actions.change_status(agent, solved, "solved")
    start = timezone.now()

    assert timed.check_all(start + timedelta(hours=23)) == 0
    assert timed.check_all(start + timedelta(hours=25)) == 1

    solved.refresh_from_db()
    assert solved.status == "closed"
