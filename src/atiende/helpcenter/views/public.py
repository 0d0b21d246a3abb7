"""Public help-center pages (no sign-in): home, category, section, article, search, feedback.

Every page is rendered in the language of its URL (interface strings too, when the interface
has that language), carries a canonical link and `hreflang` alternates, and loads its data in a
handful of queries (`queries.py`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation as i18n
from django.utils.encoding import iri_to_uri
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_GET, require_POST

from atiende.core import ratelimit
from atiende.core.errors import ActionError
from atiende.helpcenter import actions, queries
from atiende.helpcenter.models import ArticleTranslation, Status
from atiende.helpcenter.search.index import search as run_search
from atiende.helpcenter.urls_util import (
    article_path,
    category_path,
    home_path,
    make_slug,
    section_path,
)

FEEDBACK_SESSION_KEY = "helpcenter_feedback"


def interface_language(language: str) -> str:
    """The interface language for pages in `language` (the default when we lack a catalog)."""
    codes = {code for code, _name in settings.LANGUAGES}
    for candidate in (language, language.split("-")[0]):  # es-mx pages speak Spanish
        if candidate in codes:
            return candidate
    return str(settings.LANGUAGE_CODE)


def text_direction(code: str) -> str:
    """ "rtl" for Arabic, Hebrew, Persian, Urdu... (Django's language list), else "ltr"."""
    for candidate in (code, code.split("-")[0]):
        try:
            return "rtl" if get_language_info(candidate)["bidi"] else "ltr"
        except KeyError:
            continue
    return "ltr"


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_local"]).capitalize()
    except KeyError:
        return code


def _is_path(request: HttpRequest, path: str) -> bool:
    """Whether the request is for `path`. `reverse()` percent-encodes a Unicode slug
    (/articles/7-%E3%83%97...) while `request.path` is decoded (/articles/7-プ...): compared
    as they were, a Russian, Japanese or Arabic article redirected to itself forever."""
    return iri_to_uri(request.path) == iri_to_uri(path)


def _check_language(language: str) -> str:
    if language not in queries.site_languages():
        raise Http404("unknown help-center language")
    return language


def _page(
    request: HttpRequest,
    template: str,
    language: str,
    context: dict[str, Any],
    alternates: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    """Render in `language` with alternates {language: path} (hreflang) and a canonical link."""
    default = queries.DEFAULT_LANGUAGE if queries.DEFAULT_LANGUAGE in alternates else None
    x_default = alternates.get(default or next(iter(sorted(alternates)), ""), "")
    context |= {
        "hc_language": language,
        "hc_language_name": language_name(language),
        "hc_direction": text_direction(language),
        "hreflang": [
            {"code": code, "url": request.build_absolute_uri(path), "name": language_name(code)}
            for code, path in sorted(alternates.items())
        ],
        "x_default": request.build_absolute_uri(x_default) if x_default else "",
        "canonical": request.build_absolute_uri(context.get("canonical_path") or request.path),
        "home_url": home_path(language),
        "search_url": reverse("helpcenter:search", kwargs={"language": language}),
    }
    with i18n.override(interface_language(language)):
        return render(request, template, context, status=status)


def _languages_alternates(make_path: Any) -> dict[str, str]:
    return {code: make_path(code) for code in queries.published_languages()}


@require_GET
def choose_language(request: HttpRequest) -> HttpResponseRedirect:
    """/hc/ → the visitor's language when the help center has it, else the default."""
    available = queries.published_languages() or [queries.DEFAULT_LANGUAGE]
    return redirect(home_path(preferred_language(request, available)))


def preferred_language(request: HttpRequest, available: list[str]) -> str:
    """The first of the visitor's languages (language cookie, then Accept-Language in order)
    that the help center has, matching "pt-BR" to "pt" and "pt" to "pt-br"; else the first
    available. Not limited to the interface's languages: a Portuguese help center is found
    even though the interface speaks only English and Spanish."""
    wanted = [request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")]
    header = request.headers.get("Accept-Language", "")
    wanted += [code for code, _quality in parse_accept_lang_header(header[:500])]
    for code in (code.strip().lower().replace("_", "-") for code in wanted if code):
        if code in available:
            return code
        base = code.split("-")[0]
        if base in available:
            return base
        related = [other for other in available if other.split("-")[0] == base]
        if related:
            return related[0]
    return available[0]


@require_GET
def home(request: HttpRequest, language: str) -> HttpResponse:
    _check_language(language)
    context = {"categories": queries.categories(language), "canonical_path": home_path(language)}
    return _page(
        request, "helpcenter/home.html", language, context, _languages_alternates(home_path)
    )


@require_GET
def category(request: HttpRequest, language: str, pk: int, slug: str) -> HttpResponse:
    _check_language(language)
    views = queries.categories(language, category_id=pk)
    if not views:
        raise Http404("no such category")
    view = views[0]
    if not _is_path(request, view.url):
        return redirect(view.url, permanent=True)

    def path_for(code: str) -> str:
        found = queries.categories(code, category_id=pk)
        return found[0].url if found else home_path(code)

    alternates = {
        code: view.url if code == language else "" for code in queries.published_languages()
    }
    alternates = {code: url or path_for(code) for code, url in alternates.items()}
    return _page(request, "helpcenter/category.html", language, {"category": view}, alternates)


@require_GET
def section(request: HttpRequest, language: str, pk: int, slug: str) -> HttpResponse:
    _check_language(language)
    found = queries.section(language, pk)
    if found is None:
        raise Http404("no such section")
    category_view, section_view = found
    if not _is_path(request, section_view.url):
        return redirect(section_view.url, permanent=True)
    alternates = {language: section_view.url}
    for code in queries.published_languages():
        if code != language and (other := queries.section(code, pk)) is not None:
            alternates[code] = other[1].url
    context = {"category": category_view, "section": section_view}
    return _page(request, "helpcenter/section.html", language, context, alternates)


@require_GET
def article_by_id(request: HttpRequest, language: str, pk: int) -> HttpResponse:
    slug = (
        ArticleTranslation.objects.filter(article_id=pk, language=language)
        .values_list("slug", flat=True)
        .first()
    )
    return redirect(article_path(language, pk, slug or "article"), permanent=False)


@require_GET
def article(request: HttpRequest, language: str, pk: int, slug: str) -> HttpResponse:
    _check_language(language)
    page = queries.article_page(language, pk)
    if page is None:
        raise Http404("no such article")
    translation = page.translation
    own_path = article_path(language, pk, translation.slug)
    if not page.requested_missing and not _is_path(request, own_path):
        return redirect(own_path, permanent=True)
    actions.record_view(translation.pk)
    alternates = {t.language: article_path(t.language, pk, t.slug) for t in page.alternates}
    voted = request.session.get(FEEDBACK_SESSION_KEY, {}).get(str(translation.pk))
    context = {
        "page": page,
        "translation": translation,
        "canonical_path": article_path(translation.language, pk, translation.slug),
        "content_language": translation.language,
        "content_language_name": language_name(translation.language),
        "content_direction": text_direction(translation.language),
        "voted": voted,
        "feedback_url": reverse("helpcenter:feedback", kwargs={"language": language, "pk": pk}),
        **_trail(page, language),
    }
    return _page(request, "helpcenter/article.html", language, context, alternates)


def _trail(page: queries.ArticlePage, language: str) -> dict[str, dict[str, str]]:
    """Breadcrumb entries {name, url} for the article's category and section."""
    trail = {}
    if page.category is not None:
        slug = make_slug(page.category.name, "category")
        url = category_path(language, page.article.section.category_id, slug)
        trail["category_trail"] = {"name": page.category.name, "url": url}
    if page.section is not None:
        slug = make_slug(page.section.name, "section")
        url = section_path(language, page.article.section_id, slug)
        trail["section_trail"] = {"name": page.section.name, "url": url}
    return trail


@require_GET
def search(request: HttpRequest, language: str) -> HttpResponse:
    _check_language(language)
    query = request.GET.get("q", "").strip()[:300]
    searched, hits = run_search(query, language=language, limit=20) if query else (language, [])
    context = {
        "query": query,
        "hits": hits,
        "searched_language": searched,
        "searched_language_name": language_name(searched),
        "canonical_path": reverse("helpcenter:search", kwargs={"language": language}),
    }

    def path_for(code: str) -> str:
        return reverse("helpcenter:search", kwargs={"language": code})

    return _page(
        request, "helpcenter/search.html", language, context, _languages_alternates(path_for)
    )


@require_POST
def feedback(request: HttpRequest, language: str, pk: int) -> HttpResponse:
    """'Was this helpful?': a vote, then optionally a comment on that same vote."""
    _check_language(language)
    translation_id = request.POST.get("translation", "")
    translation = (
        ArticleTranslation.objects.filter(
            pk=int(translation_id), article_id=pk, status=Status.PUBLISHED
        ).first()
        if translation_id.isdigit()
        else None
    )
    if translation is None:
        raise Http404("no such article")
    back = article_path(language, pk, translation.slug) + "#feedback"
    if not ratelimit.hit("helpcenter_feedback", ratelimit.client_address(request)):
        with i18n.override(interface_language(language)):
            return render(request, "portal/rate_limited.html", status=429)
    votes: dict[str, int] = request.session.get(FEEDBACK_SESSION_KEY, {})
    key = str(translation.pk)
    with i18n.override(interface_language(language)):
        try:
            if "comment" in request.POST and key in votes:
                actions.comment_feedback(votes[key], translation, request.POST["comment"])
                messages.success(request, _("Thank you for your comment."))
            elif key not in votes and request.POST.get("helpful") in {"yes", "no"}:
                created = actions.record_feedback(
                    translation, helpful=request.POST["helpful"] == "yes"
                )
                votes[key] = created.pk
                request.session[FEEDBACK_SESSION_KEY] = votes
                messages.success(request, _("Thank you for your feedback."))
        except ActionError as error:
            messages.error(request, error.detail)
    return redirect(back)
