"""Forms of the agent inbox: they validate what an agent typed; the actions do the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.utils.translation import gettext_lazy as _

from atiende.conversations.models import Priority, Status
from atiende.people.models import Team, User


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply to the customer"),
        widget=forms.Textarea(attrs={"rows": 4, "data-typing": "1"}),
        max_length=100_000,
    )
    status = forms.ChoiceField(
        label=_("and set status"),
        required=False,
        choices=[("", _("(unchanged)")), *[(s.value, s.label) for s in Status if s != "new"]],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the page also has the status form of the side panel.
        kwargs.setdefault("auto_id", "id_reply_%s")
        super().__init__(*args, **kwargs)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note (agents only)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=100_000,
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        # People only: system users (routing acts as one) cannot sign in and take no work.
        field.queryset = (
            User.objects.filter(is_active=True)
            .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
            .order_by("username")
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class TeamForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("No team")
    )


class TagsForm(forms.Form):
    add = forms.CharField(
        label=_("Add tags"),
        required=False,
        max_length=500,
        help_text=_("Separate tags with commas."),
    )
    remove = forms.CharField(required=False, max_length=50, widget=forms.HiddenInput)

    def added(self) -> list[str]:
        return [name for name in self.cleaned_data["add"].split(",") if name.strip()]

    def removed(self) -> list[str]:
        name = self.cleaned_data["remove"].strip()
        return [name] if name else []


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search conversations"), required=False, max_length=200)


def first_error(form: forms.Form) -> str:
    """One readable message from a form's errors, for the flash area."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        message = str(errors[0])
        return f"{label}: {message}" if label else message
    return str(_("Please check the form."))
