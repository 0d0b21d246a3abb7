"""Handing a websocket consumer its messages without Channels' per-message thread hop.

Channels' `AsyncConsumer.dispatch` awaits `aclose_old_connections()` before every handler: a
hop to the one thread-sensitive thread of the process, for each frame a browser sends (the chat
widget's heartbeat every 20 s per visitor included) and each message the channel layer brings
(every event, to every agent socket). atiende's consumers never touch the database on the event
loop: each of their database calls is a `database_sync_to_async` hop, which closes stale
connections before and after itself. So they skip that hop (measured: see docs/chat-scaling.md,
third pass).
"""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name


async def dispatch(consumer: Any, message: dict[str, Any]) -> None:
    """`AsyncConsumer.dispatch` without `aclose_old_connections()`."""
    handler = getattr(consumer, get_handler_name(message), None)
    if handler is None:
        raise ValueError(f"No handler for message type {message['type']}")
    await handler(message)
