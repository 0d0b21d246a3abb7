"""The numbers on the reports page, each aggregated in the database.

Conversations are counted by when they were created, within the period: per day, per channel,
per category (triage's, or the agent's correction), with the medians of their first response
(the first public reply by a person) and of their resolution (the first time they were solved).
CSAT counts the surveys sent in the period (one per solve), credited to the agent and team that
solved the conversation. Per team and per agent, each figure is one grouped query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.assistant.models import Category, Triage
from atiende.conversations.models import Conversation, Direction, Message
from atiende.core.models import Event
from atiende.inboxes.models import ChannelKind
from atiende.people.models import Team, User
from atiende.reports.sql import DayOf, Median, SecondsBetween
from atiende.satisfaction.models import Rating, Survey

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
TOP_CATEGORIES = 10


@dataclass(frozen=True)
class Period:
    days: int
    start: datetime
    end: datetime

    @property
    def previous_start(self) -> datetime:
        return self.start - timedelta(days=self.days)


def period(days: int, now: datetime | None = None) -> Period:
    days = days if days in PERIODS else DEFAULT_PERIOD
    end = now or timezone.now()
    return Period(days, end - timedelta(days=days), end)


@dataclass
class Row:
    """One line of the table: a team, an agent, or everyone."""

    name: str
    conversations: int = 0
    first_response: float | None = None  # median seconds
    resolution: float | None = None  # median seconds
    rated: int = 0
    good: int = 0

    @property
    def csat(self) -> float | None:
        """Share of good ratings among the answered surveys, in percent."""
        return 100.0 * self.good / self.rated if self.rated else None


@dataclass(frozen=True)
class CategoryCount:
    name: str
    count: int
    previous: int

    @property
    def change(self) -> int:
        return self.count - self.previous

    @property
    def decrease(self) -> int:
        return self.previous - self.count


@dataclass
class Report:
    period: Period
    per_day: list[tuple[date, int]] = field(default_factory=list)
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    categories: list[CategoryCount] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row(""))
    teams: list[Row] = field(default_factory=list)
    agents: list[Row] = field(default_factory=list)


def created_in(start: datetime, end: datetime) -> QuerySet[Conversation]:
    """Conversations created in [start, end); merged duplicates are not counted twice."""
    return Conversation.objects.filter(
        created_at__gte=start, created_at__lt=end, merged_into__isnull=True
    )


def _first_reply() -> Subquery:
    replies = Message.objects.filter(conversation=OuterRef("pk"), direction=Direction.OUTBOUND)
    return Subquery(replies.order_by("seq").values("created_at")[:1])


def _first_solve() -> Subquery:
    solves = Event.objects.filter(
        conversation=OuterRef("pk"), kind="conversation.status_changed", data__to="solved"
    )
    return Subquery(solves.order_by("pk").values("created_at")[:1])


def _metrics() -> dict[str, Any]:
    return {
        "conversations": Count("pk"),
        "first_response": Median(SecondsBetween(_first_reply(), F("created_at"))),
        "resolution": Median(SecondsBetween(_first_solve(), F("created_at"))),
    }


def _csat(group: str | None, the_period: Period) -> dict[Any, tuple[int, int]]:
    """(answered, good) per `group` column of the surveys sent in the period (None: all)."""
    surveys = Survey.objects.filter(sent_at__gte=the_period.start, sent_at__lt=the_period.end)
    counts = {
        "rated": Count("pk", filter=~Q(rating="")),
        "good": Count("pk", filter=Q(rating=Rating.GOOD)),
    }
    if group is None:
        total = surveys.aggregate(**counts)
        return {None: (total["rated"], total["good"])}
    rows = surveys.order_by().values(group).annotate(**counts)
    return {row[group]: (row["rated"], row["good"]) for row in rows}


def _rows(
    group: str, survey_group: str, model: type[Team] | type[User], fallback: str, the_period: Period
) -> list[Row]:
    """One row per value of `group` (the conversation's team or assignee); the surveys are
    grouped by `survey_group` (the team or agent at the solve)."""
    conversations = created_in(the_period.start, the_period.end)
    grouped = conversations.order_by().values(group).annotate(**_metrics())
    rows: dict[Any, Row] = {}
    for values in grouped:
        rows[values[group]] = Row(
            "", values["conversations"], values["first_response"], values["resolution"]
        )
    for key, (rated, good) in _csat(survey_group, the_period).items():
        row = rows.setdefault(key, Row(""))
        row.rated, row.good = rated, good
    names = model.objects.in_bulk([key for key in rows if key is not None])
    for key, row in rows.items():
        row.name = str(names[key]) if key in names else fallback
    return sorted(rows.values(), key=lambda row: (-row.conversations, row.name))


def _categories(the_period: Period) -> list[CategoryCount]:
    triaged = Triage.objects.filter(
        conversation__created_at__gte=the_period.previous_start,
        conversation__created_at__lt=the_period.end,
        conversation__merged_into__isnull=True,
    )
    counted = (
        triaged.annotate(chosen=Coalesce("label_id", "category_id"))
        .exclude(chosen=None)
        .order_by()
        .values("chosen")
        .annotate(
            count=Count("pk", filter=Q(conversation__created_at__gte=the_period.start)),
            previous=Count("pk", filter=Q(conversation__created_at__lt=the_period.start)),
        )
        .filter(count__gt=0)
        .order_by("-count", "chosen")[:TOP_CATEGORIES]
    )
    rows = list(counted)
    names = Category.objects.in_bulk([row["chosen"] for row in rows])
    return [
        CategoryCount(
            str(names[row["chosen"]].name) if row["chosen"] in names else "?",
            row["count"],
            row["previous"],
        )
        for row in rows
    ]


def build_report(days: int, now: datetime | None = None) -> Report:
    the_period = period(days, now)
    report = Report(the_period)
    conversations = created_in(the_period.start, the_period.end)

    counts = dict(
        conversations.order_by()
        .annotate(day=DayOf("created_at"))
        .values("day")
        .annotate(count=Count("pk"))
        .values_list("day", "count")
    )
    first_day = timezone.localdate(the_period.start)
    last_day = timezone.localdate(the_period.end)
    report.per_day = [
        (day, counts.get(day, 0))
        for day in (first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1))
    ]

    channels = dict(ChannelKind.choices)
    by_channel = (
        conversations.order_by()
        .values("inbox__channel")
        .annotate(count=Count("pk"))
        .order_by("-count", "inbox__channel")
    )
    report.by_channel = [
        (str(channels.get(row["inbox__channel"], row["inbox__channel"])), row["count"])
        for row in by_channel
    ]
    report.categories = _categories(the_period)

    total = conversations.aggregate(**_metrics())
    rated, good = _csat(None, the_period)[None]
    report.total = Row(
        _("Everyone"),
        total["conversations"],
        total["first_response"],
        total["resolution"],
        rated,
        good,
    )
    report.teams = _rows("team", "team", Team, _("No team"), the_period)
    report.agents = _rows("assignee", "agent", User, _("Unassigned"), the_period)
    return report
