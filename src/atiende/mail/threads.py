"""Which conversation an incoming mail continues, for the sender's own conversations only.

In order: (a) In-Reply-To / References naming a message of this inbox (our replies' Message-IDs
and earlier inbound ones); (b) a signed reply token in a referenced Message-ID or, with plus
addressing, in a recipient address; (c) the same normalised subject from the same contact within
the thread window, if that conversation is not closed. No match: a new conversation. A match
never crosses contacts: a mail naming someone else's conversation starts a new one.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from atiende.conversations.models import Conversation, Message, Status
from atiende.inboxes.models import Inbox
from atiende.mail import config, tokens
from atiende.mail.types import ParsedEmail
from atiende.people.lookup import contact_for_identity
from atiende.people.models import Contact, IdentityKind

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|fw|rv|aw|sv|enc|tr|wg|antw|vs|ref|r)\s*(?:\[\d+\]|\(\d+\))?\s*[:\uff1a]\s*"
    r"|\[#?\d+\]\s*)",
    re.IGNORECASE,
)
_TICKET_TAG = re.compile(r"\[#\d+\]")


def normalise_subject(subject: str) -> str:
    """`Re: Fwd: [#12] Broken playlist ` -> `broken playlist`."""
    value = subject
    while True:
        stripped = _PREFIX.sub("", value, count=1)
        if stripped == value:
            break
        value = stripped
    value = _TICKET_TAG.sub(" ", value)
    return " ".join(value.split()).casefold()


def contact_for(sender: str) -> Contact | None:
    """The contact that owns this email address (after merges), if any."""
    return contact_for_identity(IdentityKind.EMAIL, sender)


def find_conversation(inbox: Inbox, parsed: ParsedEmail) -> Conversation | None:
    """The conversation `parsed` continues, or None for a new one."""
    contact = contact_for(parsed.from_address)
    if contact is None:
        return None
    mine = Conversation.objects.filter(inbox=inbox, contact=contact)
    return (
        _by_message_ids(inbox, mine, parsed)
        or _by_token(inbox, mine, parsed)
        or _by_subject(mine, parsed)
    )


def _referenced_ids(parsed: ParsedEmail) -> list[str]:
    """Most specific first: In-Reply-To, then References newest first."""
    ordered: list[str] = []
    for item in (*parsed.in_reply_to, *reversed(parsed.references)):
        if item and item not in ordered:
            ordered.append(item)
    return ordered[:50]


def _by_message_ids(
    inbox: Inbox, mine: QuerySet[Conversation], parsed: ParsedEmail
) -> Conversation | None:
    ids = _referenced_ids(parsed)
    if not ids:
        return None
    found = dict(
        Message.objects.filter(inbox=inbox, external_id__in=ids, conversation__in=mine).values_list(
            "external_id", "conversation_id"
        )
    )
    for item in ids:
        if item in found:
            return Conversation.objects.get(pk=found[item])
    return None


def _by_token(
    inbox: Inbox, mine: QuerySet[Conversation], parsed: ParsedEmail
) -> Conversation | None:
    candidates = [
        tokens.conversation_from_message_id(inbox, item) for item in _referenced_ids(parsed)
    ]
    if config.plus_addressing(inbox):
        candidates += [
            tokens.conversation_from_address(inbox, address)
            for address in (*parsed.to_addresses, *parsed.cc_addresses)
        ]
    for conversation_id in candidates:
        if conversation_id is not None:
            found = mine.filter(pk=conversation_id).first()
            if found is not None:
                return found
    return None


def _by_subject(mine: QuerySet[Conversation], parsed: ParsedEmail) -> Conversation | None:
    subject = normalise_subject(parsed.subject)
    if not subject:
        return None
    since = timezone.now() - timedelta(days=config.thread_window_days())
    recent = (
        mine.filter(last_message_at__gte=since, merged_into__isnull=True)
        .exclude(status=Status.CLOSED)
        .order_by("-last_message_at")[:50]
    )
    for conversation in recent:
        if normalise_subject(conversation.subject) == subject:
            return conversation
    return None
