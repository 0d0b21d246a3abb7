"""The visitor socket's work outside the event loop (database, cache), each one thread hop.

Channels is untyped: the hops are declared here with their types. `open_socket` authenticates
the session, counts the connection against the rate limits and marks the conversation live;
the others wrap `chat.actions`.

The hops run in a pool of `HOP_THREADS` threads of their own, not in the one thread that
Channels' `database_sync_to_async` uses by default (thread-sensitive mode: every socket of the
process queues there, and a hop spends most of its time waiting for the database or Redis, so
2,000 sockets connecting or writing at once waited in line for each other's round trips). A
socket still awaits each of its hops before reading its next frame, so one socket's frames are
handled in order; each hop takes a connection from the pool (PostgreSQL) or opens one (SQLite,
whose writers queue on a lock per process, `core.sqlite`) and gives it back when it ends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from atiende.chat import actions, limits, presence
from atiende.chat.sessions import (
    VisitorContext,
    authenticate_visitor,
    context_for,
    current_conversation,
)
from atiende.core.errors import ActionError

# Below the PostgreSQL pool of a process (settings: 16), which HTTP requests share.
HOP_THREADS = 8
CLOSE_SESSION = 4401
CLOSE_SILENT = 4408
CLOSE_TOO_MANY = 4429
REPLAY_BATCH = 200


@dataclass(frozen=True)
class Opened:
    context: VisitorContext
    conversation_id: int | None
    last_seq: int


def _open(session: str, address: str) -> Opened | int:
    visitor = authenticate_visitor(session)
    if visitor is None:
        return CLOSE_SESSION
    # The socket keeps this context for its lifetime: no session lookup per message.
    context = context_for(visitor)
    try:
        limits.check(
            ("chat_connect_ip", address), ("chat_connect_visitor", str(context.visitor_pk))
        )
    except limits.RateLimited:
        return CLOSE_TOO_MANY
    conversation = current_conversation(context, visitor=visitor)
    if conversation is None:
        return Opened(context, None, 0)
    presence.socket_opened(conversation.pk)
    return Opened(context, conversation.pk, conversation.last_seq)


def _moved(old: int | None, new: int | None) -> None:
    if old is not None:
        presence.socket_closed(old)
    if new is not None:
        presence.socket_opened(new)


def _replay(context: VisitorContext, after: int) -> tuple[int | None, list[dict[str, Any]]]:
    conversation = current_conversation(context)
    if conversation is None:
        return None, []
    return conversation.pk, actions.history(context, after, limit=REPLAY_BATCH)


_threads = ThreadPoolExecutor(max_workers=HOP_THREADS, thread_name_prefix="atiende-chat-hop")


def hop(function: Callable[..., Any]) -> Any:
    """`function` run in the hop threads, its database connection closed before and after."""
    return database_sync_to_async(function, thread_sensitive=False, executor=_threads)


open_socket: Callable[[str, str], Awaitable[Opened | int]] = hop(_open)
moved: Callable[[int | None, int | None], Awaitable[None]] = hop(_moved)
replay: Callable[[VisitorContext, int], Awaitable[tuple[int | None, list[dict[str, Any]]]]] = hop(
    _replay
)
store: Callable[..., Awaitable[actions.Sent]] = hop(actions.send_message)
mark_read: Callable[[VisitorContext, int], Awaitable[tuple[int, int] | None]] = hop(
    actions.mark_read
)
set_page: Callable[[VisitorContext, str], Awaitable[int | None]] = hop(actions.set_page)
run_action: Callable[[VisitorContext, int, str], Awaitable[None]] = hop(actions.run_action)


def client_address(scope: dict[str, Any]) -> str:
    # Proxy headers count only when the operator said there is a proxy (CVE-2020-26030).
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-for" and value:
                return str(value.decode("latin1").split(",")[-1].strip())
    client = scope.get("client") or ("unknown", 0)
    return str(client[0])


def error_code(error: ActionError) -> str:
    if isinstance(error, limits.RateLimited):
        return "rate_limited"
    if isinstance(error, actions.TooLarge):
        return "too_large"
    return "invalid"
