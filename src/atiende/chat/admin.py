"""Admin for chat widgets: looks, pre-chat form, allowed origins, identity verification.

The signing secret used for identity verification is the inbox's (`Inbox.secret`, rotated with
its previous secret kept valid) and is managed on the inbox's admin page.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from atiende.chat.models import ChatWidget, Visitor
from atiende.core.admin import ModelAdmin


@admin.register(ChatWidget)
class ChatWidgetAdmin(ModelAdmin[ChatWidget]):
    list_display = ("__str__", "inbox", "language", "require_verified_identity", "key")
    readonly_fields = ("key", "embed_code")
    fieldsets = (
        (None, {"fields": ("inbox", "key", "embed_code")}),
        (_("Looks"), {"fields": ("title", "greeting", "color", "text_color", "language")}),
        (_("Pre-chat form"), {"fields": ("ask_name", "ask_email", "suggest_articles")}),
        (_("Security"), {"fields": ("allowed_origins", "require_verified_identity")}),
    )

    @admin.display(description=_("embed code"))
    def embed_code(self, widget: ChatWidget) -> str:
        from django.conf import settings

        return (
            f'<script src="{settings.SITE_URL}/static/chat/widget.js" '
            f'data-widget-key="{widget.key}" async></script>'
        )


@admin.register(Visitor)
class VisitorAdmin(ModelAdmin[Visitor]):
    list_display = ("__str__", "widget", "user_id", "contact", "created_at", "last_seen_at")
    list_filter = ("widget",)
    search_fields = ("name", "email", "user_id")
    readonly_fields = ("widget", "token_hash", "visitor_id", "user_id", "contact", "created_at")
    fields = (*readonly_fields, "name", "email", "language", "last_seen_at")

    def has_add_permission(self, request: object) -> bool:
        return False
