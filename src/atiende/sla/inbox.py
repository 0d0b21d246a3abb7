"""The inbox list's SLA views: "SLA breached" and "SLA due within 1 h".

Both read `ConversationSLA.next_due_at` through the conversation's reverse one-to-one (one
join, on its index); the list's rows read the state with `select_related("sla")`. Both are
sorted by that due time, earliest first: the most overdue conversation heads "SLA breached",
the one due soonest heads "SLA due within 1 h". Pages are keyset-paginated on
(next_due_at, id). The navigation counts both with one aggregate query (`counts`), computed
at each request: a due time passes without a write, so nothing is cached.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from atiende.conversations.access import visible_conversations
from atiende.conversations.models import ACTIVE_STATUSES, Conversation
from atiende.people.models import User
from atiende.sla.display import SOON

BREACHED_VIEW = "sla_breached"
SOON_VIEW = "sla_soon"
SLA_VIEWS = {BREACHED_VIEW: _("SLA breached"), SOON_VIEW: _("SLA due within 1 h")}
ORDER = ("sla__next_due_at", "id")


def sla_filter(view: str, now: datetime) -> Q:
    if view == BREACHED_VIEW:
        return Q(sla__next_due_at__lte=now)
    return Q(sla__next_due_at__gt=now, sla__next_due_at__lte=now + SOON)


def after(moment: datetime, pk: int) -> Q:
    """The rows that follow (moment, pk) in `ORDER`: the next page's keyset condition."""
    return Q(sla__next_due_at__gt=moment) | Q(sla__next_due_at=moment, pk__gt=pk)


def due_at(conversation: Conversation) -> datetime:
    """The sort key of a row of an SLA view (every row there has a state with a due time)."""
    due = conversation.sla.next_due_at
    assert due is not None
    return due


def counts(user: User, now: datetime) -> dict[str, int]:
    """How many active conversations the user may see are in each SLA view: one query, on
    the due-time index (only the states due within the hour or overdue are read)."""
    found: dict[str, int] = (
        visible_conversations(user)
        .filter(status__in=ACTIVE_STATUSES, sla__next_due_at__lte=now + SOON)
        .aggregate(
            **{
                BREACHED_VIEW: Count("pk", filter=Q(sla__next_due_at__lte=now)),
                SOON_VIEW: Count("pk", filter=Q(sla__next_due_at__gt=now)),
            }
        )
    )
    return found
