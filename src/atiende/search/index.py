"""Keeping the search documents in step with the data; called by the actions, in their
transaction, so the index never disagrees with what was committed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from atiende.core import rawsql
from atiende.search.models import DocumentKind, SearchDocument
from atiende.search.terms import document_text
from atiende.search.terms import fold as fold

if TYPE_CHECKING:
    from atiende.conversations.models import Conversation, Message
    from atiende.people.models import Contact

MAX_INDEXED = 20_000


UPDATED_FIELDS = ["text", "conversation_id", "contact_id", "is_note"]
UNIQUE_FIELDS = ["kind", "object_id"]


_collecting = threading.local()


@contextmanager
def deferred() -> Iterator[list[SearchDocument]]:
    """Inside the block, the documents are collected in the list it gives instead of written:
    the caller writes them (`write`) in the same transaction once it knows the changes they
    describe are kept (a batch of mail: the messages whose savepoint committed, in one
    statement)."""
    outer: list[SearchDocument] | None = getattr(_collecting, "documents", None)
    documents: list[SearchDocument] = []
    _collecting.documents = documents
    try:
        yield documents
    finally:
        _collecting.documents = outer


def write(documents: list[SearchDocument]) -> None:
    """Upsert these documents (the last one of each (kind, object) wins)."""
    latest = {(document.kind, document.object_id): document for document in documents}
    if latest:
        _upsert(list(latest.values()))


def _upsert(documents: list[SearchDocument]) -> None:
    # One upsert statement (INSERT ... ON CONFLICT DO UPDATE on both engines), not a savepoint,
    # a read and a write: it runs inside every message's transaction, so it is the statement
    # bulk_create(update_conflicts=True) would run, built without the ORM's compiler (0.5 ms
    # per message). The engine's index follows the row as it follows any write: SQLite's
    # triggers (an update fires the FTS5 delete + insert), PostgreSQL's generated tsvector.
    rawsql.upsert(documents, unique_fields=UNIQUE_FIELDS, update_fields=UPDATED_FIELDS)


def _put(
    kind: str,
    object_id: int,
    text: str,
    *,
    conversation_id: int | None = None,
    contact_id: int | None = None,
    is_note: bool = False,
) -> None:
    document = SearchDocument(
        kind=kind,
        object_id=object_id,
        text=document_text(text[:MAX_INDEXED]),
        conversation_id=conversation_id,
        contact_id=contact_id,
        is_note=is_note,
    )
    collected: list[SearchDocument] | None = getattr(_collecting, "documents", None)
    if collected is not None:
        collected.append(document)
    else:
        _upsert([document])


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
