"""The bot's answers leave through the core outbox (`conversations/outbox.deliver_message`),
which delivers agents' replies and bot answers alike: mark `sending` and commit, hand the
message to the adapter with its UUID as the idempotency key, never send one already accepted,
retry with backoff, give up as `failed`.

`assistant.deliver_bot_message` stays registered under its name so that tasks queued before
the outbox took bot answers over still run.
"""

from __future__ import annotations

from typing import Any

from atiende.conversations.outbox import deliver_message, give_up
from atiende.core import tasks


@tasks.task("assistant.deliver_bot_message", on_give_up=give_up)
def deliver_bot_message(payload: dict[str, Any]) -> None:
    deliver_message(payload)
