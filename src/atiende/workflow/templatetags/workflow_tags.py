"""`{% live_bar %}`: the agent's status control, notification switches and live chats strip;
`{% last_event_id %}`: where the page's view of the event log starts (for resume)."""

from __future__ import annotations

from typing import Any

from django import template

from atiende.core.models import Event
from atiende.people.models import User
from atiende.workflow.views import status_context

register = template.Library()


@register.inclusion_tag("workflow/_livebar.html", takes_context=True)
def live_bar(context: template.Context) -> dict[str, Any]:
    user = context["user"]
    data: dict[str, Any] = {
        "request": context.get("request"),
        "user": user,
        "csrf_token": context.get("csrf_token"),
    }
    if isinstance(user, User):
        data.update(status_context(user))
    return data


@register.simple_tag
def last_event_id() -> int:
    latest = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    return latest or 0
