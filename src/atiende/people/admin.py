"""Admin for agents, teams and contacts (configuration; conversations change through actions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atiende.core.admin import ModelAdmin, TabularInline
from atiende.people.models import Contact, ContactIdentity, Team, User

if TYPE_CHECKING:
    UserAdminBase = DjangoUserAdmin[User]
else:
    UserAdminBase = DjangoUserAdmin


@admin.register(User)
class UserAdmin(UserAdminBase):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Support"), {"fields": ("role", "teams", "language", "display_name")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Support"), {"fields": ("role", "teams", "language")}),
    )
    list_display = ("username", "display_name", "email", "role", "team_list", "is_active")
    list_filter = ("role", "teams", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "display_name", "email")
    filter_horizontal = ("teams", "groups", "user_permissions")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("teams")

    @admin.display(description=_("teams"))
    def team_list(self, user: User) -> str:
        return ", ".join(team.name for team in user.teams.all())


@admin.register(Team)
class TeamAdmin(ModelAdmin[Team]):
    list_display = ("name", "slug", "member_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, team: Any) -> int:
        return int(team.member_count)


class IdentityInline(TabularInline[ContactIdentity, Contact]):
    """Identities are read here; they are created by the channels and moved by merges."""

    model = ContactIdentity
    extra = 0
    can_delete = False
    fields = ("kind", "value", "verified", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Contact | None = None) -> bool:
        return False


@admin.register(Contact)
class ContactAdmin(ModelAdmin[Contact]):
    list_display = ("__str__", "email", "language", "created_at", "merged_into")
    list_filter = ("language",)
    search_fields = ("name", "email", "identities__value")
    readonly_fields = ("merged_into", "created_at")
    fields = ("name", "email", "language", "created_at", "merged_into")
    inlines = (IdentityInline,)
    list_select_related = ("merged_into",)
    show_full_result_count = False
