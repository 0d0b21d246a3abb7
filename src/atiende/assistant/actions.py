"""Every write the answer bot makes: its replies (through the durable outbox), hand-offs to
people, resolutions the customer confirmed, and the status changes nobody typed.

These mirror `conversations/actions/` (lock, append, index, record, enqueue in one
transaction) for an actor that is not a person: events carry no `actor_user`, so the
timeline says "System" or names the customer who chose.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.assistant.models import BotState, BotStatus, BotTurn, ReplyChoice, ReplyToken
from atiende.conversations.actions.common import lock, queue_message
from atiende.conversations.actions.manage import normalize_tag
from atiende.conversations.models import (
    TRANSITIONS,
    Conversation,
    Direction,
    Message,
    Status,
    Tag,
)
from atiende.core import events
from atiende.core.errors import Conflict
from atiende.people.models import Contact

TOKEN_BYTES = 24  # 192 bits


def send_bot_reply(conversation: Conversation, *, text: str, html: str = "") -> Message:
    """A bot answer: stored at once, delivered by the worker through the outbox."""
    with transaction.atomic():
        conversation = lock(conversation)
        if conversation.status == Status.CLOSED:
            raise Conflict(_("This conversation is closed; start a new one instead."))
        return queue_message(conversation, direction=Direction.BOT, text=text, html=html)


def set_status(conversation: Conversation, status: str, reason: str) -> None:
    """Change the status on the bot's behalf, when the transition is allowed."""
    if conversation.status == status or status not in TRANSITIONS[conversation.status]:
        return
    previous = conversation.status
    conversation.status = status
    conversation.updated_at = timezone.now()
    conversation.save(update_fields=["status", "updated_at"])
    events.record(
        "conversation.status_changed",
        conversation=conversation,
        data={"from": previous, "to": status, "reason": reason},
    )


def set_priority(conversation: Conversation, priority: str, reason: str) -> None:
    if conversation.priority == priority:
        return
    previous = conversation.priority
    conversation.priority = priority
    conversation.save(update_fields=["priority"])
    events.record(
        "conversation.priority_changed",
        conversation=conversation,
        data={"from": previous, "to": priority, "reason": reason},
    )


def add_tags(conversation: Conversation, names: list[str]) -> list[str]:
    """Add tags on the bot's behalf (triage); returns the ones that were new."""
    wanted = {normalize_tag(name) for name in names} - {""}
    with transaction.atomic():
        current = set(conversation.tags.values_list("name", flat=True))
        added = sorted(wanted - current)
        if not added:
            return []
        for name in added:
            tag_object, _created = Tag.objects.get_or_create(name=name)
            conversation.tags.add(tag_object)
        events.record(
            "conversation.tagged",
            conversation=conversation,
            data={"added": added, "removed": [], "reason": "triage"},
        )
    return added


def bot_state(conversation: Conversation) -> BotState:
    state, _created = BotState.objects.get_or_create(conversation=conversation)
    return state


def hand_off(
    conversation: Conversation,
    reason: str,
    *,
    actor_contact: Contact | None = None,
    detail: str = "",
) -> bool:
    """Give the conversation to people; routing listens for `conversation.handed_off`.
    Returns False when it was already handed off."""
    with transaction.atomic():
        conversation = lock(conversation)
        state = bot_state(conversation)
        if state.status == BotStatus.HANDED_OFF:
            return False
        state.status = BotStatus.HANDED_OFF
        state.reason = reason[:64]
        state.updated_at = timezone.now()
        state.save(update_fields=["status", "reason", "updated_at"])
        data = {"reason": reason}
        if detail:
            data["detail"] = detail
        events.record(
            "conversation.handed_off",
            conversation=conversation,
            actor_contact=actor_contact,
            data=data,
        )
        # Waiting on the customer no more: people have work to do.
        if conversation.status in {Status.PENDING, Status.SOLVED}:
            set_status(conversation, Status.OPEN, "handed off")
    return True


def resolve_by_bot(conversation: Conversation, *, actor_contact: Contact | None = None) -> bool:
    """The customer said the bot's answer solved it: solved, counted as resolved by the bot."""
    with transaction.atomic():
        conversation = lock(conversation)
        state = bot_state(conversation)
        if state.status != BotStatus.ACTIVE:
            return False
        state.status = BotStatus.RESOLVED
        state.reason = "customer confirmed"
        state.updated_at = timezone.now()
        state.save(update_fields=["status", "reason", "updated_at"])
        events.record("assistant.resolved", conversation=conversation, actor_contact=actor_contact)
        set_status(conversation, Status.SOLVED, "resolved by the bot")
    return True


def reopen_for_bot(conversation: Conversation) -> None:
    """A customer wrote again after the bot resolved it: the bot may answer the new question."""
    BotState.objects.filter(conversation=conversation, status=BotStatus.RESOLVED).update(
        status=BotStatus.ACTIVE, reason="customer wrote again", updated_at=timezone.now()
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def reply_links(turn: BotTurn) -> dict[str, str]:
    """Single-use links for an email / Help form answer: choice -> absolute URL."""
    links = {}
    for choice in ReplyChoice:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        ReplyToken.objects.create(token_hash=hash_token(token), turn=turn, choice=choice)
        path = reverse("assistant:reply_link", args=[token])
        links[str(choice)] = f"{settings.SITE_URL}{path}"
    return links


def token_for(token: str) -> ReplyToken | None:
    return (
        ReplyToken.objects.select_related("turn__conversation__contact")
        .filter(token_hash=hash_token(token))
        .first()
    )


def use_reply_token(token: str) -> ReplyToken | None:
    """Spend a link once: returns it (with `used_at` now set), or None when unknown or used."""
    with transaction.atomic():
        found = token_for(token)
        if found is None:
            return None
        spent = ReplyToken.objects.filter(pk=found.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not spent:
            return None
        # Its sibling links die with it: the customer chose.
        ReplyToken.objects.filter(turn_id=found.turn_id, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        conversation = found.turn.conversation
        contact = conversation.contact
        if found.choice == ReplyChoice.SOLVED:
            resolve_by_bot(conversation, actor_contact=contact)
        else:
            hand_off(conversation, "customer asked for a person", actor_contact=contact)
    return found


def choose(message: Message, choice: str, contact: Contact) -> bool:
    """The customer pressed a quick-reply button under a bot message in the chat."""
    turn = BotTurn.objects.filter(reply=message).select_related("conversation").first()
    if turn is None or turn.conversation.contact_id != contact.pk:
        return False
    if choice == ReplyChoice.SOLVED:
        return resolve_by_bot(turn.conversation, actor_contact=contact)
    if choice == ReplyChoice.PERSON:
        return hand_off(turn.conversation, "customer asked for a person", actor_contact=contact)
    return False
