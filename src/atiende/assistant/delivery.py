"""Delivering the bot's answers through the channel adapters, with the outbox's guarantees.

The core outbox task (`conversations/outbox.deliver_message`) delivers agents' replies only
(`Direction.OUTBOUND`); bot answers (`Direction.BOT`) take this task, which follows the same
steps: mark `sending` and commit, hand the message to the adapter with its UUID as the
idempotency key, never send one already accepted, retry with backoff, give up as `failed`.
The message is built by the outbox's own `build_outbound` (so it is marked automatic).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from atiende.conversations.models import DeliveryStatus, Direction, Message
from atiende.conversations.outbox import DONE, build_outbound
from atiende.core import events, tasks
from atiende.inboxes.contract import PermanentDeliveryError
from atiende.inboxes.registry import adapter_for


def _set_status(message: Message, status: str, error: str = "", external_id: str = "") -> None:
    fields: dict[str, Any] = {"delivery_status": status, "delivery_error": error[:2000]}
    if external_id:
        fields["external_id"] = external_id[:255]
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(**fields)
        events.record(
            "message.delivery",
            conversation=message.conversation,
            data={"message_id": message.pk, "status": status, "error": error[:500]},
        )


def give_up(payload: dict[str, Any], error: str) -> None:
    message = (
        Message.objects.select_related("conversation").filter(pk=payload["message_id"]).first()
    )
    if message is not None and message.delivery_status not in DONE:
        _set_status(message, DeliveryStatus.FAILED, error=error)


@tasks.task("assistant.deliver_bot_message", on_give_up=give_up)
def deliver_bot_message(payload: dict[str, Any]) -> None:
    message = (
        Message.objects.select_related("conversation__contact", "conversation__inbox")
        .filter(pk=payload["message_id"])
        .first()
    )
    if message is None or message.direction != Direction.BOT:
        return
    if message.delivery_status in DONE:
        return
    inbox = message.conversation.inbox
    adapter = adapter_for(inbox)
    if not adapter.capabilities.outbound:
        _set_status(message, DeliveryStatus.SENT)
        return
    outbound = build_outbound(message)
    _set_status(message, DeliveryStatus.SENDING)
    try:
        result = adapter.send(inbox, outbound)
    except PermanentDeliveryError as exc:
        _set_status(message, DeliveryStatus.FAILED, error=str(exc))
        return
    except Exception as exc:
        _set_status(message, DeliveryStatus.RETRYING, error=str(exc))
        raise
    status = DeliveryStatus.DELIVERED if result.status == "delivered" else DeliveryStatus.SENT
    try:
        _set_status(message, status, external_id=result.external_id)
    except Exception:
        _set_status(message, status)
