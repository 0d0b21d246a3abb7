"""Hooks other apps use to talk to chat visitors (documented in docs/chat.md).

- `send_to_visitor(conversation_id, payload)`: push any JSON object to the visitor's sockets of
  that conversation (routing sends queue positions and "the team is away" notices this way).
  Live only: a visitor who is not connected does not get it later.
- `register_message_actions(fn)`: `fn(message) -> [{"id", "label"}]` adds quick-reply buttons
  to a message shown to the visitor (the answer bot's "That solved it" / "I need a person").
- `register_action_handler(name, fn)`: `fn(conversation, message, contact)` runs (in a worker
  thread, with database access) when the visitor clicks the button `name` of a message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from atiende.core import events

if TYPE_CHECKING:
    from atiende.conversations.models import Conversation, Message
    from atiende.people.models import Contact

logger = logging.getLogger(__name__)

ActionsFor = Callable[["Message"], list[dict[str, str]]]
ActionHandler = Callable[["Conversation", "Message", "Contact"], None]

_action_sources: list[ActionsFor] = []
_action_handlers: dict[str, ActionHandler] = {}


def conversation_visitors_group(conversation_id: int) -> str:
    """The group every visitor socket showing this conversation listens to."""
    return f"chat-visitor-{conversation_id}"


def send_to_visitor(conversation_id: int, payload: dict[str, Any]) -> None:
    """Forward `payload` verbatim to the visitor's open sockets of this conversation.

    Safe to call inside a transaction: it is sent after commit.
    """
    message = {"type": "atiende.visitor", "payload": payload}
    group = conversation_visitors_group(conversation_id)
    transaction.on_commit(lambda: events.broadcast([group], message))


def register_message_actions(source: ActionsFor) -> None:
    if source not in _action_sources:
        _action_sources.append(source)


def register_action_handler(name: str, handler: ActionHandler) -> None:
    _action_handlers[name] = handler


def actions_for(message: Message) -> list[dict[str, str]]:
    """The quick-reply buttons of `message` (none for the visitor's own messages)."""
    buttons: list[dict[str, str]] = []
    for source in _action_sources:
        try:
            for item in source(message) or []:
                buttons.append({"id": str(item["id"]), "label": str(item["label"])})
        except Exception:
            logger.exception("message actions %r failed on message %s", source, message.pk)
    return buttons


def action_handler(name: str) -> ActionHandler | None:
    return _action_handlers.get(name)
