"""`{% sla_badge conversation %}`: the inbox row's compact SLA badge (breached, due soon).

Reads the state loaded with the row (`select_related("sla")`): no query per row.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from atiende.conversations.models import Conversation
from atiende.people.models import User
from atiende.sla import display
from atiende.sla.inbox import SLA_VIEWS, counts

register = template.Library()


@register.simple_tag
def sla_badge(conversation: Conversation) -> SafeString | str:
    found = display.badge(conversation, timezone.now())
    if found is None:
        return ""
    return format_html(
        '<span class="badge sla-badge sla-{} {}" title="{}">{}</span>',
        found.state,
        # The inbox's own colours: red as an urgent priority, orange as a high one.
        "priority-urgent" if found.state == display.BREACHED else "priority-high",
        found.due_at.isoformat(),
        found.text,
    )


@register.inclusion_tag("sla/_nav.html", takes_context=True)
def sla_nav(context: template.Context) -> dict[str, Any]:
    """The inbox navigation's SLA views, each with its count (one query, at each render: a
    due time passes without a write), as the other views have theirs."""
    request = context.get("request")
    current = request.GET.get("view", "") if request is not None else ""
    user = getattr(request, "user", None)
    found = counts(user, timezone.now()) if isinstance(user, User) and user.is_authenticated else {}
    base = reverse("inbox:home")
    return {
        "sla_views": [
            (str(label), f"{base}?{urlencode({'view': key})}", key == current, found.get(key))
            for key, label in SLA_VIEWS.items()
        ]
    }
