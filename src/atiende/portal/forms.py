"""Forms of the customer side: the Help form, the portal sign-in and the portal reply.

Attachments are checked here with the same rules `receive_message` applies (size first, without
reading an oversize file into memory; then type sniffed from the bytes), so a refused file is
shown next to the field and everything else the customer typed is kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from atiende.conversations import attachments as attachment_store
from atiende.core.errors import ActionError

MAX_MESSAGE = 20_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Zero or more files, each validated like an inbound attachment; cleans to
    (filename, bytes) pairs."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> tuple[tuple[str, bytes], ...]:
        uploads: list[UploadedFile[Any]] = [
            item for item in (data if isinstance(data, list | tuple) else [data]) if item
        ]
        limit = settings.ATIENDE_MAX_ATTACHMENTS_PER_MESSAGE
        if len(uploads) > limit:
            raise forms.ValidationError(
                ngettext(
                    "Attach at most %(limit)d file.",
                    "Attach at most %(limit)d files.",
                    limit,
                )
                % {"limit": limit}
            )
        files: list[tuple[str, bytes]] = []
        errors: list[forms.ValidationError] = []
        max_bytes = settings.ATIENDE_MAX_ATTACHMENT_BYTES
        for upload in uploads:
            name = upload.name or "attachment"
            if (upload.size or 0) > max_bytes:
                errors.append(
                    forms.ValidationError(
                        _("%(name)s is too large; the limit is %(limit)d MB.")
                        % {"name": name, "limit": max(1, max_bytes // 1_048_576)}
                    )
                )
                continue
            content = upload.read()
            try:
                attachment_store.validate(name, content)
            except ActionError as exc:
                errors.append(forms.ValidationError(exc.detail))
                continue
            files.append((name, content))
        if errors:
            raise forms.ValidationError(errors)
        return tuple(files)


class HelpForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send our answers here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(
        label=_("How can we help?"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 7}),
    )
    attachments = AttachmentsField(
        label=_("Attachments (optional)"),
        help_text=_("Screenshots or documents. Programs and scripts are not accepted."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"

    def clean_message(self) -> str:
        message = str(self.cleaned_data["message"]).strip()
        if not message:
            raise forms.ValidationError(_("Tell us what happened."))
        return message


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = AttachmentsField(label=_("Attachments (optional)"))
