"""Rebuilding every search document from the data: what `python -m atiende reindex` runs, and
what a restore or an upgrade that changes the document format needs.

One transaction: the engine's index is suspended (SQLite: triggers dropped; PostgreSQL: GIN
index dropped), the documents are bulk-inserted in batches, then the index is built once, which
is many times faster than keeping it in step row by row. Searches see the old index until the
commit; on SQLite writers wait for the rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from atiende.conversations.models import Conversation, Direction, Message
from atiende.people.models import Contact, ContactIdentity
from atiende.search.backends import backend
from atiende.search.index import MAX_INDEXED, contact_text
from atiende.search.models import DocumentKind, SearchDocument
from atiende.search.terms import document_text

Progress = Callable[[str, int, int], None]
INSERT_MESSAGE = (
    "INSERT INTO search_searchdocument (kind, object_id, conversation_id, is_note, text)"
    " VALUES (%s, %s, %s, %s, %s)"
)
BATCH = 2_000


@dataclass
class Counts:
    contacts: int = 0
    conversations: int = 0
    messages: int = 0


def _silent(stage: str, done: int, total: int) -> None:
    """No progress output."""


def _batches(queryset: QuerySet[Any], fields: tuple[str, ...], batch: int) -> Iterator[list[Any]]:
    """Rows of `fields` (the primary key first) in pages of `batch`, by key: no OFFSET scans."""
    last = 0
    while rows := list(
        queryset.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:batch]
    ):
        last = rows[-1][0]
        yield rows


def _contacts(counts: Counts, progress: Progress, batch: int) -> None:
    total = Contact.objects.count()
    for rows in _batches(Contact.objects.all(), ("name", "email"), batch):
        identities: defaultdict[int, list[str]] = defaultdict(list)
        for contact_id, value in ContactIdentity.objects.filter(
            contact_id__in=[pk for pk, _, _ in rows]
        ).values_list("contact_id", "value"):
            identities[contact_id].append(value)
        SearchDocument.objects.bulk_create(
            SearchDocument(
                kind=DocumentKind.CONTACT,
                object_id=pk,
                contact_id=pk,
                text=document_text(contact_text(name, email, identities[pk])[:MAX_INDEXED]),
            )
            for pk, name, email in rows
        )
        counts.contacts += len(rows)
        progress("contacts", counts.contacts, total)


def _conversations(counts: Counts, progress: Progress, batch: int) -> None:
    """Each batch of conversations, then their messages: document ids then follow the order in
    which conversations began, as they do when documents are written live."""
    total_conversations = Conversation.objects.count()
    total_messages = Message.objects.count()
    for rows in _batches(Conversation.objects.all(), ("subject", "contact_id"), batch):
        last = rows[-1][0]
        SearchDocument.objects.bulk_create(
            SearchDocument(
                kind=DocumentKind.CONVERSATION,
                object_id=pk,
                conversation_id=pk,
                contact_id=contact_id,
                text=document_text(subject[:MAX_INDEXED]),
            )
            for pk, subject, contact_id in rows
        )
        counts.conversations += len(rows)
        messages = (
            Message.objects.filter(conversation_id__gte=rows[0][0], conversation_id__lte=last)
            .order_by("pk")
            .values_list("pk", "conversation_id", "direction", "body_text")
            .iterator(chunk_size=batch * 4)
        )
        # A million messages: plain executemany of one constant statement, without building a
        # model instance per row.
        with connection.cursor() as cursor:
            documents = [
                (
                    DocumentKind.MESSAGE.value,
                    pk,
                    conversation_id,
                    direction == Direction.NOTE,
                    document_text(body_text[:MAX_INDEXED]),
                )
                for pk, conversation_id, direction, body_text in messages
            ]
            cursor.executemany(INSERT_MESSAGE, documents)
        counts.messages += len(documents)
        progress("conversations", counts.conversations, total_conversations)
        progress("messages", counts.messages, total_messages)


def reindex(progress: Progress = _silent, batch: int = BATCH) -> Counts:
    """Replace every search document with one built from the current data."""
    counts = Counts()
    engine = backend()
    with transaction.atomic():
        engine.suspend()
        engine.clear()
        _contacts(counts, progress, batch)
        _conversations(counts, progress, batch)
        progress("index", 0, 1)
        engine.resume()
        progress("index", 1, 1)
    return counts
