"""Admin for inboxes: channel settings, and signing secrets that are never shown in full."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from atiende.core import events
from atiende.core.admin import ModelAdmin
from atiende.inboxes.models import Inbox, new_secret
from atiende.people.models import User

VISIBLE_PREFIX = 4


def mask(secret: str) -> str:
    """Enough to tell two secrets apart, not enough to use one."""
    if not secret:
        return "—"
    return f"{secret[:VISIBLE_PREFIX]}{'•' * 12}"


@admin.register(Inbox)
class InboxAdmin(ModelAdmin[Inbox]):
    list_display = ("name", "channel", "language", "default_team", "is_active", "created_at")
    list_filter = ("channel", "is_active", "language")
    search_fields = ("name",)
    fields = (
        "name",
        "channel",
        "default_team",
        "language",
        "is_active",
        "config",
        "masked_secret",
        "masked_previous_secret",
        "created_at",
    )
    readonly_fields = ("masked_secret", "masked_previous_secret", "created_at")
    actions = ("rotate_secret",)

    @admin.display(description=_("signing secret"))
    def masked_secret(self, inbox: Inbox) -> str:
        return mask(inbox.secret)

    @admin.display(description=_("previous secret"))
    def masked_previous_secret(self, inbox: Inbox) -> str:
        return mask(inbox.previous_secret)

    @admin.action(description=_("Rotate signing secret"), permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Inbox]) -> None:
        """The current secret stays valid as the previous one until the next rotation."""
        rotated = 0
        with transaction.atomic():
            locked = Inbox.objects.filter(pk__in=queryset.values("pk")).select_for_update()
            for inbox in locked:
                inbox.previous_secret = inbox.secret
                inbox.secret = new_secret()
                inbox.save(update_fields=["secret", "previous_secret"])
                events.record(
                    "inbox.secret_rotated",
                    actor_user=request.user if isinstance(request.user, User) else None,
                    data={"inbox_id": inbox.pk},
                    publish=False,
                )
                rotated += 1
        self.message_user(
            request,
            ngettext(
                "Rotated the signing secret of %(count)d inbox; the old one stays valid until "
                "the next rotation.",
                "Rotated the signing secrets of %(count)d inboxes; the old ones stay valid "
                "until the next rotation.",
                rotated,
            )
            % {"count": rotated},
            messages.SUCCESS,
        )
