"""Read-side loaders for the public pages: each loads everything its page needs in a few queries.

Names fall back across languages: a category, section or article shown in the requested language
when it has a translation there, else in the default language, else in any language it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db.models import Prefetch

from atiende.helpcenter.models import (
    Article,
    ArticleStep,
    ArticleTranslation,
    Category,
    CategoryTranslation,
    Section,
    SectionTranslation,
    Status,
)
from atiende.helpcenter.urls_util import article_path, category_path, make_slug, section_path

DEFAULT_LANGUAGE = "en"


class Named(Protocol):
    language: str


def pick[T: Named](rows: Iterable[T], language: str) -> T | None:
    """The row in `language`, else in a variant of it (pt-br, pt), else in the default
    language, else the first one."""
    by_language = {row.language: row for row in rows}
    if language in by_language:
        return by_language[language]
    # "pt-br" reads a name written in "pt" (or "pt-pt") before falling back to English.
    base = language.split("-")[0]
    related = sorted(code for code in by_language if code.split("-")[0] == base)
    if related:
        return by_language[base] if base in by_language else by_language[related[0]]
    return (
        by_language.get(DEFAULT_LANGUAGE)
        or next(iter(sorted(by_language.items())), (None, None))[1]
    )


def published_languages() -> list[str]:
    """Languages with at least one published article (the help center's languages)."""
    codes = set(
        ArticleTranslation.objects.filter(status=Status.PUBLISHED)
        .values_list("language", flat=True)
        .distinct()
    )
    return sorted(codes, key=lambda code: (code != DEFAULT_LANGUAGE, code))


def site_languages() -> list[str]:
    """Languages a help-center URL may carry: the interface's and the content's."""
    codes = {code for code, _name in settings.LANGUAGES} | set(published_languages())
    return sorted(codes, key=lambda code: (code != DEFAULT_LANGUAGE, code))


@dataclass(frozen=True)
class ArticleLink:
    article_id: int
    title: str
    url: str
    language: str


@dataclass(frozen=True)
class SectionView:
    section_id: int
    name: str
    description: str
    url: str
    articles: list[ArticleLink]


@dataclass(frozen=True)
class CategoryView:
    category_id: int
    name: str
    description: str
    url: str
    sections: list[SectionView]


def _published_translations() -> Prefetch[str, Any, str]:
    return Prefetch(
        "translations",
        queryset=ArticleTranslation.objects.filter(status=Status.PUBLISHED).only(
            "pk", "article_id", "language", "title", "slug"
        ),
        to_attr="published",
    )


def article_link(article: Article, language: str) -> ArticleLink | None:
    translation = pick(getattr(article, "published", []), language)
    if translation is None:
        return None
    return ArticleLink(
        article.pk,
        translation.title,
        article_path(translation.language, article.pk, translation.slug),
        translation.language,
    )


def _section_view(section: Section, language: str) -> SectionView | None:
    links = [link for a in section.articles.all() if (link := article_link(a, language))]
    name = pick(section.translations.all(), language)
    if not links or name is None:
        return None
    return SectionView(
        section.pk,
        name.name,
        name.description,
        section_path(language, section.pk, make_slug(name.name, "section")),
        links,
    )


def _sections_prefetch() -> Prefetch[str, Any, str]:
    return Prefetch(
        "sections",
        queryset=Section.objects.prefetch_related(
            "translations",
            Prefetch(
                "articles", queryset=Article.objects.prefetch_related(_published_translations())
            ),
        ),
    )


def categories(language: str, *, category_id: int | None = None) -> list[CategoryView]:
    """Categories (or one) with their sections and published articles, in 5 queries."""
    rows = Category.objects.prefetch_related("translations", _sections_prefetch())
    if category_id is not None:
        rows = rows.filter(pk=category_id)
    views = []
    for category in rows:
        name = pick(category.translations.all(), language)
        sections = [v for s in category.sections.all() if (v := _section_view(s, language))]
        if name is None or not sections:
            continue
        slug = make_slug(name.name, "category")
        views.append(
            CategoryView(
                category.pk,
                name.name,
                name.description,
                category_path(language, category.pk, slug),
                sections,
            )
        )
    return views


def section(language: str, section_id: int) -> tuple[CategoryView, SectionView] | None:
    row = (
        Section.objects.filter(pk=section_id)
        .select_related("category")
        .prefetch_related(
            "translations",
            "category__translations",
            Prefetch(
                "articles", queryset=Article.objects.prefetch_related(_published_translations())
            ),
        )
        .first()
    )
    if row is None:
        return None
    view = _section_view(row, language)
    category_name = pick(row.category.translations.all(), language)
    if view is None or category_name is None:
        return None
    slug = make_slug(category_name.name, "category")
    category_view = CategoryView(
        row.category.pk,
        category_name.name,
        category_name.description,
        category_path(language, row.category.pk, slug),
        [view],
    )
    return category_view, view


@dataclass(frozen=True)
class ArticlePage:
    article: Article
    translation: ArticleTranslation
    alternates: list[ArticleTranslation]
    category: CategoryTranslation | None
    section: SectionTranslation | None
    related: list[ArticleLink]
    steps: list[ArticleStep]
    requested_missing: bool


def article_page(language: str, article_id: int) -> ArticlePage | None:
    """The article in `language` (or the translation it has), its trail, steps and related."""
    article = (
        Article.objects.filter(pk=article_id)
        .select_related("section__category")
        .prefetch_related(
            _published_translations(),
            "section__translations",
            "section__category__translations",
            Prefetch(
                "related", queryset=Article.objects.prefetch_related(_published_translations())
            ),
        )
        .first()
    )
    if article is None:
        return None
    published: list[ArticleTranslation] = getattr(article, "published", [])
    chosen = pick(published, language)
    if chosen is None:
        return None
    translation = (
        ArticleTranslation.objects.filter(pk=chosen.pk)
        .prefetch_related(Prefetch("steps", queryset=ArticleStep.objects.select_related("image")))
        .get()
    )
    related = [link for r in article.related.all() if (link := article_link(r, language))]
    return ArticlePage(
        article=article,
        translation=translation,
        alternates=sorted(published, key=lambda t: t.language),
        category=pick(article.section.category.translations.all(), language),
        section=pick(article.section.translations.all(), language),
        related=related,
        steps=list(translation.steps.all()),
        requested_missing=translation.language != language,
    )
