"""Triage: what a new conversation is about and how it feels, decided once when it opens.

On `conversation.created` the durable task `assistant.triage` reads the subject and the first
customer message and stores a `Triage` row: the language (offline detection), the category
(an `IntentClassifier` trained on conversations agents labelled, see `training.py`), the
urgency, the sentiment (angry / at-risk customers flagged) and a spam score. The results become
tags and a suggested team, with the reasons agents read in the conversation's side panel, where
they can correct the category (the correction is the next training label).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.assistant import actions
from atiende.assistant.ml.intent import IntentClassifier
from atiende.assistant.ml.language import detect_language
from atiende.assistant.ml.signals import sentiment, spam_score, urgency, urgency_reasons
from atiende.assistant.models import Category, Triage
from atiende.conversations.access import can_see_conversation
from atiende.conversations.actions import change_team, tag
from atiende.conversations.models import Conversation, Direction, Message, Priority
from atiende.core import events, rawsql, tasks
from atiende.core.errors import NotFound
from atiende.core.models import Event, Task, TaskStatus
from atiende.people.models import Team, User

logger = logging.getLogger(__name__)

# Below these, a prediction is shown as a hint but not acted on.
CATEGORY_CONFIDENCE = 0.5
ANGRY_BELOW = -0.4
URGENT_ABOVE = 0.6
SPAM_ABOVE = 0.8
AT_RISK_WORDS = ("cancel", "cancelar", "unsubscribe", "darme de baja", "switching to", "me voy a")

# Trained on the Sonora demo's labelled conversations (`train_triage` after `load_demo`).
SHIPPED_MODEL = Path(__file__).resolve().parent / "data" / "triage-demo"


def model_path() -> Path:
    """Where `train_triage` writes the model (the shipped demo model is used until then).
    The classifier stores two files beside it: `<path>.npz` and `<path>.json`."""
    return Path(settings.VAR_DIR) / "assistant" / "triage-intent"


def model_exists(path: Path) -> bool:
    return path.with_suffix(".json").exists() and path.with_suffix(".npz").exists()


_lock = threading.Lock()
_model: tuple[str, float, IntentClassifier] | None = None


def current_classifier() -> IntentClassifier | None:
    """The trained classifier, reloaded when its file changes; None when there is none."""
    global _model
    path = model_path() if model_exists(model_path()) else SHIPPED_MODEL
    if not model_exists(path):
        return None
    # The .json is written last: its time says the model is complete.
    stamp = path.with_suffix(".json").stat().st_mtime
    cached = _model
    if cached is not None and cached[0] == str(path) and cached[1] == stamp:
        return cached[2]
    with _lock:
        try:
            classifier = IntentClassifier.load(path)
        except (OSError, ValueError, KeyError) as exc:
            # A model from another version of the classifier: triage goes on without categories
            # until `make train` writes a new one.
            logger.warning("triage model %s could not be loaded: %s", path, exc)
            return None
        _model = (str(path), stamp, classifier)
    return classifier


def forget_classifier() -> None:
    global _model
    with _lock:
        _model = None


def conversation_text(conversation: Conversation) -> str:
    first = (
        conversation.messages.filter(direction=Direction.INBOUND)
        .order_by("seq")
        .values_list("body_text", flat=True)
        .first()
    )
    return f"{conversation.subject}\n{first or ''}".strip()


def on_conversation_created(event: Event) -> None:
    if event.conversation_id is None:
        return
    tasks.enqueue(
        TASK,
        {"conversation_id": event.conversation_id},
        key=f"triage:{event.conversation_id}",
    )


TASK = "assistant.triage"
# Conversations one task triages: its own and others waiting, in one transaction and one call
# of the classifier (a batch of mail opens a conversation per new sender).
BATCH_SIZE = 50


@tasks.task(TASK, batched=True)
def triage_task(payload: dict[str, Any]) -> None:
    """Triage this conversation, and with it the others whose triage task waits (batches):
    their tasks are marked done in the same transaction. One that fails is rolled back alone
    and keeps its task (retried on its own); the events go out once the batch committed."""
    own = int(payload["conversation_id"])
    with events.published_together():
        failure = _triage_batch(own)
    if failure is not None:
        raise failure


def _triage_batch(own: int) -> Exception | None:
    failure: Exception | None = None
    with transaction.atomic():
        waiting = _waiting(own)
        ids = [own, *waiting]
        conversations = Conversation.objects.in_bulk(ids)
        triaged = set(
            Triage.objects.filter(conversation_id__in=ids).values_list("conversation_id", flat=True)
        )
        todo = [conversations[pk] for pk in ids if pk in conversations and pk not in triaged]
        texts = conversation_texts(todo) if todo else {}
        decided = _categorise_many([texts[conversation.pk] for conversation in todo])
        finished = [pk for pk in waiting if pk not in conversations or pk in triaged]
        for conversation, (category, confidence) in zip(todo, decided, strict=True):
            try:  # under a savepoint of its own (`_triage`)
                _triage(conversation, texts[conversation.pk], category, confidence, new=True)
            except Exception as exc:
                if conversation.pk == own:
                    failure = exc
                else:
                    logger.warning("triage of conversation %s failed: %r", conversation.pk, exc)
                continue
            if conversation.pk != own:
                finished.append(conversation.pk)
        if finished:
            Task.objects.filter(
                key__in=[waiting[pk] for pk in finished], status=TaskStatus.PENDING
            ).update(status=TaskStatus.DONE, finished_at=timezone.now(), locked_until=None)
    return failure


def _waiting(own: int) -> dict[int, str]:
    """Other conversations whose triage task waits, by id (with their task's key), locked for
    this transaction; tasks tried before (a failure) run on their own. None when this task
    itself failed before: it runs alone."""
    own_attempts = (
        Task.objects.filter(name=TASK, key=f"triage:{own}")
        .values_list("attempts", flat=True)
        .first()
    )
    if own_attempts is not None and own_attempts > 1:
        return {}
    queryset = Task.objects.filter(
        name=TASK, status=TaskStatus.PENDING, attempts=0, run_at__lte=timezone.now()
    ).order_by("run_at", "pk")[: BATCH_SIZE - 1]
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    waiting: dict[int, str] = {}
    for key, payload in queryset.values_list("key", "payload"):
        conversation_id = payload.get("conversation_id") if isinstance(payload, dict) else None
        if isinstance(conversation_id, int) and conversation_id != own:
            waiting[conversation_id] = key
    return waiting


def triage(conversation: Conversation) -> Triage:
    """Decide and store triage for `conversation`; tags and priority follow."""
    text = conversation_text(conversation)
    category, category_confidence = _categorise(text)
    return _triage(conversation, text, category, category_confidence)


def _triage(
    conversation: Conversation,
    text: str,
    category: Category | None,
    category_confidence: float,
    *,
    new: bool = False,
) -> Triage:
    """Store what `text` says about `conversation` (`new`: it has no triage row yet, read in
    this transaction)."""
    reasons: list[list[str]] = []
    language, language_confidence = detect_language(text)
    if language and language != "und":
        reasons.append(["language", str(language)])
    if category is not None:
        reasons.append(["category", f"{category.name}|{round(category_confidence * 100)}"])
    team = (
        category.team
        if category is not None and category_confidence >= CATEGORY_CONFIDENCE
        else None
    )
    if team is not None:
        reasons.append(["team", team.name])
    code = str(language) if language and language != "und" else "en"
    mood = float(sentiment(text, code))
    pressing = float(urgency(text, code))
    cues = urgency_reasons(text, code)
    junk = float(spam_score(text))
    angry = mood <= ANGRY_BELOW
    lowered = text.lower()
    at_risk = angry and any(word in lowered for word in AT_RISK_WORDS)
    tags: list[str] = []
    if category is not None and category_confidence >= CATEGORY_CONFIDENCE:
        tags.append(category.slug)
    if angry:
        tags.append("angry")
        reasons.append(["angry", f"{mood:.2f}"])
    if at_risk:
        tags.append("at-risk")
        reasons.append(["at_risk", ""])
    if pressing >= URGENT_ABOVE:
        tags.append("urgent")
        reasons.append(["urgent", ", ".join(cues[:3])])
    if junk >= SPAM_ABOVE:
        tags.append("spam")
        reasons.append(["spam", f"{junk:.2f}"])
    values = {
        "language": "" if language == "und" else str(language or "")[:10],
        "language_confidence": float(language_confidence or 0.0),
        "category": category,
        "category_confidence": category_confidence,
        "suggested_team": team,
        "sentiment": mood,
        "urgency": pressing,
        "spam": junk,
        "angry": angry,
        "reasons": reasons,
    }
    with transaction.atomic():
        # One INSERT without the ORM's SQL compiler (`rawsql`); a row written meanwhile (an
        # agent's correction) is not overwritten by it but updated, keeping the agent's label.
        inserted = (
            rawsql.insert(Triage(conversation=conversation, **values), ignore_conflicts=True)
            if new
            else None
        )
        if inserted is not None:
            result = inserted
        else:
            result, _created = Triage.objects.update_or_create(
                conversation=conversation, defaults=values
            )
        if tags:
            actions.add_tags(conversation, tags)
        if pressing >= URGENT_ABOVE and conversation.priority in {Priority.LOW, Priority.NORMAL}:
            actions.set_priority(conversation, Priority.HIGH, "triage: urgent")
        events.record(
            "assistant.triaged",
            conversation=conversation,
            data={
                "language": result.language,
                "category": category.slug if category else None,
                "confidence": round(category_confidence, 3),
                "team": team.pk if team else None,
                "tags": tags,
            },
        )
    return result


def conversation_texts(conversations: list[Conversation]) -> dict[int, str]:
    """`conversation_text` of each, in two queries."""
    ids = [conversation.pk for conversation in conversations]
    inbound = Message.objects.filter(conversation_id__in=ids, direction=Direction.INBOUND)
    first_seq = dict(
        inbound.values("conversation_id")
        .annotate(first=Min("seq"))
        .values_list("conversation_id", "first")
    )
    bodies = {
        conversation_id: body
        for conversation_id, seq, body in inbound.filter(
            seq__in=set(first_seq.values())
        ).values_list("conversation_id", "seq", "body_text")
        if first_seq.get(conversation_id) == seq
    }
    return {
        conversation.pk: f"{conversation.subject}\n{bodies.get(conversation.pk) or ''}".strip()
        for conversation in conversations
    }


def _categorise(text: str) -> tuple[Category | None, float]:
    return _categorise_many([text])[0]


def _categorise_many(texts: list[str]) -> list[tuple[Category | None, float]]:
    """The category of each text, with one call of the classifier for all."""
    nothing: list[tuple[Category | None, float]] = [(None, 0.0)] * len(texts)
    # Without categories a prediction has nowhere to go: do not even load the model.
    if not texts or not Category.objects.exists():
        return nothing
    classifier = current_classifier()
    if classifier is None:
        return nothing
    predictions = classifier.predict(texts)
    if len(predictions) != len(texts):
        return nothing
    slugs = {str(label) for label, _probability in predictions}
    categories = {
        category.slug: category
        for category in Category.objects.select_related("team").filter(slug__in=slugs)
    }
    return [(categories.get(str(label)), float(probability)) for label, probability in predictions]


def describe_reasons(triage_row: Triage) -> list[str]:
    """The reasons, in the agent's language."""
    lines = []
    for code, detail in triage_row.reasons:
        if code == "language":
            lines.append(_("Written in %(language)s.") % {"language": detail})
        elif code == "category":
            name, _sep, percent = detail.partition("|")
            lines.append(
                _("Looks like “%(category)s” (%(percent)s%% sure).")
                % {"category": name, "percent": percent}
            )
        elif code == "team":
            lines.append(_("That category belongs to the %(team)s team.") % {"team": detail})
        elif code == "angry":
            lines.append(_("The customer sounds upset."))
        elif code == "at_risk":
            lines.append(_("Upset and talking about leaving: a customer at risk."))
        elif code == "urgent" and detail:
            lines.append(_("The message reads as urgent (%(cues)s).") % {"cues": detail})
        elif code == "urgent":
            lines.append(_("The message reads as urgent."))
        elif code == "spam":
            lines.append(_("This looks like spam."))
    return lines


def correct(
    actor: User, conversation: Conversation, category: Category, *, apply_team: bool = True
) -> Triage:
    """An agent sets or corrects the category: stored as the training label, tags follow,
    and the category's team is applied when asked."""
    if not can_see_conversation(actor, conversation):
        raise NotFound(_("Conversation not found."))
    with transaction.atomic():
        row, _created = Triage.objects.get_or_create(conversation=conversation)
        previous = row.label or row.category
        row.label = category
        row.labelled_by = actor
        row.labelled_at = timezone.now()
        row.save(update_fields=["label", "labelled_by", "labelled_at"])
        remove = [previous.slug] if previous is not None and previous.pk != category.pk else []
        tag(actor, conversation, add=[category.slug], remove=remove)
        events.record(
            "assistant.triage_corrected",
            conversation=conversation,
            actor_user=actor,
            data={
                "from": previous.slug if previous else None,
                "to": category.slug,
            },
        )
        if apply_team and category.team is not None:
            change_team(actor, conversation, category.team)
    return row


def apply_suggested_team(actor: User, conversation: Conversation) -> Team | None:
    row = Triage.objects.select_related("suggested_team").filter(conversation=conversation).first()
    if row is None or row.suggested_team is None:
        return None
    change_team(actor, conversation, row.suggested_team)
    return row.suggested_team
