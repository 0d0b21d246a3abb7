"""Public URLs of help-center pages, built in one place (pages, sitemap, API, documents)."""

from __future__ import annotations

import unicodedata

from django.urls import reverse
from django.utils.text import slugify

# Latin letters that Unicode does not decompose into a base letter and an accent, so an ASCII
# slug would drop them ("Straße" → "strae"): written out as their usual ASCII spelling.
_LATIN_SPELLED_OUT = str.maketrans(
    {"ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE",
     "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
     "\u0131": "i", "ħ": "h", "Ħ": "H", "ŀ": "l", "Ŀ": "L"}
)  # fmt: skip


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


def _is_latin(letter: str) -> bool:
    return unicodedata.name(letter, "").startswith("LATIN")


def make_slug(text: str, fallback: str = "article") -> str:
    """ASCII slug for Latin-script text (música → musica, Straße → strasse); Unicode as soon as
    the text has letters of another script ("Sonora パスワード" keeps its Japanese)."""
    text = text.translate(_LATIN_SPELLED_OUT)
    other_script = any(ch.isalpha() and not _is_latin(ch) for ch in text)
    slug = slugify(text, allow_unicode=True) if other_script else slugify(text)
    return (slug or slugify(text, allow_unicode=True) or fallback)[:200].strip("-") or fallback
