"""Forms of the workflow views: the agent's status and the transfer of a conversation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.people.models import Team, User
from atiende.workflow.models import PresenceStatus
from atiende.workflow.routing import ROUTING_USERNAME


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("My status"), choices=PresenceStatus.choices)


class TransferForm(forms.Form):
    agent = forms.ModelChoiceField(
        label=_("Colleague"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label="—"
    )
    note = forms.CharField(
        label=_("Note for them"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Saved as an internal note; the customer never sees it."),
    )

    def __init__(self, *args: Any, exclude_user: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agents = User.objects.filter(is_active=True).exclude(username=ROUTING_USERNAME)
        if exclude_user is not None:
            agents = agents.exclude(pk=exclude_user)
        agent_field = self.fields["agent"]
        team_field = self.fields["team"]
        assert isinstance(agent_field, forms.ModelChoiceField)
        assert isinstance(team_field, forms.ModelChoiceField)
        agent_field.queryset = agents.order_by("username")
        team_field.queryset = Team.objects.order_by("name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("agent") and not cleaned.get("team"):
            raise forms.ValidationError(_("Choose a colleague or a team."))
        return cleaned
