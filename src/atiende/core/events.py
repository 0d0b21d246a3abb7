"""Append an event and fan it out to browsers once the transaction commits."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from atiende.core import hooks, rawsql
from atiende.core.models import Event

if TYPE_CHECKING:
    from atiende.conversations.models import Conversation
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
        transaction.on_commit(lambda: hooks.notify(event, targets))
    return event


_server_loop: asyncio.AbstractEventLoop | None = None


def bind_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Called by the ASGI lifespan: publish from request threads without waiting on the loop."""
    global _server_loop
    _server_loop = loop


def broadcast(groups: list[str], message: dict[str, Any]) -> None:
    """Send to channel-layer groups; a fan-out failure never undoes a committed change.

    Inside the server, the sends are handed to the server's event loop and the request thread
    goes on at once (waiting for each send cost most of a request's time). Elsewhere (the
    standalone worker, management commands, tests) they run to completion here.
    """
    layer = get_channel_layer()
    if layer is None:
        return

    async def send() -> None:
        for group in groups:
            await layer.group_send(group, message)

    loop = _server_loop
    if loop is not None and loop.is_running():
        future = asyncio.run_coroutine_threadsafe(send(), loop)
        future.add_done_callback(_log_failure)
        return
    try:
        async_to_sync(send)()
    except Exception:
        logger.exception("could not publish %s", message.get("kind"))


def _log_failure(future: concurrent.futures.Future[None]) -> None:
    if not future.cancelled() and (error := future.exception()) is not None:
        logger.error("could not publish an event: %r", error)
