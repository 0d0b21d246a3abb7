"""Append an event and fan it out to browsers once the transaction commits."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from atiende.core import hooks, rawsql
from atiende.core.models import Event
from atiende.realtime import fanout

if TYPE_CHECKING:
    from atiende.conversations.models import Conversation
    from atiende.core.hooks import Subscriber
    from atiende.people.models import Contact, User

logger = logging.getLogger(__name__)

INBOX_GROUP = "inbox"
# Kinds that only a page with the conversation open needs (a reply's delivery tick): published
# to the conversation's group alone, not to every agent's inbox socket (each forwarded event
# costs every online agent's socket a visibility check).
WATCHERS_ONLY = frozenset({"message.delivery"})


SUBJECT = "_atiende_subject"


def subject_of(event: Event) -> object:
    """What `record(..., subject=...)` was given (None for events read from the database)."""
    return event.__dict__.get(SUBJECT)


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
    subject: object = None,
) -> Event:
    """Append `kind` to the log; after commit, tell the browsers watching what changed.

    `subject`: the object the event is about, as the caller holds it (e.g. the new message):
    after-commit subscribers may use it (`subject_of`) instead of reading it back.
    """
    event = Event(
        kind=kind,
        conversation=conversation,
        actor_user=actor_user,
        actor_contact=actor_contact,
        data=data or {},
    )
    if contact is not None:
        event.contact = contact
    elif conversation is not None:
        event.contact_id = conversation.contact_id  # no query for the contact row
    rawsql.insert(event)  # the one insert every change makes: no SQL compiler
    if subject is not None:
        event.__dict__[SUBJECT] = subject
    if publish:
        message = {
            "type": "atiende.event",
            "event_id": event.pk,
            "kind": kind,
            "conversation_id": conversation.pk if conversation else None,
            "actor_user_id": actor_user.pk if actor_user else None,
        }
        groups = [] if kind in WATCHERS_ONLY else [INBOX_GROUP]
        if conversation is not None:
            groups.append(conversation_group(conversation.pk))
            if kind not in WATCHERS_ONLY:
                groups.append(contact_group(conversation.contact_id))
        transaction.on_commit(lambda: broadcast(groups, message))
    # Chosen now (a suspended block may have ended by the time the transaction commits).
    if targets := hooks.subscribers(kind):
        transaction.on_commit(lambda: _notify(event, targets))
    return event


class _Together:
    """What the commits inside one `published_together()` block asked for: the subscribers to
    call and the channel-layer messages to send, in order."""

    def __init__(self) -> None:
        self.notices: list[tuple[Event, list[Subscriber]]] = []
        self.messages: list[tuple[list[str], dict[str, Any]]] = []

    def flush(self) -> None:
        # Subscribers first (they may broadcast, or record events whose commit adds more).
        while self.notices:
            notices, self.notices = self.notices, []
            self._notify(notices)
        messages, self.messages = self.messages, []
        if messages:
            _send(messages)

    def _notify(self, notices: list[tuple[Event, list[Subscriber]]]) -> None:
        """All the subscribers in one transaction: the tasks they enqueue are one commit, not
        one each. Should one fail, that transaction is undone and they run one by one as
        `hooks.notify` runs them (each on its own, a failure never stops the others):
        subscribers are idempotent, their tasks keyed."""
        if transaction.get_connection().in_atomic_block:
            for event, targets in notices:
                hooks.notify(event, targets)
            return
        mark = len(self.messages)
        try:
            with transaction.atomic():
                for event, targets in notices:
                    for subscriber in targets:
                        subscriber(event)
        except Exception:
            logger.info("a subscriber failed in a shared transaction; running them one by one")
            del self.messages[mark:]  # what they broadcast is sent again
            for event, targets in notices:
                hooks.notify(event, targets)


_together = threading.local()


@contextmanager
def published_together() -> Iterator[None]:
    """Inside the block, what the transactions committed in this thread publish waits, and
    goes out when the block ends: the subscribers of their events, called in one transaction,
    then every channel-layer message in one hand-over to the layer (`async_to_sync` costs about
    as much as a send: a batch of a hundred mails made 250 of them).

    For code that commits many changes in a row (a batch of mail, of triage) and then ends:
    the browsers see them all when the block ends instead of each at its commit. What a
    transaction rolled back never reaches the block (its on-commit callbacks are dropped).
    """
    outer: _Together | None = getattr(_together, "current", None)
    current = _Together()
    _together.current = current
    try:
        yield
    finally:
        try:
            current.flush()
        finally:
            _together.current = outer


def _notify(event: Event, targets: list[Subscriber]) -> None:
    current: _Together | None = getattr(_together, "current", None)
    if current is not None:
        current.notices.append((event, targets))
    else:
        hooks.notify(event, targets)


_server_loop: asyncio.AbstractEventLoop | None = None


def bind_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Called by the ASGI lifespan: publish from request threads without waiting on the loop."""
    global _server_loop
    _server_loop = loop


def broadcast(groups: list[str], message: dict[str, Any]) -> None:
    """Send to channel-layer groups; a fan-out failure never undoes a committed change.

    Inside the server, the sends are handed to the server's event loop and the request thread
    goes on at once (waiting for each send cost most of a request's time); what is published
    before the loop comes for it goes in the same batch (`_HandOver`). Elsewhere (the
    standalone worker, management commands, tests) they run to completion here. Inside
    `published_together()`, they wait for the end of the block.
    """
    current: _Together | None = getattr(_together, "current", None)
    if current is not None:
        current.messages.append((groups, message))
        return
    _send([(groups, message)])


Sends = list[tuple[list[str], dict[str, Any]]]


async def publish(layer: Any, groups: list[str], message: dict[str, Any]) -> None:
    """Send one message to several groups from the event loop, awaited (on Redis in two round
    trips for all of them, `realtime.fanout`)."""
    await _send_all(layer, [(groups, message)])


async def _send_all(layer: Any, messages: Sends) -> None:
    if fanout.batches_for(layer):
        # Redis: the whole batch in two round trips per host instead of four per group.
        await fanout.send_batch(layer, messages)
        return
    for groups, message in messages:
        for group in groups:
            try:
                await layer.group_send(group, message)
            except Exception:
                # One refused send (e.g. over the layer's capacity) never stops the others.
                logger.exception("could not publish %s", message.get("kind"))


class _HandOver:
    """The sends waiting for the server's loop, handed to it in one go.

    A thread that publishes appends its messages; the first of a batch asks the loop to take
    them (one `call_soon_threadsafe`: a wake-up of the loop), and every message published
    before the loop comes for them joins that batch. The loop takes all of them at once and
    sends them in one task, in the order they were published. A commit's sends (the event,
    its subscribers' pushes, the delivery tick) thus cost the loop one wake-up and one task
    instead of one each (about 0.27 ms per hand-over), and under load the batches grow.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # Per loop (a new server loop, as in tests, never waits behind a stopped one's batch).
        self.waiting: dict[asyncio.AbstractEventLoop, list[tuple[Any, Sends]]] = {}

    def add(self, loop: asyncio.AbstractEventLoop, layer: Any, messages: Sends) -> None:
        with self.lock:
            batch = self.waiting.get(loop)
            first = batch is None
            if batch is None:
                batch = self.waiting[loop] = []
            batch.append((layer, messages))
        if first:
            try:
                loop.call_soon_threadsafe(self.take, loop)
            except RuntimeError:  # the loop closed meanwhile (server shutting down)
                with self.lock:
                    dropped = self.waiting.pop(loop, [])
                logger.warning("the server's loop is closed: %d sends dropped", len(dropped))

    def take(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the loop: start sending everything waiting for it."""
        with self.lock:
            waiting = self.waiting.pop(loop, [])
        if not waiting:
            return
        layer = waiting[0][0]
        if all(other is layer for other, _ in waiting):
            batch = [message for _, messages in waiting for message in messages]
            task = loop.create_task(_send_all(layer, batch))
        else:  # a layer replaced meanwhile (tests): each with its own
            task = loop.create_task(_send_each(waiting))
        _tasks.add(task)
        task.add_done_callback(_task_done)


async def _send_each(waiting: list[tuple[Any, Sends]]) -> None:
    for layer, messages in waiting:
        await _send_all(layer, messages)


_hand_over = _HandOver()
# The sending tasks, referenced until they end (the loop keeps weak references only).
_tasks: set[asyncio.Task[None]] = set()


def _task_done(task: asyncio.Task[None]) -> None:
    _tasks.discard(task)
    if not task.cancelled() and (error := task.exception()) is not None:
        logger.error("could not publish events: %r", error)


def _send(messages: Sends) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    if loop is not None and loop.is_running():
        _hand_over.add(loop, layer, messages)
        return
    try:
        async_to_sync(_send_all)(layer, messages)
    except Exception:
        logger.exception("could not publish %d messages", len(messages))
