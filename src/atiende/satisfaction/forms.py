"""The customer's answer to a survey."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.satisfaction.actions import MAX_COMMENT_LENGTH
from atiende.satisfaction.models import Rating


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How was the help you got?"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose Good or Bad.")},
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
