"""The database side of an agent's socket: presence, live chats, read markers, event replay.

Plain functions run in a thread by `database_sync_to_async` (which also closes stale
connections, as a long-lived socket would otherwise keep them); the consumer awaits the typed
wrappers at the bottom.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from channels.db import database_sync_to_async

from atiende.conversations.access import visible_conversations
from atiende.conversations.models import ACTIVE_STATUSES
from atiende.core.models import Event
from atiende.inboxes.models import ChannelKind
from atiende.people.models import User
from atiende.workflow import livechats, presence

# A reconnecting agent who missed more than this many events reloads instead of replaying.
REPLAY_LIMIT = 500


@dataclass(frozen=True)
class Replay:
    events: list[tuple[int, str, int]]  # (event id, kind, conversation id), oldest first
    resync: bool


def _agent(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


def _opened(user_id: int, channel_name: str) -> tuple[str, int]:
    """Register the socket; returns the agent's status and the newest event id."""
    status = presence.socket_opened(user_id, channel_name)
    latest = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    return status, latest or 0


def _heartbeat(user_id: int, channel_name: str, sweep: bool) -> None:
    presence.socket_heartbeat(user_id, channel_name)
    if sweep:
        presence.sweep()


def _closed(user_id: int, channel_name: str) -> None:
    presence.socket_closed(user_id, channel_name)


def _live_chat_ids(user_id: int) -> set[int]:
    user = _agent(user_id)
    if user is None:
        return set()
    return set(
        visible_conversations(user)
        .filter(assignee=user, inbox__channel=ChannelKind.CHAT, status__in=ACTIVE_STATUSES)
        .values_list("pk", flat=True)[: livechats.MAX_CHATS]
    )


def _mark_read(user_id: int, conversation_id: int) -> int | None:
    user = _agent(user_id)
    if user is None:
        return None
    return livechats.mark_read(user, conversation_id)


def _replay(user_id: int, after: int) -> Replay:
    """The events after `after` that this agent may see now, oldest first (bounded)."""
    limit = REPLAY_LIMIT
    user = _agent(user_id)
    if user is None:
        return Replay([], resync=True)
    rows = list(
        Event.objects.filter(
            pk__gt=after,
            conversation_id__isnull=False,
            conversation_id__in=visible_conversations(user).values("pk"),
        )
        .order_by("pk")
        .values_list("pk", "kind", "conversation_id")[: limit + 1]
    )
    if len(rows) > limit:
        return Replay([], resync=True)
    return Replay([(pk, kind, conversation_id) for pk, kind, conversation_id in rows], False)


opened: Callable[[int, str], Awaitable[tuple[str, int]]] = database_sync_to_async(_opened)
heartbeat: Callable[[int, str, bool], Awaitable[None]] = database_sync_to_async(_heartbeat)
closed: Callable[[int, str], Awaitable[None]] = database_sync_to_async(_closed)
live_chat_ids: Callable[[int], Awaitable[set[int]]] = database_sync_to_async(_live_chat_ids)
mark_read: Callable[[int, int], Awaitable[int | None]] = database_sync_to_async(_mark_read)
replay: Callable[[int, int], Awaitable[Replay]] = database_sync_to_async(_replay)
