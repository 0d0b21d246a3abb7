"""Append an event and fan it out to browsers once the transaction commits."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from atiende.core.models import Event

if TYPE_CHECKING:
    from atiende.conversations.models import Conversation
    from atiende.people.models import Contact, User

logger = logging.getLogger(__name__)

INBOX_GROUP = "inbox"


def conversation_group(conversation_id: int) -> str:
    return f"conversation-{conversation_id}"


def contact_group(contact_id: int) -> str:
    return f"contact-{contact_id}"


def record(
    kind: str,
    *,
    conversation: Conversation | None = None,
    contact: Contact | None = None,
    actor_user: User | None = None,
    actor_contact: Contact | None = None,
    data: dict[str, Any] | None = None,
    publish: bool = True,
) -> Event:
    """Append `kind` to the log; after commit, tell the browsers watching what changed."""
    event = Event.objects.create(
        kind=kind,
        conversation=conversation,
        contact=contact if contact is not None else getattr(conversation, "contact", None),
        actor_user=actor_user,
        actor_contact=actor_contact,
        data=data or {},
    )
    if publish:
        message = {
            "type": "atiende.event",
            "event_id": event.pk,
            "kind": kind,
            "conversation_id": conversation.pk if conversation else None,
            "actor_user_id": actor_user.pk if actor_user else None,
        }
        groups = [INBOX_GROUP]
        if conversation is not None:
            groups.append(conversation_group(conversation.pk))
            groups.append(contact_group(conversation.contact_id))
        transaction.on_commit(lambda: broadcast(groups, message))
    return event


def broadcast(groups: list[str], message: dict[str, Any]) -> None:
    """Send to channel-layer groups; a fan-out failure never undoes a committed change."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        for group in groups:
            async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.exception("could not publish %s", message.get("kind"))
