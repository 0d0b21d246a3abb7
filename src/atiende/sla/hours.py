"""Time that counts for an SLA: every hour, or only the inbox's business hours.

`BusinessHours` answers with the inbox's weekly opening hours and holidays as
`workflow.availability.WeeklyHours` reads them (the same schedule the chat widget shows), loaded
once per computation with every holiday (a clock may replay last month).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from atiende.workflow.availability import LOOKAHEAD_DAYS, WeeklyHours
from atiende.workflow.models import InboxSchedule


class Hours(Protocol):
    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Seconds that count from `start` to `end` (0 when end <= start)."""

    def add(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of counted time after `start`."""


class CalendarHours:
    """Every hour counts."""

    def seconds_between(self, start: datetime, end: datetime) -> float:
        return max(0.0, (end - start).total_seconds())

    def add(self, start: datetime, seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)


@dataclass(frozen=True)
class BusinessHours:
    """Only the opening hours count; holidays close whole local days."""

    week: WeeklyHours

    def spans(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The opening spans (UTC) from the local day of `start` on, in order."""
        day = start.astimezone(self.week.schedule.zone).date() - timedelta(days=1)
        for offset in range(LOOKAHEAD_DAYS):
            for opens, closes in self.week.day_intervals(day + timedelta(days=offset)):
                # Aware datetimes of one zone subtract as wall-clock times: UTC counts a DST day.
                yield opens.astimezone(UTC), closes.astimezone(UTC)

    def seconds_between(self, start: datetime, end: datetime) -> float:
        total = 0.0
        for opens, closes in self.spans(start):
            if opens >= end:
                break
            overlap = (min(closes, end) - max(opens, start)).total_seconds()
            total += max(0.0, overlap)
        return total

    def add(self, start: datetime, seconds: float) -> datetime:
        left = seconds
        last = start
        for opens, closes in self.spans(start):
            if closes <= start:
                continue
            begin = max(opens, start)
            available = (closes - begin).total_seconds()
            if left <= available:
                return begin + timedelta(seconds=left)
            left -= available
            last = closes
        # Not open again within the lookahead: due after it, as good as never.
        return last + timedelta(days=LOOKAHEAD_DAYS)


def hours_for(inbox_id: int, business_hours: bool) -> Hours:
    """The inbox's counted time: business hours when asked for and the inbox has a schedule
    in use with at least one opening interval, else every hour."""
    if not business_hours:
        return CalendarHours()
    schedule = InboxSchedule.objects.filter(inbox_id=inbox_id, use_hours=True).first()
    if schedule is None:
        return CalendarHours()
    intervals = tuple(schedule.intervals.all())
    if not intervals:
        return CalendarHours()
    return BusinessHours(WeeklyHours(schedule, intervals, tuple(schedule.holidays.all())))
