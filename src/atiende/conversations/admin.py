"""Admin for conversations (read-only: every change goes through the actions, which keep the
event log) and tags (configuration)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atiende.conversations.models import Conversation, Message, Tag
from atiende.core.admin import ModelAdmin, TabularInline


class ReadOnlyMixin:
    """Viewable, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(ReadOnlyMixin, TabularInline[Message, Conversation]):
    model = Message
    extra = 0
    can_delete = False
    fields = (
        "seq",
        "direction",
        "author_user",
        "author_contact",
        "body_text",
        "delivery_status",
        "created_at",
    )
    readonly_fields = fields
    ordering = ("seq",)


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyMixin, ModelAdmin[Conversation]):
    list_display = (
        "id",
        "subject",
        "contact",
        "inbox",
        "status",
        "priority",
        "team",
        "assignee",
        "last_message_at",
    )
    list_display_links = ("id", "subject")
    list_filter = ("status", "priority", "team", "inbox", "language")
    search_fields = ("subject", "contact__email", "contact__name")
    list_select_related = ("contact", "inbox", "team", "assignee")
    date_hierarchy = "last_message_at"
    show_full_result_count = False
    fields = (
        "subject",
        "inbox",
        "contact",
        "status",
        "priority",
        "team",
        "assignee",
        "tag_list",
        "language",
        "created_at",
        "last_message_at",
        "follow_up_of",
        "merged_into",
    )
    readonly_fields = fields
    inlines = (MessageInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        return super().get_queryset(request).prefetch_related("tags")

    @admin.display(description=_("tags"))
    def tag_list(self, conversation: Conversation) -> str:
        return ", ".join(tag.name for tag in conversation.tags.all())


@admin.register(Tag)
class TagAdmin(ModelAdmin[Tag]):
    list_display = ("name", "conversation_count")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(conversation_count=Count("conversations"))

    @admin.display(description=_("conversations"), ordering="conversation_count")
    def conversation_count(self, tag: Any) -> int:
        return int(tag.conversation_count)
