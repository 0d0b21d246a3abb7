"""The agent's live chats at a glance (the "My chats" strip) and read markers.

A chat is unread from the first customer message after the highest sequence number an agent
has read (`ChatRead`); reading it moves the marker and sends the visitor a read receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from atiende.chat.models import ChatState
from atiende.conversations.access import visible_conversations
from atiende.conversations.models import ACTIVE_STATUSES, Conversation, Direction, Message
from atiende.inboxes.models import ChannelKind
from atiende.people.models import User
from atiende.workflow import visitor
from atiende.workflow.models import ChatRead

MAX_CHATS = 30
PAGE_LENGTH = 500
LAST_LINE_LENGTH = 120


@dataclass(frozen=True)
class LiveChat:
    conversation: Conversation
    unread: int
    last_line: str
    page_url: str


def my_chats(user: User) -> list[LiveChat]:
    """The agent's assigned, active live chats, most recent activity first."""
    read_seq = Subquery(
        ChatRead.objects.filter(conversation=OuterRef("pk")).values("seq")[:1],
        output_field=IntegerField(),
    )
    unread = Subquery(
        Message.objects.filter(
            conversation=OuterRef("pk"),
            direction=Direction.INBOUND,
            seq__gt=OuterRef("read_seq"),
        )
        .order_by()
        .values("conversation")
        .annotate(total=Count("pk"))
        .values("total")[:1],
        output_field=IntegerField(),
    )
    last_line = Subquery(
        Message.objects.filter(conversation=OuterRef("pk"))
        .exclude(direction=Direction.NOTE)
        .order_by("-seq")
        .values("body_text")[:1]
    )
    chats = (
        visible_conversations(user)
        .filter(assignee=user, inbox__channel=ChannelKind.CHAT, status__in=ACTIVE_STATUSES)
        .select_related("contact")
        .annotate(read_seq=Coalesce(read_seq, Value(0)))
        .annotate(unread_count=Coalesce(unread, Value(0)), last_text=last_line)
        .annotate(
            page=Subquery(
                ChatState.objects.filter(conversation=OuterRef("pk")).values("page_url")[:1]
            )
        )
        .order_by("-last_message_at", "-pk")[:MAX_CHATS]
    )
    return [
        LiveChat(
            conversation,
            conversation.unread_count,
            " ".join((conversation.last_text or "").split())[:LAST_LINE_LENGTH],
            safe_page_url(conversation.page),
        )
        for conversation in chats
    ]


def mark_read(user: User, conversation_id: int) -> int | None:
    """The agent has the chat in front of them: everything the customer sent is read.

    Returns the newly read sequence number (and tells the visitor), or None when nothing new
    was read or the agent may not see the chat.
    """
    conversation = (
        visible_conversations(user)
        .filter(pk=conversation_id, inbox__channel=ChannelKind.CHAT)
        .first()
    )
    if conversation is None:
        return None
    seq = (
        Message.objects.filter(conversation=conversation, direction=Direction.INBOUND)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    if not seq:
        return None
    with transaction.atomic():
        marker, _created = ChatRead.objects.get_or_create(conversation=conversation)
        # Conditional: two tabs reading at once send one receipt.
        moved = ChatRead.objects.filter(pk=marker.pk, seq__lt=seq).update(
            seq=seq, read_at=timezone.now()
        )
    if not moved:
        return None
    visitor.read_receipt(conversation.pk, seq)
    return seq


def safe_page_url(value: object) -> str:
    """Only an http(s) address is shown to agents as the visitor's page (never javascript:)."""
    if not isinstance(value, str):
        return ""
    value = value.strip()[:PAGE_LENGTH]
    if urlsplit(value).scheme not in {"http", "https"}:
        return ""
    return value
