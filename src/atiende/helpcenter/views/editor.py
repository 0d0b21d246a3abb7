"""The agents' help-center editor: the article list, new articles, article settings, and the
category/section structure. Translations are edited in `editor_translation.py`.

Every agent may look; writes need a supervisor or admin (`actions.can_edit`), checked by the
actions themselves, so a forged POST from an agent gets a 403 like the hidden button would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from atiende.conversations.views.common import agent
from atiende.core.errors import ActionError, NotAllowed, NotFound
from atiende.helpcenter import access, actions
from atiende.helpcenter.forms import (
    ArticleSettingsForm,
    CategoryForm,
    NewArticleForm,
    RenameForm,
    SectionForm,
)
from atiende.helpcenter.models import Article, ArticleTranslation, Category
from atiende.helpcenter.queries import pick, site_languages

View = Callable[..., HttpResponse]


def editor_view(view: View) -> View:
    """Signed-in agents only; action errors become 404/403 pages or a message on the form."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.detail) from error
        except NotAllowed as error:
            return HttpResponseForbidden(error.detail)

    return wrapper


def base_context(request: HttpRequest) -> dict[str, Any]:
    user = agent(request)
    return {"can_edit": actions.can_edit(user), "editor_home": reverse("helpcenter:editor")}


@editor_view
@require_http_methods(["GET"])
def article_list(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.select_related("section__category").prefetch_related(
        Prefetch("translations", queryset=ArticleTranslation.objects.order_by("language")),
        "section__translations",
        "section__category__translations",
    )
    language = request.GET.get("language", "")
    query = request.GET.get("q", "").strip()
    if language:
        articles = articles.filter(translations__language=language)
    if query:
        articles = articles.filter(translations__title__icontains=query)
    # Titles and places in the language filtered on, else in the agent's own language.
    shown = language or get_language() or "en"
    rows = []
    for article in articles.distinct().order_by(
        "section__category__position", "section__position", "position", "pk"
    ):
        translations = list(article.translations.all())
        section = pick(article.section.translations.all(), shown)
        category = pick(article.section.category.translations.all(), shown)
        rows.append(
            {
                "article": article,
                "title": (pick(translations, shown) or translations[0]).title
                if translations
                else "—",
                "translations": translations,
                "where": f"{category.name if category else ''} / {section.name if section else ''}",
                "sensitive": article.sensitive or article.section.category.sensitive,
                "views": sum(t.view_count for t in translations),
                "helpful": sum(t.helpful_yes for t in translations),
                "not_helpful": sum(t.helpful_no for t in translations),
            }
        )
    totals = ArticleTranslation.objects.aggregate(views=Sum("view_count"))
    context = base_context(request) | {
        "rows": rows,
        "languages": site_languages(),
        "language": language,
        "query": query,
        "total_views": totals["views"] or 0,
        "public_url": reverse("helpcenter:root"),
    }
    return render(request, "helpcenter/editor/list.html", context)


@editor_view
@require_http_methods(["GET", "POST"])
def article_create(request: HttpRequest) -> HttpResponse:
    user = agent(request)
    actions.require_editor(user)
    form = NewArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            section = access.access_section(user, form.cleaned_data["section"])
            translation = actions.create_article(
                user,
                section,
                language=form.cleaned_data["language"],
                title=form.cleaned_data["title"],
                sensitive=form.cleaned_data["sensitive"],
            )
        except (NotFound, NotAllowed):
            raise
        except ActionError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, _("Article created as a draft."))
            return redirect(
                "helpcenter:editor_translation",
                pk=translation.article_id,
                language=translation.language,
            )
    return render(request, "helpcenter/editor/create.html", base_context(request) | {"form": form})


@editor_view
@require_http_methods(["GET", "POST"])
def article_settings(request: HttpRequest, pk: int) -> HttpResponse:
    user = agent(request)
    article = access.access_article(user, pk)
    new_language = request.GET.get("language", "").strip().lower()
    if new_language and re.fullmatch(r"[a-z0-9-]{2,12}", new_language):
        return redirect("helpcenter:editor_translation", pk=article.pk, language=new_language)
    initial = {
        "section": article.section_id,
        "position": article.position,
        "sensitive": article.sensitive,
        "related": list(article.related.values_list("pk", flat=True)),
    }
    form = ArticleSettingsForm(request.POST or None, article=article, initial=initial)
    if request.method == "POST":
        actions.require_editor(user)
        if form.is_valid():
            section = access.access_section(user, form.cleaned_data["section"])
            actions.update_article(
                user,
                article,
                section=section,
                sensitive=form.cleaned_data["sensitive"],
                position=form.cleaned_data["position"],
            )
            actions.set_related(user, article, form.cleaned_data["related"])
            messages.success(request, _("Article settings saved."))
            return redirect("helpcenter:editor_article", pk=article.pk)
    translations = list(article.translations.order_by("language"))
    have = {t.language for t in translations}
    context = base_context(request) | {
        "article": article,
        "form": form,
        "translations": translations,
        "missing_languages": [code for code in site_languages() if code not in have],
    }
    return render(request, "helpcenter/editor/article.html", context)


@editor_view
@require_http_methods(["GET", "POST"])
def structure(request: HttpRequest) -> HttpResponse:
    """Categories and sections: add them and name them in any language."""
    user = agent(request)
    categories = Category.objects.prefetch_related("translations", "sections__translations")
    category_form = CategoryForm(request.POST if "add_category" in request.POST else None)
    section_form = SectionForm(request.POST if "add_section" in request.POST else None)
    section_form.fields["category"].choices = [  # type: ignore[attr-defined]  # a choice field
        (c.pk, name.name if (name := pick(c.translations.all(), "en")) else "?") for c in categories
    ]
    rename_form = RenameForm(request.POST if "rename" in request.POST else None)
    if request.method == "POST":
        actions.require_editor(user)
        try:
            if category_form.is_bound and category_form.is_valid():
                data = category_form.cleaned_data
                actions.create_category(
                    user,
                    language=data["language"],
                    name=data["name"],
                    description=data["description"],
                    sensitive=data["sensitive"],
                )
            elif section_form.is_bound and section_form.is_valid():
                data = section_form.cleaned_data
                category = access.access_category(user, data["category"])
                actions.create_section(
                    user,
                    category,
                    language=data["language"],
                    name=data["name"],
                    description=data["description"],
                )
            elif "sensitive_category" in request.POST:
                category_id = request.POST["sensitive_category"]
                category = access.access_category(
                    user, int(category_id) if category_id.isdigit() else 0
                )
                actions.set_category_sensitive(
                    user, category, sensitive=request.POST.get("sensitive") == "1"
                )
            elif rename_form.is_bound and rename_form.is_valid():
                data = rename_form.cleaned_data
                if data["kind"] == "category":
                    actions.name_category(
                        access.access_category(user, data["target"]),
                        language=data["language"],
                        name=data["name"],
                        description=data["description"],
                    )
                else:
                    actions.name_section(
                        access.access_section(user, data["target"]),
                        language=data["language"],
                        name=data["name"],
                        description=data["description"],
                    )
            else:
                raise ActionError(_("Please correct the errors below."))
        except (NotFound, NotAllowed):
            raise
        except ActionError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, _("Saved."))
            return redirect("helpcenter:editor_structure")
    context = base_context(request) | {
        "categories": categories,
        "category_form": category_form,
        "section_form": section_form,
        "rename_form": rename_form,
    }
    return render(request, "helpcenter/editor/structure.html", context)
