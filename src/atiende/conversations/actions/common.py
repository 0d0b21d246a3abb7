"""Helpers the actions share: locking a conversation, appending a message, and queueing one
atiende writes itself."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.conversations import outbox
from atiende.conversations.models import Conversation, DeliveryStatus, Message
from atiende.core import events, hooks, rawsql, tasks
from atiende.core.errors import ActionError
from atiende.core.sanitize import text_to_html
from atiende.search import index


def lock(conversation: Conversation) -> Conversation:
    """Re-read the conversation under a row lock (PostgreSQL); SQLite's BEGIN IMMEDIATE already
    serialises writers."""
    locked = lock_where(pk=conversation.pk)
    if locked is None:
        raise ActionError(_("This conversation no longer exists."))
    return locked


def lock_where(**filters: Any) -> Conversation | None:
    """The conversation matching `filters` (which include its `pk`), read under a row lock, or
    None (one query where a lookup followed by `lock` would take two).

    Every message runs this read: its SQL is compiled once per set of filter names
    (`rawsql.Select`); the values are ids (a model instance stands for its pk)."""
    if "pk" not in filters:
        raise ValueError("lock_where needs the conversation's pk")
    names = tuple(sorted(filters))
    statement = _locks.get(names)
    if statement is None:
        statement = _locks[names] = rawsql.Select(partial(_locked, names), *([int] * len(names)))
    values = [value.pk if isinstance(value, Model) else value for value in map(filters.get, names)]
    return statement.first(*values)


def _locked(names: tuple[str, ...], *values: Any) -> QuerySet[Conversation]:
    queryset = Conversation.objects.filter(**dict(zip(names, values, strict=True)))
    if connection.features.has_select_for_update:
        queryset = queryset.select_for_update()
    # One row at most (a primary key): no ORDER BY to build, as `first()` would.
    return queryset.select_related("contact", "inbox")[:1]


_locks: dict[tuple[str, ...], rawsql.Select[Conversation]] = {}


def next_seq(conversation: Conversation) -> int:
    """Reserve the next message sequence number of `conversation` (inside a transaction).

    One statement (UPDATE ... RETURNING, SQLite >= 3.35 and PostgreSQL) instead of an update and
    a read: it runs for every message.
    """
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    table = Conversation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(table)} "  # noqa: S608 - the model's own table
            "SET last_seq = last_seq + 1, last_message_at = %s, updated_at = %s "
            "WHERE id = %s RETURNING last_seq",
            [stamp, stamp, conversation.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise ActionError(_("This conversation no longer exists."))
    conversation.last_seq = int(row[0])
    conversation.last_message_at = now
    conversation.updated_at = now
    return conversation.last_seq


def append_message(conversation: Conversation, **fields: Any) -> Message:
    seq = next_seq(conversation)
    message = Message(conversation=conversation, inbox_id=conversation.inbox_id, seq=seq, **fields)
    rawsql.insert(message)  # every message: INSERT ... RETURNING without the SQL compiler
    return message


def touch(conversation: Conversation, *fields: str) -> None:
    conversation.updated_at = timezone.now()
    conversation.save(update_fields=[*fields, "updated_at"])


def queue_message(
    conversation: Conversation,
    *,
    direction: str,
    text: str,
    html: str = "",
    event_data: dict[str, Any] | None = None,
) -> Message:
    """A message atiende writes itself (an acknowledgement, a warning, a bot answer): stored,
    indexed, announced and handed to the outbox, inside the caller's transaction."""
    message = append_message(
        conversation,
        direction=direction,
        body_text=text,
        body_html=html or text_to_html(text),
        delivery_status=DeliveryStatus.QUEUED,
    )
    index.index_message(message)
    events.record(
        "message.created",
        conversation=conversation,
        data={
            "message_id": message.pk,
            "seq": message.seq,
            "direction": direction,
            **({"channel": channel} if (channel := channel_of(conversation)) else {}),
            **(event_data or {}),
        },
    )
    enqueue_delivery(message)
    return message


def channel_of(conversation: Conversation) -> str | None:
    """The conversation's channel when its inbox is already loaded (no query), else None."""
    if Conversation.inbox.is_cached(conversation):
        return str(conversation.inbox.channel)
    return None


def enqueue_delivery(message: Message) -> None:
    """Hand a reply to the outbox (inside the transaction that stored it).

    `pushed`: the after-commit subscribers run (they are not suspended), so the chat channel's
    push reaches the visitor's sockets right after the commit and the chat adapter does not
    push the same frame again.
    """
    pushed = bool(hooks.subscribers("message.created"))
    key = f"deliver:{message.uuid}"
    payload = {"message_id": message.pk, "pushed": pushed}
    if pushed and outbox.delivers_at_once(message):
        # Chat: delivered by this thread right after the commit (after the push), the task
        # being the guard and the fallback. The worker is not woken for it (it would claim
        # nothing), unless the in-line delivery did not happen; else its next poll finds it.
        transaction.on_commit(lambda: _deliver_at_once(message, key))
        tasks.enqueue("deliver_message", payload, key=key, wake=False)
        return
    tasks.enqueue("deliver_message", payload, key=key)


def _deliver_at_once(message: Message, key: str) -> None:
    if not outbox.deliver_after_commit(message, key):
        tasks.wake()
