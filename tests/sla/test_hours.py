"""Business-hours arithmetic: counted time across nights, weekends, holidays and DST, on the
inbox's schedule as `workflow.availability` reads it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from atiende.sla.hours import BusinessHours, CalendarHours, hours_for
from atiende.workflow.models import Holiday, OpeningInterval
from tests.factories import Factory
from tests.sla.conftest import weekdays

HOUR = 3600.0


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def business(factory: Factory, zone: str = "UTC") -> BusinessHours:
    inbox = factory.inbox()
    weekdays(inbox, zone)
    hours = hours_for(inbox.pk, business_hours=True)
    assert isinstance(hours, BusinessHours)
    return hours


def test_calendar_hours_count_every_hour() -> None:
    hours = CalendarHours()
    # Friday 16:00 to Monday 10:00 (2026-03-06 is a Friday).
    assert hours.seconds_between(utc(3, 6, 16), utc(3, 9, 10)) == 66 * HOUR
    assert hours.add(utc(3, 6, 16), 2 * HOUR) == utc(3, 6, 18)


def test_an_inbox_without_business_hours_counts_every_hour(factory: Factory) -> None:
    inbox = factory.inbox()
    assert isinstance(hours_for(inbox.pk, business_hours=True), CalendarHours)
    weekdays(inbox, "UTC")
    assert isinstance(hours_for(inbox.pk, business_hours=False), CalendarHours)


def test_a_target_crossing_the_night_resumes_at_the_next_opening(factory: Factory) -> None:
    hours = business(factory)
    # Tuesday 16:00 + 2 business hours: 1 h on Tuesday, 1 h from Wednesday 09:00.
    assert hours.add(utc(3, 3, 16), 2 * HOUR) == utc(3, 4, 10)
    assert hours.seconds_between(utc(3, 3, 16), utc(3, 4, 10)) == 2 * HOUR


def test_a_target_crossing_the_weekend_skips_it(factory: Factory) -> None:
    hours = business(factory)
    # Friday 16:30 + 4 business hours: 30 min on Friday, 3 h 30 on Monday from 09:00.
    assert hours.add(utc(3, 6, 16, 30), 4 * HOUR) == utc(3, 9, 12, 30)
    assert hours.seconds_between(utc(3, 6, 12), utc(3, 9, 12)) == 8 * HOUR


def test_a_message_at_night_starts_counting_at_the_opening(factory: Factory) -> None:
    hours = business(factory)
    # Saturday 22:00 + 1 business hour: Monday 10:00.
    assert hours.add(utc(3, 7, 22), HOUR) == utc(3, 9, 10)
    assert hours.seconds_between(utc(3, 7, 22), utc(3, 9, 9)) == 0


def test_holidays_close_whole_days(factory: Factory) -> None:
    hours = business(factory)
    schedule = hours.week.schedule
    Holiday.objects.create(
        schedule=schedule, name="Closed", starts_on=date(2026, 3, 4), ends_on=date(2026, 3, 5)
    )
    hours = hours_for(schedule.inbox_id, business_hours=True)  # type: ignore[assignment]
    # Tuesday 16:00 + 2 h: 1 h on Tuesday, Wednesday and Thursday closed, Friday 10:00.
    assert hours.add(utc(3, 3, 16), 2 * HOUR) == utc(3, 6, 10)
    assert hours.seconds_between(utc(3, 3, 12), utc(3, 6, 12)) == 8 * HOUR


def test_a_past_holiday_still_counts_when_a_clock_replays_it(factory: Factory) -> None:
    hours = business(factory)
    long_ago = datetime.now(tz=UTC).date() - timedelta(days=60)
    Holiday.objects.create(
        schedule=hours.week.schedule, name="Old", starts_on=long_ago, ends_on=long_ago
    )
    hours = hours_for(hours.week.schedule.inbox_id, business_hours=True)  # type: ignore[assignment]
    day = datetime.combine(long_ago, time(10), tzinfo=UTC)
    assert hours.seconds_between(day, day + timedelta(hours=2)) == 0


def test_hours_are_the_inbox_zone_and_a_dst_change_counts_real_time(factory: Factory) -> None:
    hours = business(factory, zone="Europe/Madrid")
    # Friday 2026-03-27 16:00 Madrid (15:00 UTC, CET) + 2 h: 1 h Friday, Monday 09:00 CEST
    # (07:00 UTC) + 1 h: summer time began on Sunday the 29th.
    assert hours.add(utc(3, 27, 15), 2 * HOUR) == utc(3, 30, 8)
    assert hours.seconds_between(utc(3, 27, 15), utc(3, 30, 8)) == 2 * HOUR


def test_an_interval_closing_at_midnight_runs_to_the_end_of_the_day(factory: Factory) -> None:
    inbox = factory.inbox()
    schedule = weekdays(inbox, "UTC", opens=time(20), closes=time(0))
    OpeningInterval.objects.filter(schedule=schedule).exclude(weekday=0).delete()
    hours = hours_for(inbox.pk, business_hours=True)
    # Monday 23:00 + 2 h: 1 h on Monday night, then next Monday 20:00 + 1 h.
    assert hours.add(utc(3, 2, 23), 2 * HOUR) == utc(3, 9, 21)
