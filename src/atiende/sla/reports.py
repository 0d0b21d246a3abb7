"""SLA attainment for the reports page: of the conversations created in a period that an SLA
applied to, the share whose first reply, and whose resolution, met the target (those still
running are not counted yet). One aggregate query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from atiende.sla.models import ConversationSLA, Outcome


@dataclass(frozen=True)
class Attainment:
    conversations: int
    first_reply_met: int
    first_reply_breached: int
    resolution_met: int
    resolution_breached: int
    next_reply_breaches: int

    @staticmethod
    def _percent(met: int, breached: int) -> float | None:
        decided = met + breached
        return 100.0 * met / decided if decided else None

    @property
    def first_reply(self) -> float | None:
        return self._percent(self.first_reply_met, self.first_reply_breached)

    @property
    def resolution(self) -> float | None:
        return self._percent(self.resolution_met, self.resolution_breached)


def attainment(start: datetime, end: datetime) -> Attainment:
    """Of the conversations created in [start, end) (merged duplicates left out)."""
    states = ConversationSLA.objects.filter(
        conversation__created_at__gte=start,
        conversation__created_at__lt=end,
        conversation__merged_into__isnull=True,
    )
    totals = states.aggregate(
        conversations=Count("pk"),
        first_reply_met=Count("pk", filter=Q(first_reply=Outcome.MET)),
        first_reply_breached=Count("pk", filter=Q(first_reply=Outcome.BREACHED)),
        resolution_met=Count("pk", filter=Q(resolution=Outcome.MET)),
        resolution_breached=Count("pk", filter=Q(resolution=Outcome.BREACHED)),
        next_reply_breached=Count("pk", filter=Q(next_reply_breaches__gt=0)),
    )
    return Attainment(
        totals["conversations"],
        totals["first_reply_met"],
        totals["first_reply_breached"],
        totals["resolution_met"],
        totals["resolution_breached"],
        totals["next_reply_breached"],
    )
