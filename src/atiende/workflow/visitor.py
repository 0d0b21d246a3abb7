"""What routing tells the chat visitor: queue positions, availability, read receipts.

Messages go through the chat channel's `send_to_visitor(conversation_id, payload)`, which
reaches the visitor's sockets on any server process. Routing must keep working where the chat
channel is not installed (an email-only deployment, or while it is being built), so the import
is guarded and a missing chat app only means there is no visitor to tell.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

logger = logging.getLogger(__name__)

Sender = Callable[[int, dict[str, Any]], None]


def _sender() -> Sender | None:
    try:
        module = importlib.import_module("atiende.chat.extensions")
    except ImportError:
        return None
    sender: Sender | None = getattr(module, "send_to_visitor", None)
    return sender


def send(conversation_id: int, payload: dict[str, Any]) -> bool:
    """Send `payload` to the visitor's sockets; False when no chat channel can carry it."""
    sender = _sender()
    if sender is None:
        return False
    try:
        sender(conversation_id, payload)
    except Exception:
        # The visitor's display is advisory: routing itself must not fail because of it.
        logger.exception("could not tell the visitor of conversation %s", conversation_id)
        return False
    return True


def queue_position(conversation_id: int, position: int) -> bool:
    return send(conversation_id, {"type": "queue", "position": position})


def unavailable(conversation_id: int, next_open: datetime | None) -> bool:
    return send(
        conversation_id,
        {
            "type": "availability",
            "open": False,
            "next_open": next_open.isoformat() if next_open else None,
        },
    )


def read_receipt(conversation_id: int, seq: int) -> bool:
    return send(conversation_id, {"type": "read", "seq": seq})
