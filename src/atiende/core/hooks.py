"""In-process subscribers to the event log: how one domain reacts to another's changes.

`events.record()` hands every recorded event to the functions subscribed to its kind, once the
transaction commits (so a subscriber never sees a change that was rolled back). Subscribers run
in the committing thread and must be quick: anything slow or fallible (the answer bot, routing,
a notification) enqueues a durable task (`core.tasks.enqueue`) keyed so a repeat is harmless.

Apps subscribe in their `AppConfig.ready()`:

    hooks.subscribe("message.created", on_message_created)

The demo loader and bulk imports suspend subscribers with `hooks.suspended()`: replaying
history must not wake the bot or route years-old chats.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from atiende.core.models import Event

logger = logging.getLogger(__name__)

Subscriber = Callable[["Event"], None]

_subscribers: dict[str, list[Subscriber]] = {}
_state = threading.local()


def subscribe(kind: str, subscriber: Subscriber) -> None:
    """Call `subscriber(event)` after commit for every event of `kind` (idempotent)."""
    registered = _subscribers.setdefault(kind, [])
    if subscriber not in registered:
        registered.append(subscriber)


def unsubscribe(kind: str, subscriber: Subscriber) -> None:
    registered = _subscribers.get(kind, [])
    if subscriber in registered:
        registered.remove(subscriber)


def subscribers(kind: str) -> list[Subscriber]:
    if getattr(_state, "suspended", 0):
        return []
    return list(_subscribers.get(kind, ()))


@contextmanager
def suspended() -> Iterator[None]:
    """No subscriber runs for events recorded in this thread inside the block."""
    _state.suspended = getattr(_state, "suspended", 0) + 1
    try:
        yield
    finally:
        _state.suspended -= 1


def notify(event: Event, targets: list[Subscriber]) -> None:
    """Run the subscribers; one failing never stops the others nor undoes the commit."""
    for subscriber in targets:
        try:
            subscriber(event)
        except Exception:
            logger.exception("subscriber %r failed on %s #%s", subscriber, event.kind, event.pk)
