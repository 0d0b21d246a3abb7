"""The answer bot: on each new customer message, answer from the help center or hand off.

`on_message_created` (an event subscriber) enqueues `assistant.answer` for inbound messages;
the task decides once per message (`BotTurn.message` is unique) in this order:

1. the inbox has the bot off, people already replied, or the bot handed off: do nothing;
2. the reply answers a previous bot answer ("that solved it" / "I need a person" / "that did
   not help"): resolve or hand off;
3. a sensitive intent (refunds, account security, legal, fraud; configurable): hand off;
4. retrieve and ask the calibrated policy: below the threshold, or a sensitive article, hand
   off (a content gap); otherwise answer in the customer's language.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, transaction

from atiende.assistant import actions
from atiende.assistant.answers import (
    Answer,
    extractive,
    feedback_prompt,
    generated,
    interface_language,
)
from atiende.assistant.config import BotConfig, bot_config
from atiende.assistant.knowledge import Knowledge, current_knowledge, decide
from atiende.assistant.ml.language import detect_language
from atiende.assistant.ml.retrieval import Hit
from atiende.assistant.models import BotState, BotStatus, BotTurn, Outcome, Triage
from atiende.assistant.phrases import Feedback, recognise_feedback, sensitive_intent
from atiende.conversations.models import Conversation, Direction, Message, Status
from atiende.core import events, tasks
from atiende.core.models import Event
from atiende.helpcenter.content import ArticleDocument
from atiende.inboxes.models import ChannelKind, Inbox

logger = logging.getLogger(__name__)

# Below this confidence the detected language is not trusted (very short messages).
LANGUAGE_CONFIDENCE = 0.5
# Channels that show quick-reply buttons instead of links.
BUTTON_CHANNELS = frozenset({ChannelKind.CHAT})
PASSAGES = 3


def on_message_created(event: Event) -> None:
    if event.data.get("direction") != Direction.INBOUND or event.conversation_id is None:
        return
    # Only inboxes with the bot on get a task. The action that stored the message read the
    # conversation with its inbox under the lock (`events.record(subject=message)`): use that
    # row, read a moment ago in the same transaction; otherwise one small query.
    inbox = _held_inbox(event)
    if inbox is None:
        inbox = Inbox.objects.filter(conversations__id=event.conversation_id).first()
    if inbox is None or not bot_config(inbox).enabled:
        return
    message_id = event.data.get("message_id")
    tasks.enqueue("assistant.answer", {"message_id": message_id}, key=f"answer:{message_id}")


def _held_inbox(event: Event) -> Inbox | None:
    held = events.subject_of(event)
    if not isinstance(held, Message) or held.pk != event.data.get("message_id"):
        return None
    if not Message.conversation.is_cached(held):
        return None
    conversation = held.conversation
    if conversation.pk != event.conversation_id or not Conversation.inbox.is_cached(conversation):
        return None
    return conversation.inbox


@dataclass(frozen=True)
class Situation:
    message: Message
    conversation: Conversation
    config: BotConfig
    state: BotState | None


def _situation(message_id: int) -> Situation | None:
    message = (
        Message.objects.select_related("conversation__inbox", "conversation__contact")
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.direction != Direction.INBOUND:
        return None
    conversation = message.conversation
    config = bot_config(conversation.inbox)
    if not config.enabled or conversation.status == Status.CLOSED:
        return None
    if BotTurn.objects.filter(message=message).exists():
        return None
    state = BotState.objects.filter(conversation=conversation).first()
    if state is not None and state.status == BotStatus.HANDED_OFF:
        return None
    # Once a person has replied, the conversation is theirs (automatic acknowledgements, with
    # no author, do not count).
    if conversation.messages.filter(
        direction=Direction.OUTBOUND, author_user__isnull=False
    ).exists():
        return None
    if conversation.inbox.channel == ChannelKind.EMAIL and not _mail_may_be_answered(message):
        return None
    return Situation(message, conversation, config, state)


def _mail_may_be_answered(message: Message) -> bool:
    """No automatic answer to automatic, bulk or robot mail, blocked senders or ourselves
    (SECURITY.md I4): the mail channel's own rule, applied to the stored original."""
    from atiende.mail.loops import may_autoreply
    from atiende.mail.models import RawEmail
    from atiende.mail.parse import parse_email
    from atiende.mail.pipeline import read_raw

    raw_email = RawEmail.objects.filter(message=message).first()
    if raw_email is None:
        return False  # not from the mail pipeline: nothing says it is safe to answer
    return may_autoreply(message.conversation.inbox, parse_email(read_raw(raw_email)))


@tasks.task("assistant.answer")
def answer_task(payload: dict[str, Any]) -> None:
    situation = _situation(int(payload["message_id"]))
    if situation is None:
        return
    try:
        respond(situation)
    except DatabaseError:
        raise  # the queue retries: the database may be back in a moment
    except Exception:
        # A broken model or index must not leave the customer waiting on a silent bot (and a
        # chat held for the bot unrouted): people take it.
        logger.exception("the answer bot failed on message %s; handing off", payload)
        actions.hand_off(situation.conversation, "bot error")


def customer_language(text: str, conversation: Conversation) -> str:
    code, confidence = detect_language(text)
    if code and confidence >= LANGUAGE_CONFIDENCE:
        return str(code)
    return conversation.language or conversation.inbox.language or "en"


def respond(situation: Situation) -> None:
    message, conversation = situation.message, situation.conversation
    question = message.body_text.strip()
    contact = conversation.contact
    answered_before = BotTurn.objects.filter(
        conversation=conversation, outcome=Outcome.ANSWERED
    ).exists()
    feedback = recognise_feedback(question)
    if feedback == Feedback.PERSON or (feedback is not None and answered_before):
        _record(situation, Outcome.HANDED_OFF, reason=str(feedback), language="")
        if feedback == Feedback.SOLVED:
            actions.resolve_by_bot(conversation, actor_contact=contact)
        elif feedback == Feedback.NOT_SOLVED:
            actions.hand_off(conversation, "answer did not help", actor_contact=contact)
        else:
            actions.hand_off(conversation, "customer asked for a person", actor_contact=contact)
        return
    if situation.state is not None and situation.state.status == BotStatus.RESOLVED:
        actions.reopen_for_bot(conversation)
    language = customer_language(question, conversation)
    intent = sensitive_intent(
        f"{conversation.subject}\n{question}", list(situation.config.sensitive_intents)
    )
    if intent is None:
        intent = _sensitive_category(conversation)
    if intent is not None:
        _hand_off(situation, "sensitive intent", language, detail=intent)
        return
    knowledge = current_knowledge()
    if knowledge.retriever is None:
        _hand_off(situation, "no articles", language)
        return
    decision = decide(question, knowledge)
    best = decision.answer
    if best is None:
        _hand_off(
            situation,
            "no articles" if decision.reason == "no_articles" else "low confidence",
            language,
            detail=decision.reason,
            confidence=float(decision.confidence),
        )
        return
    article = knowledge.article(best.key)
    if article is None:
        _hand_off(situation, "low confidence", language, confidence=float(decision.confidence))
        return
    if article.sensitive:
        _hand_off(situation, "sensitive article", language, article=article)
        return
    chosen = knowledge.translation(article.article_id, language) or article
    grounding = _grounding(knowledge, decision.candidates, language, chosen)
    speaks = interface_language(language, conversation.language, conversation.inbox.language)
    reply = generated(question, language, grounding, chosen, speaks)
    _answer(situation, chosen, language, reply, float(decision.confidence), speaks)


def _sensitive_category(conversation: Conversation) -> str | None:
    triage = Triage.objects.select_related("category").filter(conversation=conversation).first()
    if triage is not None and triage.category is not None and triage.category.sensitive:
        return triage.category.slug
    return None


def _grounding(
    knowledge: Knowledge, candidates: Sequence[Hit], language: str, chosen: ArticleDocument
) -> list[ArticleDocument]:
    articles = [chosen]
    for hit in candidates:
        article = knowledge.article(hit.key)
        if article is None or article.sensitive:
            continue
        article = knowledge.translation(article.article_id, language) or article
        if all(other.article_id != article.article_id for other in articles):
            articles.append(article)
        if len(articles) >= PASSAGES:
            break
    return articles


def _record(
    situation: Situation,
    outcome: str,
    *,
    reason: str,
    language: str,
    article: ArticleDocument | None = None,
    confidence: float = 0.0,
    generated_answer: bool = False,
) -> BotTurn:
    return BotTurn.objects.create(
        conversation=situation.conversation,
        message=situation.message,
        outcome=outcome,
        reason=reason[:64],
        question=situation.message.body_text[:2000],
        language=language,
        article_id=article.article_id if article else None,
        article_language=article.language if article else "",
        confidence=confidence,
        generated=generated_answer,
    )


def _hand_off(
    situation: Situation,
    reason: str,
    language: str,
    *,
    detail: str = "",
    article: ArticleDocument | None = None,
    confidence: float = 0.0,
) -> None:
    with transaction.atomic():
        _record(
            situation,
            Outcome.HANDED_OFF,
            reason=reason,
            language=language,
            article=article,
            confidence=confidence,
        )
        actions.hand_off(situation.conversation, reason, detail=detail)


def _answer(
    situation: Situation,
    article: ArticleDocument,
    language: str,
    reply: Answer,
    confidence: float,
    interface: str,
) -> None:
    conversation = situation.conversation
    with transaction.atomic():
        turn = _record(
            situation,
            Outcome.ANSWERED,
            reason="confident",
            language=language,
            article=article,
            confidence=confidence,
            generated_answer=reply.generated,
        )
        buttons = conversation.inbox.channel in BUTTON_CHANNELS
        links = None if buttons else actions.reply_links(turn)
        text = f"{reply.text}\n\n{feedback_prompt(interface, links)}"
        message = actions.send_bot_reply(conversation, text=text)
        turn.reply = message
        turn.save(update_fields=["reply"])
        actions.bot_state(conversation)
        events.record(
            "assistant.answered",
            conversation=conversation,
            data={
                "message_id": message.pk,
                "article_id": article.article_id,
                "title": article.title,
                "language": language,
                "confidence": round(confidence, 3),
                "generated": reply.generated,
            },
        )
        # Waiting on the customer's "did that solve it?".
        actions.set_status(conversation, Status.PENDING, "answered by the bot")


__all__ = ["answer_task", "extractive", "on_message_created", "respond"]
