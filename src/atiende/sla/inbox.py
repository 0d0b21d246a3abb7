"""The inbox list's SLA views: "SLA breached" and "SLA due within 1 h".

Both read `ConversationSLA.next_due_at` through the conversation's reverse one-to-one (one
join, on its index); the list's rows read the state with `select_related("sla")`.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atiende.sla.display import SOON

BREACHED_VIEW = "sla_breached"
SOON_VIEW = "sla_soon"
SLA_VIEWS = {BREACHED_VIEW: _("SLA breached"), SOON_VIEW: _("SLA due within 1 h")}


def sla_filter(view: str, now: datetime) -> Q:
    if view == BREACHED_VIEW:
        return Q(sla__next_due_at__lte=now)
    return Q(sla__next_due_at__gt=now, sla__next_due_at__lte=now + SOON)
