"""The durable outbox: replies leave through the worker, retried with backoff, sent once.

`send_reply` stores the message as `queued` and enqueues `deliver_message` in the same
transaction, so a crash after "send" loses nothing. Before calling the adapter the message is
marked `sending` and committed; a message already `sent` is never sent again, and the adapter
receives a stable idempotency key (the message's UUID) for providers that honour one.

A reply of an instant channel (chat) does not wait for the worker: the thread that committed it
delivers it right after the commit (`deliver_after_commit`), taking its task in the same short
transaction; the worker delivers whatever that did not.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from atiende.conversations.models import (
    Attachment,
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
)
from atiende.core import events, tasks
from atiende.core.languages import site_language
from atiende.core.models import Task, TaskStatus
from atiende.inboxes.contract import (
    ChannelAdapter,
    OutboundAttachment,
    OutboundMessage,
    PermanentDeliveryError,
)
from atiende.inboxes.registry import adapter_for
from atiende.people.models import ContactIdentity

logger = logging.getLogger(__name__)

DONE = frozenset({DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ})
# Agents' replies and the answer bot's answers leave the same way.
DELIVERED_DIRECTIONS = frozenset({Direction.OUTBOUND, Direction.BOT})


def safety_notice(language: str) -> str:
    """SECURITY.md's anti-impersonation line, in the customer's language (or the site's)."""
    with translation.override(site_language(language)):
        return gettext(
            "Our support team never asks for your password, recovery phrase, 2FA codes or "
            "remote access."
        )


def outbound_text(adapter: ChannelAdapter, text: str, language: str) -> str:
    """What a channel sends for `text`. A channel with `Capabilities.safety_notice` (social
    networks, where impostors pose as support) ends every reply with `safety_notice`; the
    stored message stays as it was written, the line is added on the way out."""
    if not adapter.capabilities.safety_notice:
        return text
    notice = safety_notice(language)
    return f"{text}\n\n{notice}" if text.strip() else notice


def build_outbound(message: Message, *, full: bool = True) -> OutboundMessage:
    """What the adapter needs. `full=False`, for an adapter that builds what it sends from the
    stored message itself (chat: `reads_stored_message`), skips reading the recipient's
    identity, the thread's external ids and the attachments, which it would not use."""
    conversation = message.conversation
    contact = conversation.contact
    identity = None
    if full:
        # Prefer the identity of the channel this conversation lives on.
        identity = (
            ContactIdentity.objects.filter(contact=contact)
            .order_by("-verified", "id")
            .filter(kind=_identity_kind_for(conversation.inbox.channel))
            .first()
        ) or ContactIdentity.objects.filter(contact=contact).order_by("id").first()
    thread_ids: tuple[str, ...] = ()
    attachments: tuple[OutboundAttachment, ...] = ()
    if full:
        attachments = tuple(
            OutboundAttachment(a.filename, a.content_type, a.file.path, a.size)
            for a in Attachment.objects.filter(message=message)
        )
        thread_ids = tuple(
            Message.objects.filter(conversation=conversation, seq__lt=message.seq)
            .exclude(external_id="")
            .exclude(direction=Direction.NOTE)
            .order_by("seq")
            .values_list("external_id", flat=True)
        )
    language = conversation.language or contact.language
    return OutboundMessage(
        message_id=message.pk,
        idempotency_key=str(message.uuid),
        conversation_id=conversation.pk,
        identity_kind=identity.kind if identity else "",
        identity_value=identity.value if identity else "",
        recipient_name=contact.name,
        recipient_email=contact.email,
        subject=conversation.subject,
        text=outbound_text(adapter_for(conversation.inbox), message.body_text, language),
        html=message.body_html,
        language=language,
        attachments=attachments,
        thread_external_ids=thread_ids,
        automatic=message.author_user_id is None,
    )


def _identity_kind_for(channel: str) -> str:
    return {"webform": "email", "email": "email", "api": "api"}.get(channel, channel)


def _set_status(message: Message, status: str, error: str = "", external_id: str = "") -> None:
    with transaction.atomic():
        _write_status(message, status, error, external_id)


def _write_status(
    message: Message,
    status: str,
    error: str = "",
    external_id: str = "",
    *,
    only_from: str | None = None,
) -> bool:
    """The status update and its event, inside the caller's transaction. `only_from`: change
    nothing (and return False) unless the message is still in that status."""
    fields: dict[str, Any] = {"delivery_status": status, "delivery_error": error[:2000]}
    if external_id:
        fields["external_id"] = external_id[:255]
    q = connection.ops.quote_name
    assignments = ", ".join(f"{q(name)} = %s" for name in fields)
    condition, params = f"{q('id')} = %s", [*fields.values(), message.pk]
    if only_from is not None:
        condition += f" AND {q('delivery_status')} = %s"
        params.append(only_from)
    with connection.cursor() as cursor:  # every reply, twice: no SQL compiler
        cursor.execute(
            f"UPDATE {q(Message._meta.db_table)} SET {assignments} WHERE {condition}",  # noqa: S608 - own table
            params,
        )
        if cursor.rowcount == 0 and only_from is not None:
            return False
    events.record(
        "message.delivery",
        conversation=message.conversation,
        data={"message_id": message.pk, "status": status, "error": error[:500]},
        # "sending" lasts milliseconds: logged, but agents' pages wait for the outcome
        # (each published event costs every agent socket a visibility check).
        publish=status != DeliveryStatus.SENDING,
    )
    return True


def delivers_at_once(message: Message) -> bool:
    """Whether `deliver_after_commit` may take this reply: its conversation's inbox is at hand
    and its adapter only pushes (chat: `instant`)."""
    conversation = message.conversation
    if message.direction not in DELIVERED_DIRECTIONS:
        return False
    if not Conversation.inbox.is_cached(conversation):
        return False
    try:
        adapter = adapter_for(conversation.inbox)
    except LookupError:
        return False
    return bool(getattr(adapter, "instant", False)) and adapter.capabilities.outbound


class _Retake(Exception):
    """The reply changed since it was stored: the worker's full path decides."""


def deliver_after_commit(message: Message, task_key: str) -> bool:
    """Deliver a reply of an instant channel right after the commit that stored it, in the
    committing thread: no worker tick, no poll latency. Its frame was already pushed by the
    after-commit subscribers (`chat.pushes`); what is left is the adapter's bookkeeping and the
    delivery status.

    One short transaction takes the reply's task (`pending` -> `done`: the task row is the guard,
    a worker that claimed it first makes this a no-op, and one that comes later finds it done),
    records the status and the adapter's follow-ups. Anything unexpected rolls all of it back:
    the task stays pending and the worker delivers it as before, as it does when the process
    dies between the commit and this call. Returns whether it delivered.
    """
    conversation = message.conversation
    inbox = conversation.inbox
    adapter = cast(Any, adapter_for(inbox))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    q = connection.ops.quote_name
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {q(Task._meta.db_table)} SET {q('status')} = %s, "  # noqa: S608 - own table
                    f"{q('attempts')} = {q('attempts')} + 1, {q('finished_at')} = %s, "
                    f"{q('locked_until')} = NULL WHERE {q('key')} = %s AND {q('status')} = %s",
                    [TaskStatus.DONE, now, task_key, TaskStatus.PENDING],
                )
                if cursor.rowcount != 1:
                    return False  # a worker has it
            result = adapter.send(inbox, build_outbound(message, full=False), pushed=True)
            status = (
                DeliveryStatus.DELIVERED if result.status == "delivered" else DeliveryStatus.SENT
            )
            if not _write_status(
                message, status, external_id=result.external_id, only_from=DeliveryStatus.QUEUED
            ):
                raise _Retake
    except _Retake:
        return False
    except Exception:
        logger.exception("delivering message %s at once failed; the worker retries", message.pk)
        return False
    return True


@tasks.task("deliver_message", on_give_up=lambda payload, error: give_up(payload, error))
def deliver_message(payload: dict[str, Any]) -> None:
    message = (
        Message.objects.select_related("conversation__contact", "conversation__inbox")
        .filter(pk=payload["message_id"])
        .first()
    )
    if message is None or message.direction not in DELIVERED_DIRECTIONS:
        return
    if message.delivery_status in DONE:
        return  # already accepted by the provider: never send twice
    inbox = message.conversation.inbox
    adapter = adapter_for(inbox)
    if not adapter.capabilities.outbound:
        # A channel nobody reads replies from (integrators poll the API): nothing to hand over.
        _set_status(message, DeliveryStatus.SENT)
        return
    # An adapter that sends in milliseconds and only pushes (chat: `instant`) skips the
    # "sending" mark: a crash before "sent" leaves the reply queued, and the retry pushes it
    # again (visitors deduplicate frames by seq). One that builds what it sends from the stored
    # message (`reads_stored_message`) gets the light outbound (see `build_outbound`).
    instant = bool(getattr(adapter, "instant", False))
    outbound = build_outbound(message, full=not getattr(adapter, "reads_stored_message", False))
    if not instant:
        _set_status(message, DeliveryStatus.SENDING)
    try:
        if instant and payload.get("pushed"):
            # Already pushed to the visitor after the reply's commit (chat.pushes): the
            # adapter does not push the same frame a second time.
            result = cast(Any, adapter).send(inbox, outbound, pushed=True)
        else:
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
        # The provider has it but we could not record the external id (a duplicate?): record
        # the status alone so the retry sees "sent" and does not send again.
        _set_status(message, status)


def give_up(payload: dict[str, Any], error: str) -> None:
    message = (
        Message.objects.select_related("conversation").filter(pk=payload["message_id"]).first()
    )
    if message is not None and message.delivery_status not in DONE:
        _set_status(message, DeliveryStatus.FAILED, error=error)
