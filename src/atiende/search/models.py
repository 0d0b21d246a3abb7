"""The search documents that the engine-specific indexes cover."""

from __future__ import annotations

from django.db import models


class DocumentKind(models.TextChoices):
    MESSAGE = "message"
    CONVERSATION = "conversation"
    CONTACT = "contact"


class SearchDocument(models.Model):
    """One searchable text: a message body, a conversation subject or a contact's names.

    `text` is folded (lower case, accents removed) so that "credito" finds "crédito" on both
    engines. On SQLite an FTS5 table mirrors it (triggers keep it in step); on PostgreSQL a GIN
    index over to_tsvector('simple', text) serves the queries.
    """

    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    object_id = models.BigIntegerField()
    conversation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    contact_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    is_note = models.BooleanField(default=False)
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
