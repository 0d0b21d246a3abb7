"""Helpers the actions share: locking a conversation and appending a message."""

from __future__ import annotations

from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.conversations.models import Conversation, Message
from atiende.core.errors import ActionError


def lock(conversation: Conversation) -> Conversation:
    """Re-read the conversation under a row lock (PostgreSQL); SQLite's BEGIN IMMEDIATE already
    serialises writers."""
    queryset = Conversation.objects.filter(pk=conversation.pk)
    if connection.features.has_select_for_update:
        queryset = queryset.select_for_update()
    locked = queryset.select_related("contact", "inbox").first()
    if locked is None:
        raise ActionError(_("This conversation no longer exists."))
    return locked


def next_seq(conversation: Conversation) -> int:
    """Reserve the next message sequence number of `conversation` (inside a transaction)."""
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(
        last_seq=F("last_seq") + 1, last_message_at=now, updated_at=now
    )
    conversation.refresh_from_db(fields=["last_seq", "last_message_at", "updated_at"])
    return conversation.last_seq


def append_message(conversation: Conversation, **fields: object) -> Message:
    seq = next_seq(conversation)
    return Message.objects.create(
        conversation=conversation, inbox_id=conversation.inbox_id, seq=seq, **fields
    )


def touch(conversation: Conversation, *fields: str) -> None:
    conversation.updated_at = timezone.now()
    conversation.save(update_fields=[*fields, "updated_at"])
