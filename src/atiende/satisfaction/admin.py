"""Admin for the survey: the per-inbox switch (one row per inbox, created with the inbox).

The answers themselves are read on the conversation page and in the reports."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from atiende.core.admin import ModelAdmin
from atiende.satisfaction.models import SurveySettings


@admin.register(SurveySettings)
class SurveySettingsAdmin(ModelAdmin[SurveySettings]):
    list_display = ("inbox", "enabled")
    list_editable = ("enabled",)
    list_select_related = ("inbox",)
    readonly_fields = ("inbox",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # every inbox has its row
