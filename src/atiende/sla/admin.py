"""Admin pages for SLA policies (supervisors and admins configure them here) and the stored
per-conversation state (read only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from atiende.conversations.models import Priority
from atiende.core.admin import ModelAdmin, TabularInline
from atiende.sla.models import ConversationSLA, Policy, Target


class PolicyForm(forms.ModelForm):  # type: ignore[type-arg]  # not subscriptable at run time
    priorities = forms.MultipleChoiceField(
        choices=Priority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=Policy._meta.get_field("priorities").verbose_name,
        help_text=Policy._meta.get_field("priorities").help_text,
    )

    class Meta:
        model = Policy
        fields = [
            "name",
            "position",
            "is_active",
            "inboxes",
            "priorities",
            "business_hours",
            "escalate_to_team",
            "notify_assignee",
        ]


class TargetInline(TabularInline[Target, Policy]):
    model = Target
    extra = 0


@admin.register(Policy)
class PolicyAdmin(ModelAdmin[Policy]):
    form = PolicyForm
    list_display = ["name", "position", "is_active", "business_hours", "escalate_to_team"]
    list_editable = ["position", "is_active"]
    filter_horizontal = ["inboxes"]
    inlines = [TargetInline]


@admin.register(ConversationSLA)
class ConversationSLAAdmin(ModelAdmin[ConversationSLA]):
    list_display = [
        "conversation",
        "policy",
        "priority",
        "next_due_at",
        "first_reply",
        "resolution",
    ]
    list_filter = ["policy", "first_reply", "resolution"]
    readonly_fields = [field.name for field in ConversationSLA._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
