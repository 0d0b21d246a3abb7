"""Admin for the email channel: raw emails (quarantine and retry), email inboxes with their
block list and a connection test, IMAP progress (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from atiende.core.admin import ModelAdmin, TabularInline
from atiende.inboxes.models import ChannelKind
from atiende.mail.connection import check_inbox
from atiende.mail.models import (
    BlockedSender,
    EmailInbox,
    ImapFolderState,
    RawEmail,
    RawStatus,
)
from atiende.mail.pipeline import retry_quarantined


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def quarantined_count() -> int:
    return RawEmail.objects.filter(status=RawStatus.QUARANTINED).count()


@admin.register(RawEmail)
class RawEmailAdmin(ReadOnly, ModelAdmin[RawEmail]):
    list_display = (
        "id",
        "inbox",
        "source",
        "status",
        "size",
        "attempts",
        "received_at",
        "short_error",
    )
    list_filter = ("status", "source", "inbox")
    search_fields = ("source_key", "message_id_header", "sha256")
    fields = (
        "inbox",
        "source",
        "source_key",
        "sha256",
        "size",
        "status",
        "attempts",
        "error",
        "message_id_header",
        "message",
        "received_at",
        "processed_at",
    )
    readonly_fields = fields
    actions = ("retry",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing needs "view"; the retry action needs "change" (granted to superusers).
        return bool(getattr(request.user, "is_superuser", False)) and obj is None

    @admin.display(description=_("error"))
    def short_error(self, raw_email: RawEmail) -> str:
        return raw_email.error[:120]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        count = quarantined_count()
        title = ngettext(
            "Raw emails: %(count)d quarantined", "Raw emails: %(count)d quarantined", count
        ) % {"count": count}
        context = {**(extra_context or {}), "title": title}
        return super().changelist_view(request, context)  # type: ignore[return-value]

    @admin.action(description=_("Retry processing"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[RawEmail]) -> None:
        retried = sum(retry_quarantined(raw_email) for raw_email in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d quarantined email queued again.",
                "%(count)d quarantined emails queued again.",
                retried,
            )
            % {"count": retried},
            messages.SUCCESS,
        )


class BlockedSenderInline(TabularInline[BlockedSender, EmailInbox]):
    model = BlockedSender
    extra = 1
    fields = ("pattern", "reason", "created_at")
    readonly_fields = ("created_at",)


@admin.register(BlockedSender)
class BlockedSenderAdmin(ModelAdmin[BlockedSender]):
    list_display = ("pattern", "inbox", "reason", "created_at")
    list_filter = ("inbox",)
    search_fields = ("pattern",)


@admin.register(EmailInbox)
class EmailInboxAdmin(ModelAdmin[EmailInbox]):
    list_display = ("name", "address", "is_active", "quarantined")
    fields = ("name", "default_team", "language", "is_active", "config")
    inlines = (BlockedSenderInline,)
    actions = ("test_connection",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[EmailInbox]:
        return super().get_queryset(request).filter(channel=ChannelKind.EMAIL)

    def save_model(self, request: HttpRequest, obj: EmailInbox, form: Any, change: bool) -> None:
        obj.channel = ChannelKind.EMAIL
        super().save_model(request, obj, form, change)

    @admin.display(description=_("address"))
    def address(self, inbox: EmailInbox) -> str:
        return str(inbox.config.get("address", ""))

    @admin.display(description=_("quarantined"))
    def quarantined(self, inbox: EmailInbox) -> int:
        return RawEmail.objects.filter(inbox=inbox, status=RawStatus.QUARANTINED).count()

    @admin.action(description=_("Test connection (SMTP, IMAP)"), permissions=["change"])
    def test_connection(self, request: HttpRequest, queryset: QuerySet[EmailInbox]) -> None:
        for inbox in queryset:
            for report in check_inbox(inbox):
                level = messages.SUCCESS if report.ok else messages.ERROR
                self.message_user(request, f"{inbox.name}: {report}", level)


@admin.register(ImapFolderState)
class ImapFolderStateAdmin(ReadOnly, ModelAdmin[ImapFolderState]):
    list_display = ("inbox", "folder", "uidvalidity", "last_uid", "last_sync_at", "last_error")
    list_filter = ("inbox",)
    readonly_fields = ("inbox", "folder", "uidvalidity", "last_uid", "last_sync_at", "last_error")
