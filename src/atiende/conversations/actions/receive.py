"""`receive_message`: a customer's message from any channel, stored exactly once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from atiende.conversations import attachments as attachment_store
from atiende.conversations.actions import protect
from atiende.conversations.actions.common import append_message, lock, lock_where
from atiende.conversations.models import (
    ACTIVE_STATUSES,
    Conversation,
    Direction,
    Message,
    Status,
)
from atiende.core import events, rawsql
from atiende.core.errors import ActionError
from atiende.core.sanitize import clean_html, html_to_text, text_to_html
from atiende.inboxes.contract import InboundMessage
from atiende.inboxes.models import Inbox
from atiende.people.lookup import surviving
from atiende.people.models import Contact, ContactIdentity, IdentityKind, normalize_identity
from atiende.search import index

logger = logging.getLogger(__name__)

MAX_TEXT = 200_000


@dataclass(frozen=True)
class ReceiveResult:
    message: Message
    conversation: Conversation
    created: bool  # False when this was a redelivery of a message already stored
    new_conversation: bool


def receive_message(
    inbound: InboundMessage,
    *,
    checked_new: bool = False,
    contact: Contact | None = None,
    no_contact: bool = False,
    inbox: Inbox | None = None,
) -> ReceiveResult:
    """Store an inbound message: contact by identity, conversation, message, attachments.

    One transaction; a second delivery with the same (inbox, external id) stores nothing new and
    returns the first one. Events reach agents after commit.

    A channel that has just looked things up itself saves the repeat: `checked_new` when it
    found no message with this external id (a concurrent duplicate still meets the unique
    constraint and returns the first), `contact` when it found the contact that owns the
    identity (`people.lookup.contact_for_identity`), `no_contact` when it found that no contact
    has it (a concurrent creation still meets the identity's unique constraint), `inbox` when
    it holds the inbox row.
    """
    if not inbound.identity_value.strip():
        raise ActionError(_("The sender has no identity (email, visitor id, ...)."))
    if not (inbound.text.strip() or inbound.html.strip() or inbound.attachments):
        raise ActionError(_("The message is empty."))
    if inbound.external_id and not checked_new:
        existing = _existing(inbound)
        if existing is not None:
            return existing
    # Validate files before anything is written: a refused attachment refuses the message with a
    # clear error instead of storing half of it.
    for item in inbound.attachments:
        attachment_store.validate(item.filename, item.content)
    # Recovery phrases, private keys and card numbers never reach the database (SECURITY.md I8).
    masked = protect.mask_inbound(inbound)
    try:
        with transaction.atomic():
            return _receive(masked, contact, no_contact=no_contact, inbox=inbox)
    except IntegrityError:
        # A concurrent delivery of the same external id won the race: return its result.
        if inbound.external_id and (existing := _existing(inbound)) is not None:
            return existing
        raise


def _existing(inbound: InboundMessage) -> ReceiveResult | None:
    message = (
        Message.objects.by_external_id(inbound.inbox_id, inbound.external_id[:255])
        .select_related("conversation")
        .first()
    )
    if message is None:
        return None
    return ReceiveResult(message, message.conversation, created=False, new_conversation=False)


def _receive(
    masked: protect.Masked, known: Contact | None, *, no_contact: bool, inbox: Inbox | None
) -> ReceiveResult:
    inbound = masked.inbound
    contact = _find_or_create_contact(inbound, known, no_contact=no_contact)
    conversation, is_new, inbox = _find_or_open_conversation(contact, inbound, inbox)
    html = clean_html(inbound.html) if inbound.html else text_to_html(inbound.text[:MAX_TEXT])
    text = inbound.text[:MAX_TEXT] if inbound.text.strip() else html_to_text(html)
    message = append_message(
        conversation,
        direction=Direction.INBOUND,
        author_contact=contact,
        body_text=text,
        body_html=html,
        external_id=inbound.external_id[:255],
    )
    for item in inbound.attachments:
        attachment = attachment_store.store(item.filename, item.content, item.content_id)
        attachment.message = message
        attachment.save()
    if not is_new and conversation.status in {Status.PENDING, Status.SOLVED}:
        previous = conversation.status
        conversation.status = Status.OPEN
        conversation.save(update_fields=["status"])
        events.record(
            "conversation.status_changed",
            conversation=conversation,
            actor_contact=contact,
            data={"from": previous, "to": Status.OPEN, "reason": "customer replied"},
        )
    index.index_message(message)
    events.record(
        "message.created",
        conversation=conversation,
        actor_contact=contact,
        data={
            "message_id": message.pk,
            "seq": message.seq,
            "direction": Direction.INBOUND,
            # Subscribers of one channel (chat pushes) skip the others without a query.
            "channel": inbox.channel,
        },
        # The stored message as is (its attachments would need a read: then none).
        subject=None if inbound.attachments else message,
    )
    if masked.found:
        protect.protect_after_masking(conversation, contact, message.pk, masked)
    return ReceiveResult(message, conversation, created=True, new_conversation=is_new)


def _find_or_create_contact(
    inbound: InboundMessage, known: Contact | None = None, *, no_contact: bool = False
) -> Contact:
    value = normalize_identity(inbound.identity_kind, inbound.identity_value)[:255]
    found = known
    if found is None and not no_contact:
        identity = (
            ContactIdentity.objects.select_related("contact")
            .filter(kind=inbound.identity_kind, value=value)
            .first()
        )
        found = surviving(identity.contact) if identity is not None else None
    if found is not None:
        contact = found
        changed = []
        if inbound.name and not contact.name:
            contact.name = inbound.name[:200]
            changed.append("name")
        if inbound.language and not contact.language:
            contact.language = inbound.language[:10]
            changed.append("language")
        if changed:
            contact.save(update_fields=changed)
        return contact
    email = inbound.email.strip().lower() if inbound.email else ""
    if inbound.identity_kind == IdentityKind.EMAIL:
        email = value
    # rawsql: a new sender's rows are most of a first message's inserts, and these models have
    # no save() of their own nor signals: the ORM's SQL compiler was the cost.
    contact = Contact(name=inbound.name[:200], email=email[:254], language=inbound.language[:10])
    rawsql.insert(contact)
    rawsql.insert(
        ContactIdentity(
            contact=contact,
            kind=inbound.identity_kind,
            value=value,
            verified=inbound.identity_verified,
        )
    )
    index.index_contact(contact, identities=[value])
    events.record(
        "contact.created",
        contact=contact,
        actor_contact=contact,
        data={"identity": f"{inbound.identity_kind}:{value}"},
        publish=False,
    )
    return contact


def _find_or_open_conversation(
    contact: Contact, inbound: InboundMessage, held: Inbox | None = None
) -> tuple[Conversation, bool, Inbox]:
    """The conversation the message goes to (locked), whether it is new, and the inbox."""
    if inbound.conversation_id is not None:
        # Read under the lock at once, with its inbox: the usual case (a chat visitor's open
        # conversation) takes one query.
        hinted = lock_where(pk=inbound.conversation_id, contact=contact, inbox_id=inbound.inbox_id)
        if hinted is not None:
            inbox = hinted.inbox
            if hinted.merged_into_id is not None:
                hinted = lock(Conversation(pk=hinted.merged_into_id))
            if hinted.status != Status.CLOSED:
                return hinted, False, inbox
            if inbound.reopen_closed:
                return _reopen(hinted, contact), False, inbox
            return _open(inbox, contact, inbound, follow_up_of=hinted), True, inbox
    inbox = (
        held
        if held is not None and held.pk == inbound.inbox_id
        else Inbox.objects.get(pk=inbound.inbox_id)
    )
    if not inbound.new_conversation:
        current = (
            Conversation.objects.filter(
                contact=contact,
                inbox=inbox,
                status__in=(*ACTIVE_STATUSES, Status.SOLVED),
                merged_into__isnull=True,
            )
            .order_by("-last_message_at")
            .first()
        )
        if current is not None:
            return lock(current), False, inbox
    return _open(inbox, contact, inbound), True, inbox


def _reopen(conversation: Conversation, contact: Contact) -> Conversation:
    """Closed is final for agents; a customer's reply may still bring it back where the inbox
    says so (the timeline shows why)."""
    conversation.status = Status.OPEN
    conversation.save(update_fields=["status"])
    events.record(
        "conversation.status_changed",
        conversation=conversation,
        actor_contact=contact,
        data={"from": Status.CLOSED, "to": Status.OPEN, "reason": "customer replied"},
    )
    return conversation


def _open(
    inbox: Inbox,
    contact: Contact,
    inbound: InboundMessage,
    follow_up_of: Conversation | None = None,
) -> Conversation:
    subject = inbound.subject.strip()[:255]
    if not subject:
        first_line = (inbound.text or html_to_text(inbound.html)).strip().splitlines()
        subject = first_line[0][:120] if first_line else ""
    conversation = Conversation(
        inbox=inbox,
        contact=contact,
        subject=subject,
        team_id=follow_up_of.team_id if follow_up_of else inbox.default_team_id,
        language=(inbound.language or contact.language or inbox.language)[:10],
        follow_up_of=follow_up_of,
    )
    rawsql.insert(conversation)
    index.index_conversation(conversation)
    events.record(
        "conversation.created",
        conversation=conversation,
        actor_contact=contact,
        data={
            "inbox_id": inbox.pk,
            "channel": inbox.channel,
            "follow_up_of": follow_up_of.pk if follow_up_of else None,
        },
    )
    return conversation
