"""How a rule's firing reads on the conversation timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from atiende.automations.models import ActionKind
from atiende.conversations import extensions
from atiende.conversations.models import Priority, Status

if TYPE_CHECKING:
    from atiende.core.models import Event


def _action(item: object) -> str:
    if not isinstance(item, dict):
        return ""
    kind = item.get("kind")
    label = str(ActionKind(kind).label) if kind in ActionKind.values else str(kind)
    value = item.get("value")
    if kind == ActionKind.SET_PRIORITY and value in Priority.values:
        value = Priority(value).label
    elif kind == ActionKind.SET_STATUS and value in Status.values:
        value = Status(value).label
    return f"{label}: {value}" if value else label


def describe_applied(event: Event) -> str:
    done = [_action(item) for item in event.data.get("actions", [])]
    skipped = [_action(item) for item in event.data.get("skipped", [])]
    text = _("Automation “%(rule)s” applied: %(actions)s") % {
        "rule": event.data.get("rule", "?"),
        "actions": "; ".join(done) if done else _("nothing to change"),
    }
    if skipped:
        text += " " + _("(skipped: %(actions)s)") % {"actions": "; ".join(skipped)}
    return text


def register() -> None:
    extensions.register_event("automation.applied", describe_applied)
