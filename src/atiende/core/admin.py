"""Admin for the event log (append-only: read, never changed) and the task queue."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from atiende.core import tasks
from atiende.core.models import Event, Task, TaskStatus

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin, TabularInline
else:
    # The stubs make these generic (ModelAdmin[Event]); at run time Django's classes are not
    # subscriptable, so these subclasses accept and ignore the model argument.
    class ModelAdmin(admin.ModelAdmin):
        def __class_getitem__(cls, item: object) -> type:
            return cls

    class TabularInline(admin.TabularInline):
        def __class_getitem__(cls, item: object) -> type:
            return cls


__all__ = ["EventAdmin", "ModelAdmin", "TabularInline", "TaskAdmin"]

admin.site.site_header = _("atiende configuration")
admin.site.site_title = _("atiende")
admin.site.index_title = _("Configuration")


def pretty_json(value: Any) -> SafeString:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


@admin.register(Event)
class EventAdmin(ModelAdmin[Event]):
    list_display = ("id", "created_at", "kind", "actor_user", "actor_contact", "conversation_id")
    list_filter = ("kind",)
    search_fields = ("kind",)
    list_select_related = ("actor_user", "actor_contact")
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = (
        "created_at",
        "kind",
        "actor_user",
        "actor_contact",
        "conversation_id",
        "contact_id",
        "data_json",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    @admin.display(description=_("data"))
    def data_json(self, event: Event) -> SafeString:
        return pretty_json(event.data)


@admin.register(Task)
class TaskAdmin(ModelAdmin[Task]):
    list_display = ("id", "name", "key", "status", "attempts", "run_at", "finished_at", "error")
    list_filter = ("status", "name")
    search_fields = ("key", "name")
    show_full_result_count = False
    fields = (
        "name",
        "key",
        "status",
        "attempts",
        "run_at",
        "locked_until",
        "created_at",
        "finished_at",
        "payload_json",
        "last_error",
    )
    readonly_fields = fields
    actions = ("retry_failed",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Task | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Task | None = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("core.change_task")

    @admin.display(description=_("last error"))
    def error(self, task: Task) -> str:
        first_line = task.last_error.strip().splitlines()
        return first_line[0][:120] if first_line else ""

    @admin.display(description=_("payload"))
    def payload_json(self, task: Task) -> SafeString:
        return pretty_json(task.payload)

    @admin.action(description=_("Retry failed tasks"), permissions=["retry"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        with transaction.atomic():
            keys = list(queryset.filter(status=TaskStatus.FAILED).values_list("key", flat=True))
            retried = sum(tasks.retry(key) for key in keys)
        skipped = queryset.count() - retried
        self.message_user(
            request,
            ngettext(
                "Queued %(count)d failed task again.",
                "Queued %(count)d failed tasks again.",
                retried,
            )
            % {"count": retried},
            messages.SUCCESS if retried else messages.WARNING,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected task had not failed and was left as it was.",
                    "%(count)d selected tasks had not failed and were left as they were.",
                    skipped,
                )
                % {"count": skipped},
                messages.INFO,
            )
