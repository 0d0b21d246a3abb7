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
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.assistant import actions
from atiende.assistant.ml.intent import IntentClassifier
from atiende.assistant.ml.language import detect_language
from atiende.assistant.ml.signals import sentiment, spam_score, urgency, urgency_reasons
from atiende.assistant.models import Category, Triage
from atiende.conversations.access import can_see_conversation
from atiende.conversations.actions import change_team, tag
from atiende.conversations.models import Conversation, Direction, Priority
from atiende.core import events, tasks
from atiende.core.errors import NotFound
from atiende.core.models import Event
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
        "assistant.triage",
        {"conversation_id": event.conversation_id},
        key=f"triage:{event.conversation_id}",
    )


@tasks.task("assistant.triage")
def triage_task(payload: dict[str, Any]) -> None:
    conversation = Conversation.objects.filter(pk=payload["conversation_id"]).first()
    if conversation is not None and not Triage.objects.filter(conversation=conversation).exists():
        triage(conversation)


def triage(conversation: Conversation) -> Triage:
    """Decide and store triage for `conversation`; tags and priority follow."""
    text = conversation_text(conversation)
    reasons: list[list[str]] = []
    language, language_confidence = detect_language(text)
    if language and language != "und":
        reasons.append(["language", str(language)])
    category, category_confidence = _categorise(text)
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
    with transaction.atomic():
        result, _created = Triage.objects.update_or_create(
            conversation=conversation,
            defaults={
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
            },
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


def _categorise(text: str) -> tuple[Category | None, float]:
    # Without categories a prediction has nowhere to go: do not even load the model.
    if not Category.objects.exists():
        return None, 0.0
    classifier = current_classifier()
    if classifier is None:
        return None, 0.0
    predictions = classifier.predict([text])
    if not predictions:
        return None, 0.0
    label, probability = predictions[0]
    category = Category.objects.select_related("team").filter(slug=str(label)).first()
    return category, float(probability)


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
