"""Admin for the assistant: macros (with a text per language), categories, calibrations."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from atiende.assistant.models import BotPolicy, Category, Macro, MacroText
from atiende.core.admin import ModelAdmin, TabularInline


class MacroTextInline(TabularInline[MacroText, Macro]):
    model = MacroText
    extra = 1


@admin.register(Macro)
class MacroAdmin(ModelAdmin[Macro]):
    list_display = ("title", "team")
    list_filter = ("team",)
    search_fields = ("title", "texts__body")
    inlines = (MacroTextInline,)


@admin.register(Category)
class CategoryAdmin(ModelAdmin[Category]):
    list_display = ("name", "slug", "team", "sensitive")
    list_filter = ("team", "sensitive")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(BotPolicy)
class BotPolicyAdmin(ModelAdmin[BotPolicy]):
    list_display = ("created_at", "heldout", "created_by")
    readonly_fields = ("policy", "curve", "heldout", "created_at", "created_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
