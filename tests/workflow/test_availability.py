"""Business hours in the inbox's time zone, holidays, and how many agents are online."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from atiende.inboxes.models import Inbox
from atiende.workflow import availability, presence
from atiende.workflow.availability import inbox_availability
from atiende.workflow.models import (
    AgentProfile,
    Holiday,
    InboxSchedule,
    OpeningInterval,
    PresenceStatus,
)
from tests.factories import Factory
from tests.workflow.conftest import chat_inbox, online_agent


def weekdays_nine_to_five(inbox: Inbox, zone: str) -> InboxSchedule:
    schedule = InboxSchedule.objects.create(inbox=inbox, time_zone=zone)
    for weekday in range(5):
        OpeningInterval.objects.create(
            schedule=schedule, weekday=weekday, opens=time(9), closes=time(17)
        )
    return schedule


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_an_inbox_without_hours_is_always_open(factory: Factory) -> None:
    inbox = chat_inbox(factory)

    availability = inbox_availability(inbox, at=utc(2026, 12, 25, 3, 0))

    assert (availability.open, availability.next_open) == (True, None)


def test_hours_are_read_in_the_inbox_time_zone(factory: Factory) -> None:
    inbox = chat_inbox(factory)
    weekdays_nine_to_five(inbox, "America/Mexico_City")  # UTC-6, no daylight saving

    # Tuesday 2026-12-01 14:59 UTC is 08:59 in Mexico City: closed, opens at 15:00 UTC.
    before = inbox_availability(inbox, at=utc(2026, 12, 1, 14, 59))
    during = inbox_availability(inbox, at=utc(2026, 12, 1, 15, 0))
    after = inbox_availability(inbox, at=utc(2026, 12, 1, 23, 0))  # 17:00 local: closed

    assert (before.open, before.next_open) == (False, utc(2026, 12, 1, 15, 0))
    assert (during.open, during.next_open) == (True, None)
    assert (after.open, after.next_open) == (False, utc(2026, 12, 2, 15, 0))


def test_friday_evening_opens_again_on_monday(factory: Factory) -> None:
    inbox = chat_inbox(factory)
    weekdays_nine_to_five(inbox, "Europe/Madrid")

    # Friday 2026-12-04 18:00 in Madrid (UTC+1 in winter).
    availability = inbox_availability(inbox, at=utc(2026, 12, 4, 17, 0))

    assert availability.open is False
    assert availability.next_open == utc(2026, 12, 7, 8, 0)


def test_daylight_saving_moves_the_opening_in_utc(factory: Factory) -> None:
    inbox = chat_inbox(factory)
    weekdays_nine_to_five(inbox, "Europe/Madrid")

    # Madrid switches to UTC+2 on Sunday 2026-03-29: Monday opens at 07:00 UTC, not 08:00.
    availability = inbox_availability(inbox, at=utc(2026, 3, 28, 12, 0))

    assert availability.next_open == utc(2026, 3, 30, 7, 0)


def test_holidays_close_whole_local_days(factory: Factory) -> None:
    inbox = chat_inbox(factory)
    schedule = weekdays_nine_to_five(inbox, "Europe/Madrid")
    Holiday.objects.create(
        schedule=schedule,
        name="Christmas",
        starts_on=date(2026, 12, 24),
        ends_on=date(2026, 12, 25),
    )

    # Thursday 24 December, 11:00 in Madrid: a weekday, but a holiday; next is Monday 28.
    availability = inbox_availability(inbox, at=utc(2026, 12, 24, 10, 0))

    assert availability.open is False
    assert availability.next_open == utc(2026, 12, 28, 8, 0)


def test_an_interval_may_close_at_midnight(factory: Factory) -> None:
    inbox = chat_inbox(factory)
    schedule = InboxSchedule.objects.create(inbox=inbox, time_zone="UTC")
    OpeningInterval.objects.create(schedule=schedule, weekday=0, opens=time(18), closes=time(0))

    assert inbox_availability(inbox, at=utc(2026, 11, 30, 23, 59)).open is True
    assert inbox_availability(inbox, at=utc(2026, 12, 1, 0, 0)).open is False


def test_business_hours_can_be_switched_off(factory: Factory) -> None:
    inbox = chat_inbox(factory)
    schedule = weekdays_nine_to_five(inbox, "UTC")
    schedule.use_hours = False
    schedule.save()

    assert inbox_availability(inbox, at=utc(2026, 12, 6, 3, 0)).open is True


def test_a_schedule_without_intervals_never_opens(factory: Factory) -> None:
    inbox = chat_inbox(factory)
    InboxSchedule.objects.create(inbox=inbox, time_zone="UTC")

    availability = inbox_availability(inbox, at=utc(2026, 12, 1, 12, 0))

    assert (availability.open, availability.next_open) == (False, None)


def test_agents_online_counts_fresh_online_agents_of_the_default_team(factory: Factory) -> None:
    team, other = factory.team(), factory.team()
    inbox = chat_inbox(factory, team)
    online_agent(factory, team)
    online_agent(factory, other)
    away = online_agent(factory, team)
    presence.set_status(away, PresenceStatus.AWAY)
    stale = online_agent(factory, team)
    AgentProfile.objects.filter(user=stale).update(
        last_seen_at=timezone.now() - timedelta(minutes=10)
    )

    assert inbox_availability(inbox).agents_online == 1
    assert inbox_availability(chat_inbox(factory)).agents_online == 2


def test_the_widget_s_availability_is_remembered_briefly_and_forgotten_on_a_change(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the chat widget shows is read once per `SHOWN_SECONDS` per process, and at once
    again when presence or the schedule changes here; routing always reads the database."""
    team = factory.team()
    inbox = chat_inbox(factory, team)
    clock = [1000.0]
    monkeypatch.setattr(availability, "monotonic", lambda: clock[0])
    assert availability.shown_availability(inbox).agents_online == 0

    agent = online_agent(factory, team)  # saved: forgotten at once
    with CaptureQueriesContext(connection) as captured:
        assert availability.shown_availability(inbox).agents_online == 1
        assert availability.shown_availability(inbox).agents_online == 1
    assert len(captured.captured_queries) == 2  # the count and the schedule, once

    # A change that sends no signal (another process's sweep): seen once the time is up.
    AgentProfile.objects.filter(user=agent).update(status=PresenceStatus.OFFLINE)
    assert availability.shown_availability(inbox).agents_online == 1
    assert inbox_availability(inbox).agents_online == 0  # routing reads it now
    clock[0] += availability.SHOWN_SECONDS
    assert availability.shown_availability(inbox).agents_online == 0

    presence.set_status(agent, PresenceStatus.ONLINE)
    assert availability.shown_availability(inbox).agents_online == 1
    presence.signed_out(agent)
    assert availability.shown_availability(inbox).agents_online == 0

    schedule = InboxSchedule.objects.create(inbox=inbox, use_hours=True)  # never opens
    assert availability.shown_availability(inbox).open is False
    schedule.delete()
    assert availability.shown_availability(inbox).open is True
