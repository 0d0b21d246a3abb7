"""Assignment, status, team, priority and tags."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.conversations.access import can_see_conversation
from atiende.conversations.models import TRANSITIONS, Conversation, Priority, Status, Tag
from atiende.core import events
from atiende.core.errors import ActionError, Conflict, NotFound
from atiende.people.models import Team, User

MAX_TAG_LENGTH = 50


def _check(actor: User, conversation: Conversation) -> None:
    if not can_see_conversation(actor, conversation):
        raise NotFound(_("Conversation not found."))


def _update(actor: User, conversation: Conversation, column: str, value: object, kind: str) -> None:
    """Set one column (a field or a foreign key's `_id`) and record the change as `kind`."""
    previous = getattr(conversation, column)
    if previous == value:
        return
    with transaction.atomic():
        setattr(conversation, column, value)
        conversation.save(update_fields=[column.removesuffix("_id")])
        events.record(
            kind, conversation=conversation, actor_user=actor, data={"from": previous, "to": value}
        )


def assign(actor: User, conversation: Conversation, assignee: User | None) -> Conversation:
    _check(actor, conversation)
    if assignee is not None and not assignee.is_active:
        raise ActionError(_("That agent is not active."))
    _update(
        actor,
        conversation,
        "assignee_id",
        assignee.pk if assignee else None,
        "conversation.assigned",
    )
    return conversation


def change_status(actor: User, conversation: Conversation, status: str) -> Conversation:
    _check(actor, conversation)
    if status not in Status.values:
        raise ActionError(_("Unknown status."))
    if status != conversation.status and status not in TRANSITIONS[conversation.status]:
        raise Conflict(
            _("A %(current)s conversation cannot become %(target)s.")
            % {"current": Status(conversation.status).label, "target": Status(status).label}
        )
    _update(actor, conversation, "status", status, "conversation.status_changed")
    return conversation


def change_team(actor: User, conversation: Conversation, team: Team | None) -> Conversation:
    _check(actor, conversation)
    _update(actor, conversation, "team_id", team.pk if team else None, "conversation.team_changed")
    return conversation


def change_priority(actor: User, conversation: Conversation, priority: str) -> Conversation:
    _check(actor, conversation)
    if priority not in Priority.values:
        raise ActionError(_("Unknown priority."))
    _update(actor, conversation, "priority", priority, "conversation.priority_changed")
    return conversation


def normalize_tag(name: str) -> str:
    return " ".join(name.strip().lower().split())[:MAX_TAG_LENGTH]


def tag(
    actor: User,
    conversation: Conversation,
    *,
    add: list[str] | None = None,
    remove: list[str] | None = None,
) -> Conversation:
    _check(actor, conversation)
    to_add = {normalize_tag(name) for name in add or []} - {""}
    to_remove = {normalize_tag(name) for name in remove or []} - {""}
    with transaction.atomic():
        current = set(conversation.tags.values_list("name", flat=True))
        added = sorted(to_add - current)
        removed = sorted(to_remove & current)
        if not added and not removed:
            return conversation
        for name in added:
            tag_object, _created = Tag.objects.get_or_create(name=name)
            conversation.tags.add(tag_object)
        if removed:
            conversation.tags.remove(*Tag.objects.filter(name__in=removed))
        events.record(
            "conversation.tagged",
            conversation=conversation,
            actor_user=actor,
            data={"added": added, "removed": removed},
        )
    return conversation
