"""Public URLs of help-center pages, built in one place (pages, sitemap, API, documents)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import slugify


def home_path(language: str) -> str:
    return reverse("helpcenter:home", kwargs={"language": language})


def category_path(language: str, category_id: int, slug: str) -> str:
    return reverse(
        "helpcenter:category", kwargs={"language": language, "pk": category_id, "slug": slug}
    )


def section_path(language: str, section_id: int, slug: str) -> str:
    return reverse(
        "helpcenter:section", kwargs={"language": language, "pk": section_id, "slug": slug}
    )


def article_path(language: str, article_id: int, slug: str) -> str:
    return reverse(
        "helpcenter:article", kwargs={"language": language, "pk": article_id, "slug": slug}
    )


def make_slug(text: str, fallback: str = "article") -> str:
    """ASCII slug for Latin-script text (música → musica); Unicode for other scripts."""
    return (slugify(text) or slugify(text, allow_unicode=True) or fallback)[:200]
