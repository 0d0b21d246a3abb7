"""Which of the site's languages to write to a person in."""

from __future__ import annotations

from django.conf import settings


def site_language(*candidates: str | None) -> str:
    """The first candidate (a conversation's, a contact's language: "es", "pt-BR") the site
    speaks, by its two-letter code; else the site's default language."""
    codes = {code for code, _name in settings.LANGUAGES}
    for language in candidates:
        if language and language[:2].lower() in codes:
            return language[:2].lower()
    return str(settings.LANGUAGE_CODE)
