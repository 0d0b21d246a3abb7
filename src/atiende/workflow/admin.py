"""Admin pages: business hours and holidays per inbox, agents' capacity and languages."""

from __future__ import annotations

from django.contrib import admin

from atiende.core.admin import ModelAdmin, TabularInline
from atiende.workflow.models import AgentProfile, Holiday, InboxSchedule, OpeningInterval


class OpeningIntervalInline(TabularInline[OpeningInterval, InboxSchedule]):
    model = OpeningInterval
    extra = 0


class HolidayInline(TabularInline[Holiday, InboxSchedule]):
    model = Holiday
    extra = 0


@admin.register(InboxSchedule)
class InboxScheduleAdmin(ModelAdmin[InboxSchedule]):
    list_display = ["inbox", "time_zone", "use_hours", "reroute_after_seconds"]
    inlines = [OpeningIntervalInline, HolidayInline]


@admin.register(AgentProfile)
class AgentProfileAdmin(ModelAdmin[AgentProfile]):
    list_display = ["user", "status", "capacity", "last_seen_at", "last_assigned_at"]
    list_filter = ["status"]
    list_editable = ["capacity"]
    fields = ["user", "status", "capacity", "languages", "last_seen_at", "last_assigned_at"]
    readonly_fields = ["last_seen_at", "last_assigned_at"]
