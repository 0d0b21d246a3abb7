"""Is an inbox open now, when does it open next, and how many agents are online to chat.

`inbox_availability(inbox)` is what the chat widget asks before it shows the chat or the
"we're away, leave your email" form. Opening hours are weekly intervals in the inbox's own time
zone; holidays close whole local days. An inbox without a schedule is always open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from atiende.workflow.models import (
    AgentProfile,
    Holiday,
    InboxSchedule,
    OpeningInterval,
    PresenceStatus,
)

if TYPE_CHECKING:
    from atiende.inboxes.models import Inbox

# How far ahead `next_open` looks (a schedule with no interval never opens).
LOOKAHEAD_DAYS = 400


@dataclass(frozen=True)
class Availability:
    open: bool
    next_open: datetime | None
    agents_online: int


def presence_ttl() -> timedelta:
    """An online agent whose sockets have been silent this long no longer counts as online."""
    return timedelta(seconds=int(getattr(settings, "ATIENDE_PRESENCE_TTL", 90)))


def online_profiles(
    team_id: int | None = None, *, at: datetime | None = None
) -> QuerySet[AgentProfile]:
    """Agents who chose "online" and whose browser was heard from recently (any process)."""
    now = at or timezone.now()
    profiles = AgentProfile.objects.filter(
        status=PresenceStatus.ONLINE,
        last_seen_at__gte=now - presence_ttl(),
        user__is_active=True,
    )
    if team_id is not None:
        profiles = profiles.filter(user__teams__id=team_id)
    return profiles


def inbox_availability(inbox: Inbox, at: datetime | None = None) -> Availability:
    """Whether `inbox` is open at `at` (default now), its next opening, and agents online."""
    now = at or timezone.now()
    agents = online_profiles(inbox.default_team_id, at=now).count()
    schedule = InboxSchedule.objects.filter(inbox=inbox).first()
    if schedule is None or not schedule.use_hours:
        return Availability(open=True, next_open=None, agents_online=agents)
    hours = WeeklyHours.load(schedule)
    if hours.is_open(now):
        return Availability(open=True, next_open=None, agents_online=agents)
    return Availability(open=False, next_open=hours.next_open(now), agents_online=agents)


# What a chat widget shows (`shown_availability`), remembered per process for this long: a
# visitor's session request asked for it each time (two queries, 11 % of its CPU). An agent
# going online or offline through this process (`presence`), or a schedule saved here, is seen
# at once; in the other processes within these seconds, as a presence heartbeat or an opening
# hour is. Routing always reads the database (`inbox_availability`).
SHOWN_SECONDS = 2.0
_shown: dict[tuple[str, int, datetime, int | None], tuple[float, Availability]] = {}


def shown_availability(inbox: Inbox) -> Availability:
    """`inbox_availability(inbox)` now, as the chat widget shows it: at most SHOWN_SECONDS old."""
    # The row's creation time too: a primary key used again (SQLite after a rollback, as
    # between tests) is another inbox.
    key = (connection.settings_dict["NAME"], inbox.pk, inbox.created_at, inbox.default_team_id)
    now = monotonic()
    found = _shown.get(key)
    if found is not None and found[0] > now:
        return found[1]
    state = inbox_availability(inbox)
    if len(_shown) > 10_000:  # many inboxes: start over rather than grow
        _shown.clear()
    _shown[key] = (now + SHOWN_SECONDS, state)
    return state


def forget_shown() -> None:
    """Availability changed (presence, a schedule): this process asks the database again."""
    _shown.clear()


def _changed(**_kwargs: object) -> None:
    forget_shown()
    # And after the commit: a read between the write and the commit remembered the old state.
    transaction.on_commit(forget_shown)


for _model in (AgentProfile, InboxSchedule, OpeningInterval, Holiday):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"shown-{_model.__name__}-save")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"shown-{_model.__name__}-delete")


@dataclass(frozen=True)
class WeeklyHours:
    """A schedule loaded once (two queries), then answered in memory."""

    schedule: InboxSchedule
    intervals: tuple[OpeningInterval, ...]
    holidays: tuple[Holiday, ...]

    @classmethod
    def load(cls, schedule: InboxSchedule) -> WeeklyHours:
        return cls(
            schedule,
            tuple(schedule.intervals.all()),
            tuple(schedule.holidays.filter(ends_on__gte=timezone.now().date() - timedelta(days=2))),
        )

    def is_holiday(self, day: date) -> bool:
        return any(holiday.starts_on <= day <= holiday.ends_on for holiday in self.holidays)

    def day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of a local date as aware datetimes (empty on a holiday)."""
        if self.is_holiday(day):
            return []
        zone = self.schedule.zone
        spans = []
        for interval in self.intervals:
            if interval.weekday != day.weekday():
                continue
            start = datetime.combine(day, interval.opens, tzinfo=zone)
            if interval.closes == time(0):
                end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
            else:
                end = datetime.combine(day, interval.closes, tzinfo=zone)
            spans.append((start, end))
        return sorted(spans)

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.schedule.zone)
        return any(start <= at < end for start, end in self.day_intervals(local.date()))

    def next_open(self, at: datetime) -> datetime | None:
        """The first opening after `at`, in UTC; None if the schedule never opens."""
        if not self.intervals:
            return None
        day = at.astimezone(self.schedule.zone).date()
        for offset in range(LOOKAHEAD_DAYS):
            for start, end in self.day_intervals(day + timedelta(days=offset)):
                if start > at:
                    return start.astimezone(UTC)
                if start <= at < end:
                    return None
        return None
