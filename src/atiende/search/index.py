"""Keeping the search documents in step with the data; called by the actions, in their
transaction, so the index never disagrees with what was committed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from atiende.search.models import DocumentKind, SearchDocument
from atiende.search.terms import document_text
from atiende.search.terms import fold as fold

if TYPE_CHECKING:
    from atiende.conversations.models import Conversation, Message
    from atiende.people.models import Contact

MAX_INDEXED = 20_000


UPDATED_FIELDS = ["text", "conversation_id", "contact_id", "is_note"]


def _put(
    kind: str,
    object_id: int,
    text: str,
    *,
    conversation_id: int | None = None,
    contact_id: int | None = None,
    is_note: bool = False,
) -> None:
    # One upsert statement (INSERT ... ON CONFLICT DO UPDATE on both engines), not a savepoint,
    # a read and a write: it runs inside every message's transaction.
    SearchDocument.objects.bulk_create(
        [
            SearchDocument(
                kind=kind,
                object_id=object_id,
                text=document_text(text[:MAX_INDEXED]),
                conversation_id=conversation_id,
                contact_id=contact_id,
                is_note=is_note,
            )
        ],
        update_conflicts=True,
        unique_fields=["kind", "object_id"],
        update_fields=UPDATED_FIELDS,
    )


def contact_text(name: str, email: str, identities: list[str]) -> str:
    """The one text a contact is found by: names, address and every identity."""
    return " ".join([name, email, *identities])


def index_message(message: Message) -> None:
    _put(
        DocumentKind.MESSAGE,
        message.pk,
        message.body_text,
        conversation_id=message.conversation_id,
        contact_id=None,
        is_note=message.direction == "note",
    )


def index_conversation(conversation: Conversation) -> None:
    _put(
        DocumentKind.CONVERSATION,
        conversation.pk,
        conversation.subject,
        conversation_id=conversation.pk,
        contact_id=conversation.contact_id,
    )


def index_contact(contact: Contact, identities: list[str] | None = None) -> None:
    """Index a contact; a caller that just created its identities may pass them."""
    if identities is None:
        identities = list(contact.identities.values_list("value", flat=True))
    _put(
        DocumentKind.CONTACT,
        contact.pk,
        contact_text(contact.name, contact.email, identities),
        contact_id=contact.pk,
    )
