"""What travels to visitors: message frames, and signed links to attachments.

A frame carries only what the customer may read (never internal notes, never agents' emails).
Attachment links are signed for the conversation's contact and checked again on download, so a
link stops working once the visitor may no longer see the conversation.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _

from atiende.chat.extensions import actions_for
from atiende.conversations.models import Attachment, Direction, Message

LINK_SALT = "atiende.chat.attachment"
LINK_MAX_AGE = 7 * 24 * 3600
PUBLIC_DIRECTIONS = (Direction.INBOUND, Direction.OUTBOUND, Direction.BOT)


def public_messages(conversation_id: int, after: int = 0) -> Any:
    """The messages a visitor may read, with what a frame needs, in sequence order."""
    return (
        Message.objects.filter(
            conversation_id=conversation_id, seq__gt=after, direction__in=PUBLIC_DIRECTIONS
        )
        .select_related("author_user", "author_contact", "conversation")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("seq")
    )


def attachment_link(contact_id: int, token: str) -> str:
    signed = signing.dumps([contact_id, token], salt=LINK_SALT, compress=True)
    return reverse("chat:attachment", args=[signed])


def read_attachment_link(signed: str) -> tuple[int, str] | None:
    try:
        contact_id, token = signing.loads(signed, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(contact_id, int) or not isinstance(token, str):
        return None
    return contact_id, token


def author_name(message: Message) -> str:
    if message.direction == Direction.INBOUND:
        return message.author_contact.name if message.author_contact else ""
    if message.author_user is not None:
        user = message.author_user
        # Customers see the agent's display name or first name, never the username or email.
        return user.display_name or user.first_name or _("Support")
    return _("Automatic answer")


def message_frame(message: Message, attachments: list[Attachment] | None = None) -> dict[str, Any]:
    """`attachments`: the message's, when the caller knows them (else they are read)."""
    if attachments is None:
        attachments = list(message.attachments.all())
    contact_id = message.conversation.contact_id
    direction = str(message.direction)
    client_id = message.external_id if direction == Direction.INBOUND else ""
    return {
        "type": "message",
        "conversation_id": message.conversation_id,
        "seq": message.seq,
        "direction": direction,
        "text": message.body_text,
        "html": message.body_html,
        "author": author_name(message),
        "created_at": message.created_at.isoformat(),
        "client_id": client_id,
        "attachments": [
            {
                "name": item.filename,
                "size": item.size,
                "content_type": item.content_type,
                "image": item.is_safe_image,
                "url": attachment_link(contact_id, item.token),
            }
            for item in attachments
        ],
        "actions": actions_for(message) if direction != Direction.INBOUND else [],
    }
