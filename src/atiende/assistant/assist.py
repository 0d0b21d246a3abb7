"""Agent assist: what the conversation's side panel suggests for the last customer message.

- articles: the help center retrieved for that message (link inserted with one click);
- macros: the team's canned replies in the conversation's language;
- past answers: what agents replied to similar first messages in solved conversations the
  agent may see (the index of past answers is per process, rebuilt every few minutes).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from django.db.models import Q

from atiende.assistant.answers import absolute
from atiende.assistant.knowledge import current_knowledge
from atiende.assistant.ml.lexical import BM25Index, Field
from atiende.assistant.models import Macro, MacroText
from atiende.conversations.access import visible_conversations
from atiende.conversations.models import Conversation, Direction, Message, Status
from atiende.people.models import User

ARTICLES = 3
PAST_ANSWERS = 3
PAST_POOL = 2000
PAST_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class Suggestion:
    title: str
    text: str
    url: str = ""
    detail: str = ""


def last_customer_text(conversation: Conversation) -> str:
    text = (
        conversation.messages.filter(direction=Direction.INBOUND)
        .order_by("-seq")
        .values_list("body_text", flat=True)
        .first()
    )
    return (text or conversation.subject or "").strip()


def suggested_articles(query: str, language: str) -> list[Suggestion]:
    knowledge = current_knowledge()
    if not query or knowledge.retriever is None:
        return []
    seen: set[int] = set()
    result = []
    for hit in knowledge.retriever.search(query, ARTICLES * 3):
        article = knowledge.article(hit.key)
        if article is None or article.article_id in seen:
            continue
        seen.add(article.article_id)
        article = knowledge.translation(article.article_id, language) or article
        url = absolute(article.url)
        result.append(
            Suggestion(
                title=article.title,
                text=f"{article.title}: {url}",
                url=url,
                detail=f"{hit.score:.2f}",
            )
        )
        if len(result) >= ARTICLES:
            break
    return result


def suggested_macros(user: User, conversation: Conversation) -> list[Suggestion]:
    team_filter = Q(team__isnull=True)
    if conversation.team_id is not None:
        team_filter |= Q(team_id=conversation.team_id)
    if not user.sees_everything:
        team_filter &= Q(team__isnull=True) | Q(team__in=user.teams.all())
    macros = list(Macro.objects.filter(team_filter).prefetch_related("texts"))
    language = conversation.language or conversation.inbox.language
    result = []
    for macro in macros:
        texts: dict[str, MacroText] = {text.language: text for text in macro.texts.all()}
        chosen = texts.get(language) or texts.get("en") or next(iter(texts.values()), None)
        if chosen is not None:
            result.append(Suggestion(title=macro.title, text=chosen.body, detail=chosen.language))
    return result


@dataclass
class PastAnswers:
    built_at: float
    index: BM25Index | None
    # Position in the index -> (conversation id, the agent's first reply).
    answers: list[tuple[int, str]]


_lock = threading.Lock()
_past: PastAnswers | None = None


def _build_past_answers() -> PastAnswers:
    """A lexical index (BM25: cheap to build for thousands) over the first customer message of
    recent solved conversations, each with the first agent reply."""
    conversations = list(
        Conversation.objects.filter(status__in=(Status.SOLVED, Status.CLOSED))
        .order_by("-last_message_at")
        .values_list("pk", "language")[:PAST_POOL]
    )
    languages = dict(conversations)
    firsts: dict[int, str] = {}
    replies: dict[int, str] = {}
    messages = (
        Message.objects.filter(
            conversation_id__in=list(languages),
            direction__in=(Direction.INBOUND, Direction.OUTBOUND),
        )
        .order_by("conversation_id", "seq")
        .values_list("conversation_id", "direction", "body_text")
    )
    for conversation_id, direction, text in messages:
        if direction == Direction.INBOUND and conversation_id not in firsts:
            firsts[conversation_id] = text
        elif direction == Direction.OUTBOUND and conversation_id in firsts:
            replies.setdefault(conversation_id, text)
    documents: list[tuple[str, list[Field]]] = []
    answers: list[tuple[int, str]] = []
    for conversation_id, question in firsts.items():
        reply = replies.get(conversation_id)
        if reply:
            documents.append((languages.get(conversation_id) or "en", [Field(question)]))
            answers.append((conversation_id, reply))
    index = BM25Index(documents) if documents else None
    return PastAnswers(time.monotonic(), index, answers)


def past_answers_index() -> PastAnswers:
    global _past
    cached = _past
    if cached is not None and time.monotonic() - cached.built_at < PAST_TTL_SECONDS:
        return cached
    with _lock:
        if _past is None or time.monotonic() - _past.built_at >= PAST_TTL_SECONDS:
            _past = _build_past_answers()
        return _past


def forget_past_answers() -> None:
    global _past
    with _lock:
        _past = None


def suggested_past_answers(user: User, conversation: Conversation, query: str) -> list[Suggestion]:
    past = past_answers_index()
    if not query or past.index is None:
        return []
    scores = past.index.scores(query)
    order = [int(i) for i in np.argsort(-scores, kind="stable")[: PAST_ANSWERS * 4]]
    candidates = [past.answers[i] for i in order if scores[i] > 0]
    # Only answers from conversations this agent may read: a suggestion is a lookup too.
    visible = set(
        visible_conversations(user)
        .filter(pk__in=[pk for pk, _reply in candidates])
        .exclude(pk=conversation.pk)
        .values_list("pk", flat=True)
    )
    result = []
    for conversation_id, reply in candidates:
        if conversation_id in visible:
            result.append(Suggestion(title=f"#{conversation_id}", text=reply))
        if len(result) >= PAST_ANSWERS:
            break
    return result
