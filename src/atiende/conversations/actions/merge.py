"""Merging two conversations of one customer, and two contacts that are one person."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.conversations.access import can_see_conversation
from atiende.conversations.actions.common import lock, next_seq
from atiende.conversations.models import Conversation, Message, Status
from atiende.core import events
from atiende.core.errors import ActionError, NotAllowed, NotFound
from atiende.people.models import Contact, ContactIdentity, User
from atiende.search import index


def merge_conversations(actor: User, source: Conversation, target: Conversation) -> Conversation:
    """Move `source`'s messages to the end of `target` and close `source`. Only for one
    customer's conversations, so a merge never shows one customer another's messages."""
    for conversation in (source, target):
        if not can_see_conversation(actor, conversation):
            raise NotFound(_("Conversation not found."))
    if source.pk == target.pk:
        raise ActionError(_("A conversation cannot be merged into itself."))
    if source.contact_id != target.contact_id:
        raise ActionError(_("Only conversations of the same customer can be merged."))
    if source.merged_into_id is not None:
        raise ActionError(_("That conversation was already merged."))
    with transaction.atomic():
        target = lock(target)
        source = lock(source)
        moved: list[dict[str, int]] = []
        for message in Message.objects.filter(conversation=source).order_by("seq"):
            old_seq = message.seq
            message.conversation = target
            message.seq = next_seq(target)
            message.save(update_fields=["conversation", "seq"])
            moved.append({"message_id": message.pk, "from_seq": old_seq, "to_seq": message.seq})
            index.index_message(message)
        previous_status = source.status
        source.merged_into = target
        source.status = Status.CLOSED
        source.save(update_fields=["merged_into", "status"])
        data = {
            "source": source.pk,
            "target": target.pk,
            "source_status": previous_status,
            "messages": moved,
        }
        events.record("conversation.merged_away", conversation=source, actor_user=actor, data=data)
        events.record("conversation.merged", conversation=target, actor_user=actor, data=data)
    return target


def merge_contacts(actor: User, source: Contact, target: Contact) -> Contact:
    """Make `source` part of `target`: identities and conversations move; `source` remains as a
    record pointing at `target`, and the event keeps what moved so it can be undone."""
    if source.pk == target.pk:
        raise ActionError(_("A contact cannot be merged into itself."))
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise ActionError(_("One of these contacts was already merged."))
    conversations = list(Conversation.objects.filter(contact__in=[source, target]))
    # Merging must not carry conversations across visibility boundaries (FreeScout
    # CVE-2026-40589): the actor must be able to see every conversation of both contacts.
    if not all(can_see_conversation(actor, conversation) for conversation in conversations):
        raise NotAllowed(_("You cannot see every conversation of these contacts."))
    with transaction.atomic():
        identities = list(ContactIdentity.objects.filter(contact=source))
        moved_conversations = list(
            Conversation.objects.filter(contact=source).values_list("pk", flat=True)
        )
        ContactIdentity.objects.filter(contact=source).update(contact=target)
        Conversation.objects.filter(contact=source).update(contact=target)
        filled = []
        for field in ("name", "email", "language"):
            if not getattr(target, field) and getattr(source, field):
                setattr(target, field, getattr(source, field))
                filled.append(field)
        if filled:
            target.save(update_fields=filled)
        source.merged_into = target
        source.save(update_fields=["merged_into"])
        data = {
            "source": source.pk,
            "target": target.pk,
            "identities": [{"id": i.pk, "kind": i.kind, "value": i.value} for i in identities],
            "conversations": moved_conversations,
            "fields_filled": filled,
            "source_snapshot": {"name": source.name, "email": source.email},
        }
        events.record("contact.merged", contact=target, actor_user=actor, data=data)
        events.record("contact.merged_away", contact=source, actor_user=actor, data=data)
        index.index_contact(target)
        for conversation in Conversation.objects.filter(pk__in=moved_conversations):
            index.index_conversation(conversation)
    return target
