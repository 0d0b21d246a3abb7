"""PostgreSQL: a stored tsvector column, generated from the text as to_tsvector('simple', text),
with a GIN index (migrations 0002 and 0003, on PostgreSQL only). Storing the vector spares the
recheck of every candidate row from parsing its text again, which dominated queries for common
words. The query words reach to_tsquery as a bound parameter, each one quoted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from atiende.search.backends import Hit
from atiende.search.terms import Terms

# Every statement is a constant: no SQL text is ever built from a value.
ADD_VECTOR = (
    "ALTER TABLE search_searchdocument ADD COLUMN IF NOT EXISTS tsv tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED"
)
DROP_VECTOR = "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS tsv"
CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS search_document_tsv_gin ON search_searchdocument USING gin (tsv)"
)
DROP_INDEX = "DROP INDEX IF EXISTS search_document_tsv_gin"
# The expression index of migration 0002, replaced by the stored column.
DROP_EXPRESSION_INDEX = "DROP INDEX IF EXISTS search_document_text_gin"
RECENT_HITS = (
    "SELECT kind, conversation_id, contact_id,"
    " ts_rank(tsv, to_tsquery('simple'::regconfig, %(q)s))"
    " FROM search_searchdocument"
    " WHERE tsv @@ to_tsquery('simple'::regconfig, %(q)s)"
    " AND kind = ANY(%(kinds)s)"
    " ORDER BY id DESC LIMIT %(limit)s"
)
HITS_IN_CONVERSATIONS = (
    "SELECT kind, conversation_id, contact_id,"
    " ts_rank(tsv, to_tsquery('simple'::regconfig, %(q)s))"
    " FROM search_searchdocument"
    " WHERE conversation_id = ANY(%(ids)s) AND kind IN ('message', 'conversation')"
    " AND (%(notes)s OR NOT is_note)"
    " AND tsv @@ to_tsquery('simple'::regconfig, %(q)s)"
)


def tsquery(terms: Terms) -> str:
    """A to_tsquery('simple', ...) argument: every word quoted, all required, the last one a
    prefix when the terms say so."""
    quoted = ["'" + word.replace("'", "''").replace("\\", "\\\\") + "'" for word in terms.words]
    if terms.prefix:
        quoted[-1] += ":*"
    return " & ".join(quoted)


def _hits(rows: Sequence[tuple[str, int | None, int | None, float]]) -> list[Hit]:
    return [
        Hit(kind, conversation_id, contact_id, score)
        for kind, conversation_id, contact_id, score in rows
    ]


class PostgresBackend:
    def recent_hits(self, terms: Terms, kinds: Sequence[str], limit: int) -> list[Hit]:
        params: dict[str, Any] = {"q": tsquery(terms), "kinds": list(kinds), "limit": limit}
        with connection.cursor() as cursor:
            cursor.execute(RECENT_HITS, params)
            return _hits(cursor.fetchall())

    def hits_in_conversations(
        self, terms: Terms, conversation_ids: Sequence[int], *, include_notes: bool
    ) -> list[Hit]:
        if not conversation_ids:
            return []
        params: dict[str, Any] = {
            "q": tsquery(terms),
            "ids": list(conversation_ids),
            "notes": include_notes,
        }
        with connection.cursor() as cursor:
            cursor.execute(HITS_IN_CONVERSATIONS, params)
            return _hits(cursor.fetchall())

    def install(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(CREATE_INDEX)

    def suspend(self) -> None:
        # Building a GIN index once over all rows is far faster than growing it row by row.
        with connection.cursor() as cursor:
            cursor.execute(DROP_INDEX)

    def resume(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(CREATE_INDEX)
            cursor.execute("ANALYZE search_searchdocument")

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE search_searchdocument")
