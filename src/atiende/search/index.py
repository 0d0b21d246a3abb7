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


def _put(kind: str, object_id: int, text: str, **fields: object) -> None:
    SearchDocument.objects.update_or_create(
        kind=kind,
        object_id=object_id,
        defaults={"text": document_text(text[:MAX_INDEXED]), **fields},
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


def index_contact(contact: Contact) -> None:
    identities = list(contact.identities.values_list("value", flat=True))
    _put(
        DocumentKind.CONTACT,
        contact.pk,
        contact_text(contact.name, contact.email, identities),
        contact_id=contact.pk,
    )
