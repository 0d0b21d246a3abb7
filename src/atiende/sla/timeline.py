"""How `sla.breached` reads on the conversation timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from atiende.conversations import extensions
from atiende.sla.models import Metric
from atiende.sla.state import BREACHED

if TYPE_CHECKING:
    from atiende.core.models import Event


def describe_breached(event: Event) -> str:
    metric = str(event.data.get("metric", ""))
    label = Metric(metric).label if metric in Metric.values else metric
    return _("SLA breached: %(metric)s target of the policy %(policy)s") % {
        "metric": label,
        "policy": event.data.get("policy", "?"),
    }


def register() -> None:
    extensions.register_event(BREACHED, describe_breached)
