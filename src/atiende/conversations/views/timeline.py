"""The conversation timeline: messages and the events that changed the conversation, in order.

Messages carry their own delivery state; `message.created` and `message.delivery` events are
therefore not shown twice. Names in events are resolved in bulk (one query per kind of name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from atiende.conversations import extensions
from atiende.conversations.models import Attachment, Conversation, Message, Priority, Status
from atiende.core.models import Event
from atiende.people.models import Team, User

SHOWN_EVENTS = (
    "conversation.status_changed",
    "conversation.assigned",
    "conversation.team_changed",
    "conversation.priority_changed",
    "conversation.tagged",
    "conversation.merged",
    "conversation.merged_away",
)


@dataclass
class TimelineItem:
    kind: str  # "message" or "event"
    created_at: datetime
    message: Message | None = None
    attachments: list[Attachment] = field(default_factory=list)
    text: str = ""


def _label(choices: Any, value: object) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def describe(event: Event, users: dict[int, User], teams: dict[int, Team]) -> str:
    data = event.data
    actor = str(event.actor_user or event.actor_contact or _("System"))

    def user_name(pk: object) -> str:
        user = users.get(pk) if isinstance(pk, int) else None
        return str(user) if user else _("nobody")

    def team_name(pk: object) -> str:
        team = teams.get(pk) if isinstance(pk, int) else None
        return str(team) if team else _("no team")

    if event.kind == "conversation.status_changed":
        return _("%(actor)s changed the status from %(old)s to %(new)s") % {
            "actor": actor,
            "old": _label(Status, data.get("from")),
            "new": _label(Status, data.get("to")),
        }
    if event.kind == "conversation.assigned":
        if data.get("to") is None:
            return _("%(actor)s unassigned the conversation") % {"actor": actor}
        return _("%(actor)s assigned the conversation to %(assignee)s") % {
            "actor": actor,
            "assignee": user_name(data.get("to")),
        }
    if event.kind == "conversation.team_changed":
        return _("%(actor)s moved the conversation to %(team)s") % {
            "actor": actor,
            "team": team_name(data.get("to")),
        }
    if event.kind == "conversation.priority_changed":
        return _("%(actor)s changed the priority to %(priority)s") % {
            "actor": actor,
            "priority": _label(Priority, data.get("to")),
        }
    if event.kind == "conversation.tagged":
        parts = []
        if data.get("added"):
            parts.append(
                _("%(actor)s added tags: %(tags)s")
                % {"actor": actor, "tags": ", ".join(data["added"])}
            )
        if data.get("removed"):
            parts.append(
                _("%(actor)s removed tags: %(tags)s")
                % {"actor": actor, "tags": ", ".join(data["removed"])}
            )
        return "; ".join(parts)
    if event.kind == "conversation.merged":
        return _("%(actor)s merged conversation #%(source)s into this one") % {
            "actor": actor,
            "source": data.get("source"),
        }
    return _("%(actor)s merged this conversation into #%(target)s") % {
        "actor": actor,
        "target": data.get("target"),
    }


def build_timeline(conversation: Conversation) -> list[TimelineItem]:
    messages = list(
        conversation.messages.select_related("author_user", "author_contact").prefetch_related(
            "attachments"
        )
    )
    events = list(
        Event.objects.filter(
            conversation=conversation, kind__in=(*SHOWN_EVENTS, *extensions.event_kinds())
        ).select_related("actor_user", "actor_contact")
    )
    user_ids = {e.data.get("to") for e in events if e.kind == "conversation.assigned"} - {None}
    team_ids = {e.data.get("to") for e in events if e.kind == "conversation.team_changed"} - {None}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    teams = {t.pk: t for t in Team.objects.filter(pk__in=team_ids)}
    items = [
        TimelineItem("message", m.created_at, message=m, attachments=list(m.attachments.all()))
        for m in messages
    ]
    items += [
        TimelineItem(
            "event",
            e.created_at,
            text=(
                describe(e, users, teams)
                if e.kind in SHOWN_EVENTS
                else extensions.describe_event(e)
            ),
        )
        for e in events
    ]
    # Stable order: by time; a message before the events its own transaction recorded.
    items.sort(key=lambda item: (item.created_at, item.kind != "message"))
    return items
