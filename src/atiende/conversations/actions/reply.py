"""Agents' replies (through the durable outbox) and internal notes."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.conversations import attachments as attachment_store
from atiende.conversations.access import can_see_conversation
from atiende.conversations.actions import protect
from atiende.conversations.actions.common import append_message, enqueue_delivery, lock
from atiende.conversations.models import (
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
    Status,
)
from atiende.conversations.outbox import outbound_text
from atiende.core import events, tasks
from atiende.core.errors import ActionError, Conflict, NotFound
from atiende.core.sanitize import clean_html, html_to_text, text_to_html
from atiende.inboxes.registry import adapter_for
from atiende.people.models import User
from atiende.search import index

MAX_REPLY = 100_000


def _body(text: str, html: str) -> tuple[str, str]:
    text = text.strip()
    if html.strip():
        safe = clean_html(html)
        return (text or html_to_text(safe))[:MAX_REPLY], safe
    if not text:
        raise ActionError(_("Write something before sending."))
    if len(text) > MAX_REPLY:
        raise ActionError(_("The message is too long."))
    return text, text_to_html(text)


def _check(actor: User, conversation: Conversation) -> None:
    if not can_see_conversation(actor, conversation):
        raise NotFound(_("Conversation not found."))


def _check_length(conversation: Conversation, text: str) -> None:
    """Refuse now, not at delivery, a reply longer than the channel carries (with what the
    channel adds: the safety notice)."""
    try:
        adapter = adapter_for(conversation.inbox)
    except LookupError:
        return
    limit = adapter.capabilities.max_length
    if limit is None:
        return
    length = len(text)
    if adapter.capabilities.safety_notice:
        language = conversation.language or conversation.contact.language
        length = len(outbound_text(adapter, text, language))
    if length > limit:
        raise ActionError(
            _(
                "This channel carries at most %(limit)d characters per message and this reply "
                "has %(length)d: shorten it or split it."
            )
            % {"limit": limit, "length": length}
        )


def _attach(message: Message, files: list[tuple[str, bytes]]) -> None:
    for filename, content in files:
        attachment = attachment_store.store(filename, content)
        attachment.message = message
        attachment.save()


def send_reply(
    actor: User,
    conversation: Conversation,
    *,
    text: str = "",
    html: str = "",
    files: list[tuple[str, bytes]] | None = None,
    status: str | None = None,
) -> Message:
    """A public reply: stored, shown at once, delivered by the worker through the outbox."""
    _check(actor, conversation)
    text, safe_html = _body(text, html)
    protect.refuse_secret_requests(text)
    _check_length(conversation, text)
    files = files or []
    for filename, content in files:
        attachment_store.validate(filename, content)
    with transaction.atomic():
        conversation = lock(conversation)
        if conversation.status == Status.CLOSED:
            raise Conflict(_("This conversation is closed; start a new one instead."))
        message = append_message(
            conversation,
            direction=Direction.OUTBOUND,
            author_user=actor,
            body_text=text,
            body_html=safe_html,
            delivery_status=DeliveryStatus.QUEUED,
        )
        _attach(message, files)
        index.index_message(message)
        events.record(
            "message.created",
            conversation=conversation,
            actor_user=actor,
            data={
                "message_id": message.pk,
                "seq": message.seq,
                "direction": Direction.OUTBOUND,
                # Subscribers of one channel (chat pushes) skip the others without a query.
                "channel": conversation.inbox.channel,
            },
            # The stored message as is (its attachments would need a read: then none).
            subject=None if files else message,
        )
        if conversation.assignee_id is None:
            from atiende.conversations.actions.manage import assign

            assign(actor, conversation, actor)
        target = status or (Status.OPEN if conversation.status == Status.NEW else None)
        if target and target != conversation.status:
            from atiende.conversations.actions.manage import change_status

            change_status(actor, conversation, target)
        enqueue_delivery(message)
    return message


def add_note(
    actor: User,
    conversation: Conversation,
    *,
    text: str = "",
    html: str = "",
    files: list[tuple[str, bytes]] | None = None,
) -> Message:
    """An internal note: agents only, never delivered, never shown to the customer."""
    _check(actor, conversation)
    text, safe_html = _body(text, html)
    files = files or []
    for filename, content in files:
        attachment_store.validate(filename, content)
    with transaction.atomic():
        conversation = lock(conversation)
        message = append_message(
            conversation,
            direction=Direction.NOTE,
            author_user=actor,
            body_text=text,
            body_html=safe_html,
        )
        _attach(message, files)
        index.index_message(message)
        events.record(
            "message.created",
            conversation=conversation,
            actor_user=actor,
            data={"message_id": message.pk, "seq": message.seq, "direction": Direction.NOTE},
        )
    return message


def retry_delivery(actor: User, message: Message) -> None:
    """Queue a failed reply again (an agent pressed "retry")."""
    _check(actor, message.conversation)
    if message.delivery_status != DeliveryStatus.FAILED:
        raise Conflict(_("Only a failed reply can be retried."))
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            delivery_status=DeliveryStatus.QUEUED, delivery_error=""
        )
        # A reply given up after its retries has a failed task to revive; one the provider
        # refused outright finished its task, so it gets a new one.
        if not tasks.retry(f"deliver:{message.uuid}"):
            tasks.enqueue(
                "deliver_message",
                {"message_id": message.pk},
                key=f"deliver:{message.uuid}:retry:{secrets.token_hex(8)}",
            )
        events.record(
            "message.delivery",
            conversation=message.conversation,
            actor_user=actor,
            data={"message_id": message.pk, "status": DeliveryStatus.QUEUED},
        )
