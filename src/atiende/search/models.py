"""The search documents that the engine-specific indexes cover."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    CONVERSATION = "conversation", _("Conversation")
    CONTACT = "contact", _("Contact")


class SearchDocument(models.Model):
    """One searchable text: a message body, a conversation subject or a contact's names.

    `text` is folded (lower case, accents removed) so that "credito" finds "crédito" on both
    engines. On SQLite an FTS5 table mirrors it (triggers keep it in step); on PostgreSQL a GIN
    index over to_tsvector('simple', text) serves the queries.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    object_id = models.BigIntegerField(_("object id"))
    conversation_id = models.BigIntegerField(
        _("conversation id"), null=True, blank=True, db_index=True
    )
    contact_id = models.BigIntegerField(_("contact id"), null=True, blank=True, db_index=True)
    is_note = models.BooleanField(_("internal note"), default=False)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
