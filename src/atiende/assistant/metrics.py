"""What the bot page shows supervisors: how often the bot answered, handed off and resolved,
which questions it could not answer (content gaps, grouped), and its precision-coverage curve
on the live help center.

Rates are per conversation the bot took part in over the window: *answered* ones got at least
one bot answer, *resolved* ones the customer confirmed as solved, *handed off* went to people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from atiende.assistant.evaluation.curve import Point, coverage_at_precision
from atiende.assistant.ml.embedding import default_embedder
from atiende.assistant.models import BotPolicy, BotState, BotStatus, BotTurn, Outcome

GAP_REASONS = ("low confidence", "no articles")
GAP_POOL = 500
GAP_SIMILARITY = 0.75


@dataclass(frozen=True)
class BotStats:
    days: int
    conversations: int
    answered: int
    handed_off: int
    resolved: int

    @property
    def answered_rate(self) -> float:
        return self.answered / self.conversations if self.conversations else 0.0

    @property
    def resolved_rate(self) -> float:
        return self.resolved / self.conversations if self.conversations else 0.0

    @property
    def handed_off_rate(self) -> float:
        return self.handed_off / self.conversations if self.conversations else 0.0


def bot_stats(days: int = 30) -> BotStats:
    since = timezone.now() - timedelta(days=days)
    turns = BotTurn.objects.filter(created_at__gte=since)
    conversation_ids = set(turns.values_list("conversation_id", flat=True).distinct())
    answered = turns.filter(outcome=Outcome.ANSWERED).values("conversation_id").distinct().count()
    states = dict(
        BotState.objects.filter(conversation_id__in=conversation_ids)
        .values_list("status")
        .annotate(count=Count("id"))
        .values_list("status", "count")
    )
    return BotStats(
        days=days,
        conversations=len(conversation_ids),
        answered=answered,
        handed_off=states.get(BotStatus.HANDED_OFF, 0),
        resolved=states.get(BotStatus.RESOLVED, 0),
    )


@dataclass
class Gap:
    question: str
    count: int = 1
    examples: list[str] = field(default_factory=list)
    last_conversation_id: int = 0


def content_gaps(days: int = 30, limit: int = 20) -> list[Gap]:
    """Questions the bot could not answer, similar ones grouped (greedy, by embedding)."""
    since = timezone.now() - timedelta(days=days)
    rows = list(
        BotTurn.objects.filter(
            created_at__gte=since, outcome=Outcome.HANDED_OFF, reason__in=GAP_REASONS
        )
        .order_by("-created_at")
        .values_list("question", "conversation_id")[:GAP_POOL]
    )
    if not rows:
        return []
    vectors = default_embedder().encode([question for question, _pk in rows])
    groups: list[Gap] = []
    centres: list[int] = []
    for position, (question, conversation_id) in enumerate(rows):
        for group, centre in zip(groups, centres, strict=True):
            if float(vectors[position] @ vectors[centre]) >= GAP_SIMILARITY:
                group.count += 1
                if len(group.examples) < 3 and question not in group.examples:
                    group.examples.append(question)
                break
        else:
            groups.append(Gap(question, 1, [question], conversation_id))
            centres.append(position)
    groups.sort(key=lambda gap: -gap.count)
    return groups[:limit]


def live_curve() -> tuple[BotPolicy | None, list[Point]]:
    """The newest calibration and its (threshold, precision, coverage) points."""
    row = BotPolicy.objects.order_by("-created_at", "-id").first()
    if row is None:
        return None, []
    return row, curve_points(row.curve)


def curve_points(curve: dict[str, Any]) -> list[Point]:
    points = curve.get("points") if isinstance(curve, dict) else None
    if not isinstance(points, list):
        return []
    return [
        (float(point[0]), float(point[1]), float(point[2]))
        for point in points
        if isinstance(point, list | tuple) and len(point) == 3
    ]


def live_coverage(points: list[Point], target: float = 0.95) -> tuple[float, float]:
    """Coverage at `target` precision on the live help center, and the threshold there."""
    return coverage_at_precision(points, target)
