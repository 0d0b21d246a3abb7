"""Live pushes to visitors, after commit: every public message of a chat conversation, and
"your conversation changed" when a chat visitor's new conversation is opened.

Subscribed to the core's events in `ChatConfig.ready()`. The push is best effort and fast (no
worker in between); the replay on `resume` is what guarantees delivery, and the outbox adapter
pushes agents' replies once more when it delivers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from atiende.chat.extensions import conversation_visitors_group
from atiende.chat.frames import PUBLIC_DIRECTIONS, message_frame, public_messages
from atiende.chat.models import Visitor
from atiende.chat.sessions import visitor_group
from atiende.conversations.models import Attachment, Conversation, Message
from atiende.core import events
from atiende.inboxes.models import ChannelKind
from atiende.people.models import ContactIdentity, IdentityKind

if TYPE_CHECKING:
    from atiende.core.models import Event


def push_frame(message: Message, attachments: list[Attachment] | None = None) -> None:
    frame = message_frame(message, attachments)
    events.broadcast(
        [conversation_visitors_group(message.conversation_id)],
        {"type": "atiende.chat_message", "frame": frame},
    )


def on_message_created(event: Event) -> None:
    data: dict[str, Any] = event.data or {}
    if data.get("direction") not in PUBLIC_DIRECTIONS or event.conversation_id is None:
        return
    if data.get("channel", ChannelKind.CHAT) != ChannelKind.CHAT:
        return  # an email, a form...: no visitor to push to, and no query to find that out
    held = events.subject_of(event)
    if (
        isinstance(held, Message)
        and held.pk == data.get("message_id")
        and "channel" in data  # the chat channel is known, not assumed
        and held.direction in PUBLIC_DIRECTIONS
    ):
        # The message as the action stored it a moment ago (without attachments): no read.
        push_frame(held, attachments=[])
        return
    message = (
        public_messages(event.conversation_id)
        .filter(pk=data.get("message_id"), conversation__inbox__channel=ChannelKind.CHAT)
        .first()
    )
    if message is not None:
        push_frame(message)


def on_conversation_created(event: Event) -> None:
    data: dict[str, Any] = event.data or {}
    if data.get("channel") != ChannelKind.CHAT or event.conversation_id is None:
        return
    conversation = Conversation.objects.filter(pk=event.conversation_id).first()
    if conversation is None:
        return
    groups = [visitor_group(pk) for pk in visitors_of(conversation)]
    if groups:
        events.broadcast(
            groups, {"type": "atiende.chat_switch", "conversation_id": conversation.pk}
        )


def visitors_of(conversation: Conversation) -> list[int]:
    """The visitors (browsers, app installs) who chat as this conversation's contact.

    One query per way of being that contact, in a UNION: each part is found through its own
    index (the contact, the visitor id). One query with the three conditions OR-ed together
    was read by PostgreSQL through the widget's index, every visitor of the inbox filtered
    one by one (300 rows read per new conversation with 300 visitors, 2 ms). The signed-in
    user's part (no index on `user_id`) is asked only when the contact has such an identity.
    """
    identities = ContactIdentity.objects.filter(
        contact_id=conversation.contact_id, kind__in=(IdentityKind.CHAT, IdentityKind.USER)
    ).values_list("kind", "value")
    chat_ids = [value for kind, value in identities if kind == IdentityKind.CHAT]
    user_ids = [value for kind, value in identities if kind == IdentityKind.USER]
    of_inbox = Visitor.objects.filter(widget__inbox_id=conversation.inbox_id)
    parts = [of_inbox.filter(contact_id=conversation.contact_id).values_list("pk", flat=True)]
    if chat_ids:
        parts.append(of_inbox.filter(visitor_id__in=chat_ids).values_list("pk", flat=True))
    if user_ids:
        parts.append(of_inbox.filter(user_id__in=user_ids).values_list("pk", flat=True))
    found = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    return list(found[:50])
