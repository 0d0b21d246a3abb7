"""Editing one article translation: Markdown with a live sanitised preview (htmx), steps with
images, example questions, publish/unpublish, revisions and restore, image uploads."""

from __future__ import annotations

from django.contrib import messages
from django.forms import BaseFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from atiende.conversations.views.common import agent
from atiende.core.errors import ActionError, NotAllowed, NotFound
from atiende.helpcenter import access, actions, markdown
from atiende.helpcenter.actions import StepInput
from atiende.helpcenter.forms import StepForm, StepFormSet, TranslationForm
from atiende.helpcenter.models import ArticleTranslation, Status
from atiende.helpcenter.urls_util import article_path
from atiende.helpcenter.views.editor import base_context, editor_view

MAX_PREVIEW_CHARS = 200_000


def _steps_initial(translation: ArticleTranslation | None) -> list[dict[str, object]]:
    if translation is None:
        return []
    return [
        {"text": s.text, "image_alt": s.image_alt, "keep_image": s.image_id}
        for s in translation.steps.order_by("position", "pk")
    ]


def _steps_from(request: HttpRequest, formset: BaseFormSet[StepForm]) -> list[StepInput]:
    user = agent(request)
    steps = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or not (data.get("text") or "").strip():
            continue
        image_id = None if data.get("remove_image") else data.get("keep_image")
        upload = data.get("image")
        if upload is not None:
            image_id = actions.store_image(user, upload.name or "image", upload.read()).pk
        steps.append(StepInput(data["text"], image_id, data.get("image_alt") or ""))
    return steps


@editor_view
@require_http_methods(["GET", "POST"])
def translation_edit(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    """Edit (or, for a language the article lacks, create) one translation."""
    user = agent(request)
    article = access.access_article(user, pk)
    translation = article.translations.filter(language=language).first()
    questions = "\n".join(
        article.questions.filter(language=language).values_list("text", flat=True)
    )
    initial = {"questions": questions}
    if translation is not None:
        initial |= {
            "title": translation.title,
            "slug": translation.slug,
            "summary": translation.summary,
            "body": translation.body,
        }
    form = TranslationForm(request.POST or None, initial=initial)
    # Bound without `initial`: an unchanged row would otherwise count as empty and be dropped.
    steps = (
        StepFormSet(request.POST, request.FILES, prefix="steps")
        if request.method == "POST"
        else StepFormSet(initial=_steps_initial(translation), prefix="steps")
    )
    if request.method == "POST":
        actions.require_editor(user)
        if form.is_valid() and steps.is_valid():
            data = form.cleaned_data
            try:
                saved = actions.save_translation(
                    user,
                    article,
                    language=language,
                    title=data["title"],
                    slug=data["slug"],
                    summary=data["summary"],
                    body=data["body"],
                    steps=_steps_from(request, steps),
                    note=data["note"],
                )
                actions.set_questions(
                    user, article, language=language, questions=data["questions"].splitlines()
                )
            except (NotFound, NotAllowed):
                raise
            except ActionError as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, _("Saved."))
                return redirect(
                    "helpcenter:editor_translation", pk=article.pk, language=saved.language
                )
    context = base_context(request) | {
        "article": article,
        "language": language,
        "translation": translation,
        "form": form,
        "steps": steps,
        "preview_html": translation.body_html if translation else "",
        "public_url": article_path(language, article.pk, translation.slug)
        if translation is not None and translation.is_published
        else "",
        "other_languages": list(
            article.translations.exclude(language=language).values_list("language", flat=True)
        ),
    }
    return render(request, "helpcenter/editor/translation.html", context)


@editor_view
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The sanitised HTML of the posted Markdown (the htmx live preview)."""
    body = request.POST.get("body", "")[:MAX_PREVIEW_CHARS]
    return render(request, "helpcenter/editor/_preview.html", {"html": markdown.render(body)})


@editor_view
@require_POST
def translation_status(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    user = agent(request)
    translation = access.access_translation(user, pk, language)
    status = Status.PUBLISHED if request.POST.get("status") == "published" else Status.DRAFT
    actions.set_status(user, translation, status)
    messages.success(
        request, _("Published.") if status == Status.PUBLISHED else _("Moved back to draft.")
    )
    return redirect("helpcenter:editor_translation", pk=pk, language=language)


@editor_view
@require_http_methods(["GET"])
def revisions(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    user = agent(request)
    translation = access.access_translation(user, pk, language)
    rows = [
        {"revision": revision, "html": markdown.render(revision.body)}
        for revision in translation.revisions.select_related("created_by")
    ]
    context = base_context(request) | {
        "translation": translation,
        "article": translation.article,
        "rows": rows,
    }
    return render(request, "helpcenter/editor/revisions.html", context)


@editor_view
@require_POST
def restore(request: HttpRequest, pk: int, language: str, number: int) -> HttpResponse:
    user = agent(request)
    revision = access.access_revision(user, pk, language, number)
    actions.restore_revision(user, revision)
    messages.success(request, _("Revision %(number)d restored.") % {"number": number})
    return redirect("helpcenter:editor_translation", pk=pk, language=language)


@editor_view
@require_POST
def upload_image(request: HttpRequest) -> HttpResponse:
    """Store an image and answer with the Markdown that shows it (htmx fragment)."""
    user = agent(request)
    upload = request.FILES.get("image")
    context: dict[str, str] = {}
    if upload is None:
        context["error"] = _("Choose an image first.")
    else:
        try:
            image = actions.store_image(user, upload.name or "image", upload.read())
        except (NotFound, NotAllowed):
            raise
        except ActionError as error:
            context["error"] = error.detail
        else:
            url = reverse("helpcenter:image", kwargs={"token": image.token})
            alt = (request.POST.get("alt") or "").replace("]", "").strip()[:200]
            context["markdown"] = f"![{alt}]({url})"
    return render(request, "helpcenter/editor/_image.html", context)
