"""Admin view of the search documents: read-only, the actions keep them in step."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atiende.core.admin import ModelAdmin
from atiende.search.models import SearchDocument

EXCERPT = 100


@admin.register(SearchDocument)
class SearchDocumentAdmin(ModelAdmin[SearchDocument]):
    list_display = (
        "id",
        "kind",
        "object_id",
        "conversation_id",
        "contact_id",
        "is_note",
        "excerpt",
    )
    list_filter = ("kind", "is_note")
    search_fields = ("text",)
    show_full_result_count = False
    fields = ("kind", "object_id", "conversation_id", "contact_id", "is_note", "text")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: SearchDocument | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: SearchDocument | None = None
    ) -> bool:
        return False

    @admin.display(description=_("text"))
    def excerpt(self, document: SearchDocument) -> str:
        return document.text[:EXCERPT]
