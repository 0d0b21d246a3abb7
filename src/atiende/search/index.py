"""Keeping the search documents in step with the data; called by the actions, in their
transaction, so the index never disagrees with what was committed."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from atiende.search.models import DocumentKind, SearchDocument

if TYPE_CHECKING:
    from atiende.conversations.models import Conversation, Message
    from atiende.people.models import Contact

MAX_INDEXED = 20_000


def fold(value: str) -> str:
    """Lower case without accents: the form both documents and queries are compared in."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _put(kind: str, object_id: int, text: str, **fields: object) -> None:
    SearchDocument.objects.update_or_create(
        kind=kind,
        object_id=object_id,
        defaults={"text": fold(text)[:MAX_INDEXED], **fields},
    )


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
    identities = " ".join(contact.identities.values_list("value", flat=True))
    _put(
        DocumentKind.CONTACT,
        contact.pk,
        f"{contact.name} {contact.email} {identities}",
        contact_id=contact.pk,
    )
