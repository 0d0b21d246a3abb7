"""Time-based rules, checked every hour (`ATIENDE_AUTOMATIONS_CHECK_SECONDS`).

"Pending for N hours" and "solved for N hours" count from the conversation's latest status
change, "unassigned for N hours" from its latest assignment change (or its creation when there
was none). A rule fires once for a conversation while its condition holds: a `Hold` row says
so; at a check where the condition no longer holds the row goes, and the rule may fire again
when it holds again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from atiende.automations import apply, conditions
from atiende.automations.models import Hold, Rule, TimeCondition, Trigger
from atiende.conversations.models import ACTIVE_STATUSES, Conversation, Status
from atiende.core import recurring, tasks
from atiende.core.models import Event

logger = logging.getLogger(__name__)

CHECK = "automations.check"


def check_interval() -> int:
    """settings.ATIENDE_AUTOMATIONS_CHECK_SECONDS (an hour unless the environment says), at
    least a minute."""
    return max(60, int(settings.ATIENDE_AUTOMATIONS_CHECK_SECONDS))


def _since(kinds: tuple[str, ...]) -> Coalesce:
    latest = (
        Event.objects.filter(conversation=OuterRef("pk"), kind__in=kinds)
        .order_by("-id")
        .values("created_at")[:1]
    )
    return Coalesce(Subquery(latest, output_field=DateTimeField()), F("created_at"))


def candidates(rule: Rule, now: datetime) -> QuerySet[Conversation]:
    """The conversations the rule's time condition holds for at `now`."""
    cutoff = now - timedelta(hours=rule.hours or 0)
    base = Conversation.objects.filter(merged_into__isnull=True)
    if rule.time_condition == TimeCondition.UNASSIGNED:
        base = base.filter(assignee__isnull=True, status__in=ACTIVE_STATUSES)
        since = _since(("conversation.assigned",))
    else:
        status = Status.PENDING if rule.time_condition == TimeCondition.PENDING else Status.SOLVED
        base = base.filter(status=status)
        since = _since(("conversation.status_changed",))
    return base.annotate(since=since).filter(since__lte=cutoff)


def check_rule(rule: Rule, now: datetime) -> int:
    """Fire `rule` where it holds and has not fired since it began to; returns how many."""
    held = set(Hold.objects.filter(rule=rule).values_list("conversation_id", flat=True))
    holding: set[int] = set()
    fired = 0
    matching = candidates(rule, now).select_related("inbox", "contact").order_by("pk")
    for conversation in matching.iterator(chunk_size=500):
        if not conditions.holds(rule, conversation):
            continue
        holding.add(conversation.pk)
        if conversation.pk in held:
            continue  # fired already while this lasts
        with transaction.atomic():
            hold, created = Hold.objects.get_or_create(rule=rule, conversation=conversation)
            if created:
                key = f"time:{conversation.pk}:{hold.pk}"
                fired += apply.apply(rule, conversation, key=key, event_id=None)
    # Where it stopped holding, it may fire again once it holds again.
    stopped = sorted(held - holding)
    for start in range(0, len(stopped), 500):
        Hold.objects.filter(rule=rule, conversation_id__in=stopped[start : start + 500]).delete()
    return fired


def check_all(now: datetime | None = None) -> int:
    """Check every active time-based rule, in order (`now`: the time to check at)."""
    now = now or timezone.now()
    fired = 0
    for rule in Rule.objects.filter(active=True, trigger=Trigger.TIME):
        try:
            fired += check_rule(rule, now)
        except Exception:
            logger.exception("automation rule %s failed its check", rule.pk)
    return fired


@tasks.task(CHECK, lease_seconds=1800)
def check_task(payload: dict[str, Any]) -> None:
    check_all()
    recurring.schedule_next(CHECK)


def register() -> None:
    recurring.every(CHECK, check_interval)
