"""Forms of the agents' help-center editor (typed input at the edge; actions do the writing)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.helpcenter.models import Article, Section

LANGUAGE_HELP = _("A language code such as en, es, pt or pt-br.")
STEP_ROWS = 3


class TranslationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.CharField(
        label=_("URL slug"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to make it from the title."),
    )
    summary = forms.CharField(
        label=_("Summary (search engines and previews)"), max_length=300, required=False
    )
    body = forms.CharField(
        label=_("Body (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "class": "hc-markdown"}),
    )
    questions = forms.CharField(
        label=_("Example questions (one per line)"),
        required=False,
        help_text=_("How customers ask for this article; the answer bot learns from them."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    note = forms.CharField(label=_("Revision note"), max_length=200, required=False)


class StepForm(forms.Form):
    text = forms.CharField(
        label=_("Instruction"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Checked by sniffing the bytes in actions.store_image (no Pillow needed).
    image = forms.FileField(label=_("Image"), required=False)
    image_alt = forms.CharField(label=_("Image description"), max_length=200, required=False)
    keep_image = forms.IntegerField(required=False, widget=forms.HiddenInput)
    remove_image = forms.BooleanField(label=_("Remove image"), required=False)


StepFormSet = forms.formset_factory(StepForm, extra=STEP_ROWS, max_num=50)


def section_choices() -> list[tuple[int, str]]:
    from atiende.helpcenter.queries import pick

    sections = Section.objects.select_related("category").prefetch_related(
        "translations", "category__translations"
    )
    choices = []
    for section in sections:
        name = pick(section.translations.all(), "en")
        category = pick(section.category.translations.all(), "en")
        label = f"{category.name if category else '?'} / {name.name if name else '?'}"
        choices.append((section.pk, label))
    return choices


class NewArticleForm(forms.Form):
    section = forms.TypedChoiceField(label=_("Section"), coerce=int)
    language = forms.CharField(
        label=_("Language"), max_length=12, initial="en", help_text=LANGUAGE_HELP
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    sensitive = forms.BooleanField(
        label=_("Sensitive (the answer bot never answers with it)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = section_choices()  # type: ignore[attr-defined]  # TypedChoiceField has choices


class ArticleSettingsForm(forms.Form):
    section = forms.TypedChoiceField(label=_("Section"), coerce=int)
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0)
    sensitive = forms.BooleanField(
        label=_("Sensitive (the answer bot never answers with it)"), required=False
    )
    related = forms.TypedMultipleChoiceField(
        label=_("Related articles"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, article: Article, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from atiende.helpcenter.queries import pick

        self.fields["section"].choices = section_choices()  # type: ignore[attr-defined]  # TypedChoiceField has choices
        others = Article.objects.exclude(pk=article.pk).prefetch_related("translations")
        self.fields["related"].choices = [  # type: ignore[attr-defined]  # a choice field
            (other.pk, title.title if (title := pick(other.translations.all(), "en")) else "?")
            for other in others
        ]


class CategoryForm(forms.Form):
    language = forms.CharField(
        label=_("Language"), max_length=12, initial="en", help_text=LANGUAGE_HELP
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    sensitive = forms.BooleanField(
        label=_("Sensitive (the answer bot never answers with its articles)"), required=False
    )


class SectionForm(forms.Form):
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    language = forms.CharField(
        label=_("Language"), max_length=12, initial="en", help_text=LANGUAGE_HELP
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)


class RenameForm(forms.Form):
    kind = forms.ChoiceField(choices=[("category", "category"), ("section", "section")])
    target = forms.IntegerField()
    language = forms.CharField(label=_("Language"), max_length=12, help_text=LANGUAGE_HELP)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
