"""Whether a rule's conditions hold for a conversation (all that are set must hold)."""

from __future__ import annotations

import re
import unicodedata

from atiende.automations.models import Rule
from atiende.conversations.actions.manage import normalize_tag
from atiende.conversations.models import Conversation, Direction, Message


def fold(text: str) -> str:
    """Lower case without accents: "URGENTE", "urgenté" and "urgente" read the same."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def split_list(value: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,\n]", value) if item.strip()]


def contains_any(text: str, words: list[str]) -> bool:
    """A word or phrase counts where it stands on its own ("bill" is not in "billing")."""
    folded = " ".join(fold(text).split())
    for word in words:
        phrase = " ".join(fold(word).split())
        if phrase and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", folded):
            return True
    return False


def latest_customer_text(conversation: Conversation) -> str:
    message = (
        Message.objects.filter(conversation=conversation, direction=Direction.INBOUND)
        .order_by("-seq")
        .only("body_text")
        .first()
    )
    return message.body_text if message else ""


def holds(rule: Rule, conversation: Conversation, *, text: str | None = None) -> bool:
    """`text`: the customer's message the rule reacts to (else their latest one is read)."""
    if rule.channel and conversation.inbox.channel != rule.channel:
        return False
    if rule.inbox_id is not None and conversation.inbox_id != rule.inbox_id:
        return False
    if rule.status and conversation.status != rule.status:
        return False
    if rule.priority and conversation.priority != rule.priority:
        return False
    if rule.language and (conversation.language or "").lower() != rule.language.lower():
        return False
    if rule.team_id is not None and conversation.team_id != rule.team_id:
        return False
    if rule.category_id is not None and not _has_category(conversation, rule.category_id):
        return False
    if rule.has_tag or rule.lacks_tag:
        tags = set(conversation.tags.values_list("name", flat=True))
        if rule.has_tag and normalize_tag(rule.has_tag) not in tags:
            return False
        if rule.lacks_tag and normalize_tag(rule.lacks_tag) in tags:
            return False
    if rule.email_domains:
        domain = conversation.contact.email.rpartition("@")[2].lower()
        wanted = {item.lower().lstrip("@") for item in split_list(rule.email_domains)}
        if not domain or domain not in wanted:
            return False
    if rule.words:
        if text is None:
            text = latest_customer_text(conversation)
        if not contains_any(text, split_list(rule.words)):
            return False
    return True


def _has_category(conversation: Conversation, category_id: int) -> bool:
    from atiende.assistant.models import Triage

    return Triage.objects.filter(conversation=conversation, category_id=category_id).exists()
