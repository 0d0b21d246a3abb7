"""SQLite: an FTS5 external-content table over search_searchdocument(kind, text), kept in step
by triggers. `kind` is indexed too, so that "contacts only" is a term intersected inside FTS5
instead of a filter applied to every match.

Note for future migrations: when Django rebuilds search_searchdocument on SQLite (most
AlterField operations copy the table), the triggers are lost; run `install()` again (the
`reindex` command does) in that migration.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection

from atiende.search.backends import Hit
from atiende.search.models import DocumentKind
from atiende.search.terms import Terms

# Every statement is a constant: no SQL text is ever built from a value.
CREATE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "kind, text, content='search_searchdocument', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
)
CREATE_TRIGGERS = [
    (
        "CREATE TRIGGER IF NOT EXISTS search_fts_insert AFTER INSERT ON search_searchdocument "
        "BEGIN INSERT INTO search_fts(rowid, kind, text) VALUES (new.id, new.kind, new.text); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS search_fts_delete AFTER DELETE ON search_searchdocument "
        "BEGIN INSERT INTO search_fts(search_fts, rowid, kind, text) "
        "VALUES ('delete', old.id, old.kind, old.text); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS search_fts_update AFTER UPDATE ON search_searchdocument "
        "BEGIN INSERT INTO search_fts(search_fts, rowid, kind, text) "
        "VALUES ('delete', old.id, old.kind, old.text); "
        "INSERT INTO search_fts(rowid, kind, text) VALUES (new.id, new.kind, new.text); END"
    ),
]
DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_update",
]
REBUILD = "INSERT INTO search_fts(search_fts) VALUES ('rebuild')"
OPTIMIZE = "INSERT INTO search_fts(search_fts) VALUES ('optimize')"
DROP_TABLE = "DROP TABLE IF EXISTS search_fts"
# FTS5 walks its doclists newest rowid first and stops at the limit, so a word found in half
# the messages costs no more than a rare one; bm25 is computed for the rows returned only.
RECENT_HITS = (
    "SELECT d.kind, d.conversation_id, d.contact_id, h.score FROM ("
    "  SELECT rowid AS id, bm25(search_fts, 0.0, 1.0) AS score FROM search_fts"
    "  WHERE search_fts MATCH %s ORDER BY rowid DESC LIMIT %s"
    ") AS h JOIN search_searchdocument AS d ON d.id = h.id"
)
# Few documents belong to a handful of conversations: walk them and probe FTS5 by rowid (CROSS
# JOIN keeps that order) rather than filtering every match of a common word. No bm25 here: it
# reads the whole doclist of every word for each probe (hundreds of ms for a common word), so
# these hits all score 1 and the caller orders them by recency.
HITS_IN_CONVERSATIONS = (
    "SELECT d.kind, d.conversation_id, d.contact_id, -1.0"
    " FROM search_searchdocument AS d CROSS JOIN search_fts ON search_fts.rowid = d.id"
    " WHERE d.conversation_id IN (SELECT value FROM json_each(%s))"
    " AND d.kind IN ('message', 'conversation') AND (%s OR d.is_note = 0)"
    " AND search_fts MATCH %s"
)
_KINDS = {kind.value for kind in DocumentKind}


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def match_expression(terms: Terms, kinds: Sequence[str] = ()) -> str:
    """An FTS5 query in which every word is a quoted phrase (so no word is ever read as an
    operator); the last word is a prefix when the terms say so. It is passed as a bound
    parameter, never spliced into SQL."""
    phrases = [_phrase(word) for word in terms.words]
    if terms.prefix:
        phrases[-1] += "*"
    expression = "text : (" + " AND ".join(phrases) + ")"
    if kinds and set(kinds) != _KINDS:
        expression = (
            "kind : (" + " OR ".join(_phrase(kind) for kind in kinds) + ") AND " + expression
        )
    return expression


def _hits(rows: Sequence[tuple[str, int | None, int | None, float]]) -> list[Hit]:
    # bm25() is negative, more negative for a better match.
    return [
        Hit(kind, conversation_id, contact_id, -score)
        for kind, conversation_id, contact_id, score in rows
    ]


class SQLiteBackend:
    def recent_hits(self, terms: Terms, kinds: Sequence[str], limit: int) -> list[Hit]:
        with connection.cursor() as cursor:
            cursor.execute(RECENT_HITS, [match_expression(terms, kinds), limit])
            return _hits(cursor.fetchall())

    def hits_in_conversations(
        self, terms: Terms, conversation_ids: Sequence[int], *, include_notes: bool
    ) -> list[Hit]:
        if not conversation_ids:
            return []
        params: list[str | bool] = [
            json.dumps(list(conversation_ids)),
            include_notes,
            match_expression(terms),
        ]
        with connection.cursor() as cursor:
            cursor.execute(HITS_IN_CONVERSATIONS, params)
            return _hits(cursor.fetchall())

    def install(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(CREATE_TABLE)
            for statement in CREATE_TRIGGERS:
                cursor.execute(statement)

    def suspend(self) -> None:
        with connection.cursor() as cursor:
            for statement in DROP_TRIGGERS:
                cursor.execute(statement)

    def resume(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(CREATE_TABLE)
            cursor.execute(REBUILD)
            cursor.execute(OPTIMIZE)
            for statement in CREATE_TRIGGERS:
                cursor.execute(statement)

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_searchdocument")
