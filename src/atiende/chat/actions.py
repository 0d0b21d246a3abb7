"""What a chat visitor does: send a message, leave an email, read, move page, click a button.

The websocket consumer and the REST API both call these (sync, in a thread). A message goes
through the core's `receive_message`, de-duplicated by `(inbox, client_id)`: it returns only after
the commit, so the caller's acknowledgement always follows a durable write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.chat import limits
from atiende.chat.extensions import action_handler, actions_for
from atiende.chat.frames import PUBLIC_DIRECTIONS, message_frame, public_messages
from atiende.chat.models import ChatState, Visitor
from atiende.chat.sessions import (
    VisitorContext,
    current_conversation,
    visitor_contact,
)
from atiende.conversations.actions import receive_message
from atiende.conversations.models import Conversation, DeliveryStatus, Direction, Message
from atiende.core import events, rawsql
from atiende.core.errors import ActionError, NotFound
from atiende.inboxes.contract import InboundAttachment, InboundMessage
from atiende.people.lookup import contact_for_identity
from atiende.people.models import Contact, ContactIdentity, IdentityKind
from atiende.search import index

CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
MAX_URL = 1000

# A visitor's message already stored under its client id (unique per inbox: one row at most, no
# ORDER BY). Every message asks: compiled once (`rawsql.Select`).
_BY_CLIENT_ID = rawsql.Select(
    lambda inbox_id, client_id: (
        Message.objects.by_external_id(inbox_id, client_id)
        .select_related("conversation")
        .order_by()[:1]
    ),
    int,
    str,
)


@dataclass(frozen=True)
class Sent:
    client_id: str
    seq: int
    conversation_id: int
    created: bool
    new_conversation: bool


class TooLarge(ActionError):
    status_code = 413


def check_client_id(client_id: object) -> str:
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise ActionError(_("Every message needs a client id (8 to 100 letters, digits or -)."))
    return client_id


def check_text(text: object) -> str:
    if not isinstance(text, str):
        raise ActionError(_("The message text must be a string."))
    if len(text) > limits.MAX_TEXT:
        raise TooLarge(
            _("The message is too long (at most %(limit)d characters).")
            % {"limit": limits.MAX_TEXT}
        )
    return text


def send_message(
    context: VisitorContext,
    *,
    client_id: str,
    text: str,
    files: tuple[tuple[str, bytes], ...] = (),
    address: str = "",
) -> Sent:
    """Store the visitor's message once; a repeat of `client_id` returns the first one."""
    check_client_id(client_id)
    text = check_text(text)
    if not text.strip() and not files:
        raise ActionError(_("The message is empty."))
    repeated = _BY_CLIENT_ID.first(context.inbox_id, client_id)
    if repeated is not None:
        return _repeat(context, repeated)
    limits.check(
        ("chat_message_visitor", str(context.visitor_pk)), ("chat_message_ip", address or "?")
    )
    # The identity's contact is handed to receive_message (it would look it up again); a
    # visitor known only by the contact it wrote as (no identity yet) lets it look.
    identified = contact_for_identity(context.identity_kind, context.identity_value)
    contact = identified or visitor_contact(context)
    conversation = current_conversation(context, contact) if contact is not None else None
    result = receive_message(
        InboundMessage(
            inbox_id=context.inbox_id,
            identity_kind=context.identity_kind,
            identity_value=context.identity_value,
            text=text,
            external_id=client_id,
            name=context.name,
            email=context.email,
            language=context.language,
            conversation_id=conversation.pk if conversation else None,
            identity_verified=context.verified,
            attachments=tuple(InboundAttachment(name, content) for name, content in files),
        ),
        checked_new=True,  # looked up above; a concurrent duplicate hits the unique constraint
        contact=identified,
    )
    if not result.created:
        return _repeat(context, result.message)
    if result.new_conversation:
        ChatState.objects.get_or_create(conversation=result.conversation)
    if contact is None:
        # The visitor's first message made the contact: remember it (merges are followed later).
        Visitor.objects.filter(pk=context.visitor_pk, contact__isnull=True).update(
            contact=result.conversation.contact_id
        )
    return Sent(
        client_id, result.message.seq, result.conversation.pk, True, result.new_conversation
    )


def _repeat(context: VisitorContext, message: Message) -> Sent:
    """A resent client id: the same answer as the first time, if it was this visitor's."""
    contact = visitor_contact(context)
    if contact is None or message.conversation.contact_id != contact.pk:
        raise ActionError(_("This message id was already used."))
    return Sent(message.external_id, message.seq, message.conversation_id, False, False)


def ensure_contact(context: VisitorContext) -> Contact:
    """The visitor's contact, created (with its chat or user identity) if it has none yet."""
    contact = visitor_contact(context)
    if contact is not None:
        return contact
    try:
        with transaction.atomic():
            contact = Contact.objects.create(name=context.name, language=context.language)
            ContactIdentity.objects.create(
                contact=contact,
                kind=context.identity_kind,
                value=context.identity_value,
                verified=context.verified,
            )
            Visitor.objects.filter(pk=context.visitor_pk).update(contact=contact)
            index.index_contact(contact, identities=[context.identity_value])
            events.record(
                "contact.created",
                contact=contact,
                actor_contact=contact,
                data={"identity": f"{context.identity_kind}:{context.identity_value}"},
                publish=False,
            )
    except IntegrityError:
        # Another tab created it first.
        contact = visitor_contact(context)
        if contact is None:
            raise
    return contact


def leave_email(context: VisitorContext, email: str, name: str = "") -> Contact:
    """The visitor gives an email (pre-chat or offline form): replies can reach it by email.

    The address becomes an (unverified) email identity of the visitor's contact only when no
    other contact has it: giving someone else's address never shows their conversations.
    """
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ActionError(_("Enter a valid email address.")) from exc
    contact = ensure_contact(context)
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        changed = []
        if contact.email != email:
            contact.email = email[:254]
            changed.append("email")
        if name.strip() and not contact.name:
            contact.name = name.strip()[:200]
            changed.append("name")
        if changed:
            contact.save(update_fields=changed)
        if not ContactIdentity.objects.filter(kind=IdentityKind.EMAIL, value=email).exists():
            ContactIdentity.objects.create(contact=contact, kind=IdentityKind.EMAIL, value=email)
        Visitor.objects.filter(pk=context.visitor_pk).update(
            email=email, name=name.strip()[:200] or context.name
        )
        conversation = current_conversation(context)
        events.record(
            "chat.email_given",
            conversation=conversation,
            contact=contact,
            actor_contact=contact,
            data={"email": email},
        )
    return contact


def _conversation(context: VisitorContext, conversation_id: int | None = None) -> Conversation:
    conversation = current_conversation(context)
    if conversation is None or (conversation_id is not None and conversation.pk != conversation_id):
        raise NotFound(_("Conversation not found."))
    return conversation


def mark_read(context: VisitorContext, seq: int) -> tuple[int, int] | None:
    """The visitor has seen everything up to `seq`; replies up to it become "read".

    Returns (conversation id, seq) when the read position moved, None otherwise.
    """
    conversation = current_conversation(context)
    if conversation is None or seq <= 0:
        return None
    seq = min(seq, conversation.last_seq)
    with transaction.atomic():
        state, _created = ChatState.objects.get_or_create(conversation=conversation)
        if seq <= state.visitor_read_seq:
            return None
        ChatState.objects.filter(pk=state.pk).update(
            visitor_read_seq=seq, updated_at=timezone.now()
        )
        replies = Message.objects.filter(
            conversation=conversation,
            direction__in=(Direction.OUTBOUND, Direction.BOT),
            seq__lte=seq,
        ).exclude(delivery_status__in=(DeliveryStatus.READ, DeliveryStatus.FAILED))
        last = replies.order_by("-seq").values_list("pk", flat=True).first()
        if replies.update(delivery_status=DeliveryStatus.READ) and last is not None:
            events.record(
                "message.delivery",
                conversation=conversation,
                data={"message_id": last, "status": DeliveryStatus.READ, "error": ""},
            )
    return conversation.pk, seq


def set_page(context: VisitorContext, url: str) -> int | None:
    """Remember the page of the host site the visitor is on (agents see it)."""
    url = url.strip()[:MAX_URL]
    if not url.startswith(("https://", "http://")):
        return None
    conversation = current_conversation(context)
    if conversation is None:
        return None
    ChatState.objects.update_or_create(
        conversation=conversation, defaults={"page_url": url, "updated_at": timezone.now()}
    )
    return conversation.pk


def history(context: VisitorContext, after: int = 0, limit: int = 500) -> list[dict[str, Any]]:
    """The visitor's conversation from sequence `after` on, as message frames."""
    conversation = current_conversation(context)
    if conversation is None:
        return []
    return [message_frame(message) for message in public_messages(conversation.pk, after)[:limit]]


def run_action(context: VisitorContext, seq: int, name: str) -> None:
    """The visitor clicked the quick-reply button `name` of message `seq`."""
    conversation = _conversation(context)
    message = (
        Message.objects.select_related("conversation")
        .filter(conversation=conversation, seq=seq, direction__in=PUBLIC_DIRECTIONS)
        .exclude(direction=Direction.INBOUND)
        .first()
    )
    if message is None:
        raise NotFound(_("Message not found."))
    handler = action_handler(name)
    if handler is None or name not in {item["id"] for item in actions_for(message)}:
        raise NotFound(_("This button is no longer available."))
    contact = visitor_contact(context)
    if contact is None:
        raise NotFound(_("Conversation not found."))
    handler(conversation, message, contact)
