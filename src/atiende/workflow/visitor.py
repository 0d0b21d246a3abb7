"""What routing tells the chat visitor: queue positions, availability, read receipts.

Messages go through the chat channel's `send_to_visitor(conversation_id, payload)`, which
reaches the visitor's sockets on any server process, after commit (docs/chat.md, frames
`queue`, `availability` and `read`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from atiende.chat.extensions import send_to_visitor

logger = logging.getLogger(__name__)


def send(conversation_id: int, payload: dict[str, Any]) -> bool:
    """Send `payload` to the visitor's sockets (after commit); False if it could not be queued."""
    try:
        send_to_visitor(conversation_id, payload)
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
    return send(conversation_id, {"type": "read", "seq": seq, "by": "agent"})
