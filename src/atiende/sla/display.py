"""What agents read about SLA clocks: the panel's rows, the inbox badge, durations in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from atiende.conversations.models import Conversation
from atiende.sla.clocks import Clock
from atiende.sla.hours import Hours
from atiende.sla.models import Metric
from atiende.sla.state import Applied

SOON = timedelta(hours=1)

RUNNING = "running"
PAUSED = "paused"
MET = "met"
BREACHED = "breached"
STOPPED = "stopped"


def duration(seconds: float) -> str:
    """'3 d 4 h', '2 h 5 min', '12 min', 'under a minute'."""
    minutes = int(abs(seconds) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("under a minute")


@dataclass(frozen=True)
class Row:
    metric: str
    label: str
    state: str
    due_at: datetime | None
    left: str  # counted time left (running or paused)
    over: str  # how long past due (breached)


def row(clock: Clock, hours: Hours, now: datetime) -> Row:
    label = str(Metric(clock.metric).label)
    if clock.finished_at is not None:
        late = ""
        if clock.breached_at is not None:
            late = duration(hours.seconds_between(clock.breached_at, clock.finished_at))
        state = BREACHED if clock.breached_at else (MET if clock.fulfilled else STOPPED)
        return Row(clock.metric, label, state, None, "", late)
    if clock.paused:
        over = ""
        if clock.remaining < 0:
            over = duration(-clock.remaining)
        return Row(clock.metric, label, PAUSED, None, duration(max(0.0, clock.remaining)), over)
    due = clock.due
    assert due is not None  # a running clock has a due time
    if due <= now:
        return Row(
            clock.metric, label, BREACHED, due, "", duration(hours.seconds_between(due, now))
        )
    return Row(clock.metric, label, RUNNING, due, duration(hours.seconds_between(now, due)), "")


def rows(applied: Applied, now: datetime) -> list[Row]:
    return [row(clock, applied.hours, now) for clock in applied.clocks.shown()]


@dataclass(frozen=True)
class Badge:
    state: str  # "breached" or "soon"
    text: str
    due_at: datetime


def badge(conversation: Conversation, now: datetime) -> Badge | None:
    """The inbox list's badge, from the state read with the row (`select_related("sla")`)."""
    try:
        sla = conversation.sla
    except ObjectDoesNotExist:
        return None
    due = sla.next_due_at
    if due is None:
        return None
    if due <= now:
        return Badge(BREACHED, _("SLA breached"), due)
    if due - now <= SOON:
        return Badge(
            "soon", _("SLA due in %(left)s") % {"left": duration((due - now).total_seconds())}, due
        )
    return None
