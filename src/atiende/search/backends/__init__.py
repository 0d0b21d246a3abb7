"""One search backend per database engine behind one interface; `backend()` picks the one for
the default connection's engine (SQLite FTS5 or PostgreSQL full-text search)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from atiende.search.terms import Terms


@dataclass(frozen=True)
class Hit:
    """One matching search document and how well it matched (higher is better)."""

    kind: str
    conversation_id: int | None
    contact_id: int | None
    score: float


class SearchBackend(Protocol):
    def recent_hits(self, terms: Terms, kinds: Sequence[str], limit: int) -> list[Hit]:
        """The `limit` newest documents of these kinds that contain every word."""

    def hits_in_conversations(
        self, terms: Terms, conversation_ids: Sequence[int], *, include_notes: bool
    ) -> list[Hit]:
        """Matching messages and subjects of these conversations only."""

    def install(self) -> None:
        """Create the engine's index structures (idempotent)."""

    def suspend(self) -> None:
        """Stop keeping the index in step, before a bulk load (inside a transaction)."""

    def clear(self) -> None:
        """Delete every document (while suspended)."""

    def resume(self) -> None:
        """Rebuild the index from the documents and keep it in step again."""


def backend() -> SearchBackend:
    if connection.vendor == "postgresql":
        from atiende.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    if connection.vendor == "sqlite":
        from atiende.search.backends.sqlite import SQLiteBackend

        return SQLiteBackend()
    raise ImproperlyConfigured(f"atiende has no search backend for {connection.vendor}")
