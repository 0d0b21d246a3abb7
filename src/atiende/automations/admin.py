"""Admin pages where supervisors and admins write automation rules and their actions."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from atiende.automations.models import Action, Rule
from atiende.core.admin import ModelAdmin, TabularInline


class ActionInline(TabularInline[Action, Rule]):
    model = Action
    extra = 1
    fields = ["position", "kind", "value", "team", "agent", "text"]
    autocomplete_fields = ["team"]
    raw_id_fields = ["agent"]


@admin.register(Rule)
class RuleAdmin(ModelAdmin[Rule]):
    list_display = ["name", "trigger", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["trigger", "active"]
    search_fields = ["name"]
    inlines = [ActionInline]
    fieldsets = [
        (_("Rule"), {"fields": ["name", "active", "position"]}),
        (_("When"), {"fields": ["trigger", "time_condition", "hours"]}),
        (
            _("Conditions (all must hold; empty ones do not restrict)"),
            {
                "fields": [
                    "channel",
                    "inbox",
                    "status",
                    "priority",
                    "language",
                    "category",
                    "team",
                    "has_tag",
                    "lacks_tag",
                    "words",
                    "email_domains",
                ]
            },
        ),
    ]
