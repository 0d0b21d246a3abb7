"""The bot's knowledge: a retrieval index over the published help center, and the calibrated
answer policy.

The index is built from `helpcenter.content.published_documents()` (one document per article
translation, keyed `"<article id>:<language>"`) and kept per process; it is rebuilt when the
help center's content version moves (checked on every use: one small query), so a published
article is answerable at once in every process. The policy (the confidence threshold) lives in
the database (`BotPolicy`, newest row) and is recalibrated from the articles' own example
questions, a part of which is held out of the index to measure on (`calibrate`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction

from atiende.assistant.ml.answering import AnswerPolicy, Decision
from atiende.assistant.ml.retrieval import Candidate, Document, Retriever
from atiende.assistant.models import BotPolicy
from atiende.core import events
from atiende.core.models import Event
from atiende.helpcenter.content import ArticleDocument, content_version, published_documents
from atiende.people.models import User

# Every HOLDOUT_EVERY-th example question of an article is held out of the index to calibrate.
HOLDOUT_EVERY = 4
TARGET_PRECISION = 0.95


def document_key(article: ArticleDocument) -> str:
    return f"{article.article_id}:{article.language}"


def to_document(article: ArticleDocument, questions: tuple[str, ...] | None = None) -> Document:
    return Document(
        key=document_key(article),
        language=article.language,
        title=article.title,
        body="\n".join([*article.steps, article.body]),
        questions=article.questions if questions is None else questions,
    )


@dataclass
class Knowledge:
    version: str
    articles: dict[str, ArticleDocument]
    retriever: Retriever | None
    by_article: dict[int, dict[str, ArticleDocument]] = field(default_factory=dict)

    def article(self, key: str) -> ArticleDocument | None:
        return self.articles.get(key)

    def translation(self, article_id: int, language: str) -> ArticleDocument | None:
        return self.by_article.get(article_id, {}).get(language)


def build_knowledge(
    articles: list[ArticleDocument], version: str, held_out: set[tuple[str, str]] | None = None
) -> Knowledge:
    """An index over `articles`; `held_out` (key, question) pairs are left out of it."""
    documents = []
    for article in articles:
        questions = article.questions
        if held_out:
            key = document_key(article)
            questions = tuple(q for q in questions if (key, q) not in held_out)
        documents.append(to_document(article, questions))
    by_article: dict[int, dict[str, ArticleDocument]] = {}
    for article in articles:
        by_article.setdefault(article.article_id, {})[article.language] = article
    return Knowledge(
        version=version,
        articles={document_key(article): article for article in articles},
        retriever=Retriever(documents) if documents else None,
        by_article=by_article,
    )


_lock = threading.Lock()
_knowledge: Knowledge | None = None


def current_knowledge() -> Knowledge:
    """The index for the live help center, rebuilt when its content changed."""
    global _knowledge
    version = content_version()
    cached = _knowledge
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        cached = _knowledge
        if cached is not None and cached.version == version:
            return cached
        _knowledge = build_knowledge(published_documents(), version)
        return _knowledge


def forget_knowledge() -> None:
    """Drop the cached index (the help center's publish event calls this too)."""
    global _knowledge
    with _lock:
        _knowledge = None


def on_content_changed(event: Event) -> None:
    forget_knowledge()


def current_policy() -> AnswerPolicy:
    row = BotPolicy.objects.order_by("-created_at", "-id").first()
    if row is None or not row.policy:
        return AnswerPolicy()
    return AnswerPolicy.from_dict(row.policy)


def held_out_questions(articles: list[ArticleDocument]) -> list[tuple[str, str]]:
    """(question, key) pairs kept out of the index: every HOLDOUT_EVERY-th question of each
    translation that has at least two (one always stays in the index)."""
    pairs = []
    for article in articles:
        if len(article.questions) < 2:
            continue
        key = document_key(article)
        for position, question in enumerate(article.questions):
            if position % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 or (
                len(article.questions) < HOLDOUT_EVERY and position == len(article.questions) - 1
            ):
                pairs.append((question, key))
    return pairs


@dataclass(frozen=True)
class Calibration:
    policy: AnswerPolicy
    heldout: list[tuple[str, str]]
    curve: dict[str, Any]


def measure(articles: list[ArticleDocument]) -> Calibration | None:
    """Calibrate on held-out example questions; None when there are none to hold out."""
    from atiende.assistant.evaluation.curve import precision_coverage

    heldout = held_out_questions(articles)
    if not heldout:
        return None
    knowledge = build_knowledge(articles, "", {(key, q) for q, key in heldout})
    assert knowledge.retriever is not None
    retriever = knowledge.retriever
    # Another translation of the right article is a right answer: judge by article, not by
    # translation (the policy compares keys).
    ranked = [
        [replace(candidate, key=_article_of(candidate.key)) for candidate in candidates]
        for candidates in (ranked_articles(retriever, question) for question, _key in heldout)
    ]
    policy = AnswerPolicy.calibrate_ranked(
        ranked, [_article_of(key) for _question, key in heldout], target_precision=TARGET_PRECISION
    )
    scored = []
    for candidates, (_question, key) in zip(ranked, heldout, strict=True):
        _decision, confidence = policy.decide_candidates(candidates)
        # Below the out-of-scope gate the bot never answers, whatever the confidence.
        if not candidates or candidates[0].similarity < policy.gate:
            confidence = 0.0
        correct = bool(candidates) and candidates[0].key == _article_of(key)
        scored.append((confidence, correct))
    curve = precision_coverage(scored)
    return Calibration(
        policy=policy, heldout=heldout, curve={"points": [list(point) for point in curve]}
    )


def ranked_articles(retriever: Retriever, question: str, limit: int = 5) -> list[Candidate]:
    """The best candidates, one per article (its best translation): two translations of one
    article are not rivals, so the runner-up that measures the lead is another article."""
    seen: set[str] = set()
    result = []
    for candidate in retriever.candidates(question, limit=limit * 3):
        article = _article_of(candidate.key)
        if article not in seen:
            seen.add(article)
            result.append(candidate)
        if len(result) == limit:
            break
    return result


def decide(question: str, knowledge: Knowledge) -> Decision:
    """The live policy's decision on `question` against `knowledge`."""
    if knowledge.retriever is None:
        return Decision(None, 0.0, (), "no_articles")
    decision, _confidence = current_policy().decide_candidates(
        ranked_articles(knowledge.retriever, question)
    )
    return decision


def _article_of(key: str) -> str:
    return key.split(":", 1)[0]


def calibrate(actor: User | None = None) -> BotPolicy | None:
    """Recalibrate the live policy from the published help center's example questions."""
    calibration = measure(published_documents())
    if calibration is None:
        return None
    with transaction.atomic():
        row = BotPolicy.objects.create(
            policy=calibration.policy.to_dict(),
            curve=calibration.curve,
            heldout=len(calibration.heldout),
            created_by=actor,
        )
        events.record(
            "assistant.calibrated",
            actor_user=actor,
            data={"policy_id": row.pk, "heldout": row.heldout},
            publish=False,
        )
    return row
