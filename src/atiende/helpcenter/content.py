"""The published help center as plain documents: what the answer bot and integrators read.

`published_documents()` returns one `ArticleDocument` per published article translation, in a
stable order (article id, then language). The list is cached per process and rebuilt when the
content version (`ContentVersion`, bumped by every change) moves, so calling it per question is
cheap. Subscribe to the `helpcenter.article_published` / `helpcenter.content_changed` events
(`core.hooks.subscribe`) or to the `content_changed` signal to rebuild your own index.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch
from django.dispatch import Signal

from atiende.helpcenter import markdown
from atiende.helpcenter.models import (
    ArticleStep,
    ArticleTranslation,
    ContentVersion,
    ExampleQuestion,
    Status,
)
from atiende.helpcenter.urls_util import article_path

# Sent after commit whenever published content may have changed (sender: the action's name).
content_changed = Signal()


@dataclass(frozen=True)
class ArticleDocument:
    article_id: int
    language: str
    title: str
    body: str
    questions: tuple[str, ...]
    url: str
    sensitive: bool
    steps: tuple[str, ...]


# Other processes' changes are noticed within this many seconds; this process's own changes
# at once (`invalidate`, called by every action that changes content).
VERSION_CHECK_SECONDS = 1.0

_lock = threading.Lock()
_cached: tuple[str, list[ArticleDocument]] | None = None
_version: tuple[float, str] | None = None


def content_version() -> str:
    """The current content version ("" before anything was written), read at most once a
    second per process (one indexed row; a raw query because this runs on every search)."""
    global _version
    now = time.monotonic()
    checked = _version
    if checked is not None and now - checked[0] < VERSION_CHECK_SECONDS:
        return checked[1]
    with connection.cursor() as cursor:
        table = ContentVersion._meta.db_table  # from the model, never from a request
        cursor.execute(f"SELECT version, stamp FROM {table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    version = f"{row[0]}-{row[1]}" if row else ""
    _version = (now, version)
    return version


def invalidate() -> None:
    """Forget the version read last, so the next read asks the database."""
    global _version
    _version = None


def published_documents() -> list[ArticleDocument]:
    """Every published article translation as an `ArticleDocument` (path-only `url`)."""
    global _cached
    version = content_version()
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    documents = _load_documents()
    with _lock:
        _cached = (version, documents)
    return documents


def _load_documents() -> list[ArticleDocument]:
    translations = (
        ArticleTranslation.objects.filter(status=Status.PUBLISHED)
        .select_related("article__section__category")
        .prefetch_related(
            Prefetch("steps", queryset=ArticleStep.objects.order_by("position", "pk")),
            Prefetch("article__questions", queryset=ExampleQuestion.objects.order_by("pk")),
        )
        .order_by("article_id", "language")
    )
    documents = []
    for translation in translations:
        article = translation.article
        questions = tuple(
            q.text for q in article.questions.all() if q.language == translation.language
        )
        documents.append(
            ArticleDocument(
                article_id=article.pk,
                language=translation.language,
                title=translation.title,
                body=translation.body_text,
                questions=questions,
                url=article_path(translation.language, article.pk, translation.slug),
                sensitive=article.sensitive or article.section.category.sensitive,
                steps=tuple(markdown.inline_to_text(s.text) for s in translation.steps.all()),
            )
        )
    return documents
