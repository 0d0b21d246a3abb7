"""Which conversation an incoming mail continues, for the sender's own conversations only.

In order: (a) In-Reply-To / References naming a message of this inbox (our replies' Message-IDs
and earlier inbound ones); (b) a signed reply token in a referenced Message-ID or, with plus
addressing, in a recipient address; (c) a reply that arrived before this mail and named its
Message-ID (`EmailReference`); (d) the same normalised subject from the same contact within
the thread window, if that conversation is not closed. No match: a new conversation. A match
never crosses contacts: a mail naming someone else's conversation starts a new one.

The pipeline processes mail in batches: `ThreadIndex` reads what these lookups need for a whole
batch in a few queries, and learns what each stored message adds (its Message-ID, its
conversation, the references nobody had yet) so the next mail of the batch sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from atiende.conversations.models import Conversation, Message, Status
from atiende.inboxes.models import Inbox
from atiende.mail import config, tokens
from atiende.mail.models import EmailReference
from atiende.mail.types import ParsedEmail
from atiende.people.lookup import contact_for_identity, surviving
from atiende.people.models import Contact, ContactIdentity, IdentityKind, normalize_identity

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
    found = ThreadIndex(inbox, [parsed]).find(parsed)
    return Conversation.objects.get(pk=found) if found is not None else None


def referenced_ids(parsed: ParsedEmail) -> list[str]:
    """Most specific first: In-Reply-To, then References newest first."""
    ordered: list[str] = []
    for item in (*parsed.in_reply_to, *reversed(parsed.references)):
        if item and item not in ordered:
            ordered.append(item)
    return ordered[:50]


def _identity(sender: str) -> str:
    return normalize_identity(IdentityKind.EMAIL, sender)[:255]


@dataclass
class _Recent:
    """A conversation a same-subject mail may join: not closed, not merged."""

    pk: int
    subject: str
    last_message_at: datetime


class ThreadIndex:
    """`find_conversation` for a batch of mails of one inbox.

    Reads, for the whole batch: the senders' contacts, the messages their references name, the
    earlier replies that named their Message-IDs, and the senders' recent conversations. `learn`
    records each message the batch stores, so a later mail of the same batch threads onto it.
    """

    def __init__(self, inbox: Inbox, mails: Iterable[ParsedEmail]) -> None:
        self.inbox = inbox
        mails = list(mails)
        self.since = timezone.now() - timedelta(days=config.thread_window_days())
        self.contacts: dict[str, int | None] = dict.fromkeys(
            (_identity(mail.from_address) for mail in mails if mail.from_address), None
        )
        for value, contact_id, merged in ContactIdentity.objects.filter(
            kind=IdentityKind.EMAIL, value__in=list(self.contacts)
        ).values_list("value", "contact_id", "contact__merged_into_id"):
            if merged is not None:
                contact_id = surviving(Contact.objects.get(pk=contact_id)).pk
            self.contacts[value] = contact_id
        # Message-ID -> (conversation, its contact), for the ids the batch's mails reference.
        wanted = {item for mail in mails for item in referenced_ids(mail)}
        self.messages: dict[str, tuple[int, int]] = {}
        if wanted:
            rows = Message.objects.by_external_id(inbox.pk, wanted).values_list(
                "external_id", "conversation_id", "conversation__contact_id"
            )
            self.messages = {external: (conv, contact) for external, conv, contact in rows}
        # Message-ID -> conversations of earlier replies that named it before it arrived.
        own_ids = [mail.message_id for mail in mails if mail.message_id]
        self.referenced_by: dict[str, list[tuple[int, int]]] = {}
        if own_ids:
            for referenced, conversation_id, contact_id in (
                EmailReference.objects.filter(inbox=inbox, referenced__in=own_ids)
                .order_by("pk")
                .values_list(
                    "referenced", "message__conversation_id", "message__conversation__contact_id"
                )
            ):
                self.referenced_by.setdefault(referenced, []).append((conversation_id, contact_id))
        # The senders' conversations a same-subject mail may join, newest first.
        known = {pk for pk in self.contacts.values() if pk is not None}
        self.recent: dict[int, list[_Recent]] = {}
        if known:
            recent = (
                Conversation.objects.filter(
                    inbox=inbox,
                    contact_id__in=known,
                    last_message_at__gte=self.since,
                    merged_into__isnull=True,
                )
                .exclude(status=Status.CLOSED)
                .order_by("-last_message_at")
                .values_list("pk", "contact_id", "subject", "last_message_at")
            )
            for pk, contact_id, subject, last in recent:
                entries = self.recent.setdefault(contact_id, [])
                if len(entries) < 50:
                    entries.append(_Recent(pk, normalise_subject(subject), last))

    def contact(self, sender: str) -> int | None:
        return self.contacts.get(_identity(sender))

    def has_no_contact(self, sender: str) -> bool:
        """The batch looked `sender` up and no contact has that address (nor did the batch
        create one since)."""
        key = _identity(sender)
        return key in self.contacts and self.contacts[key] is None

    def find(self, parsed: ParsedEmail) -> int | None:
        """The id of the conversation `parsed` continues, or None for a new one."""
        contact = self.contact(parsed.from_address)
        if contact is None:
            return None
        return (
            self._by_message_ids(contact, parsed)
            or self._by_token(contact, parsed)
            or self._by_later_reply(contact, parsed)
            or self._by_subject(contact, parsed)
        )

    def unknown_references(self, parsed: ParsedEmail) -> list[str]:
        """The ids `parsed` names that no message of the inbox has (yet)."""
        return [item for item in referenced_ids(parsed) if item not in self.messages]

    def learn(
        self, parsed: ParsedEmail, *, contact_id: int, conversation: Conversation, external_id: str
    ) -> list[str]:
        """A message of the batch was stored: later mails of the batch thread as if it was
        there when the batch started. Returns the ids it named that nobody has (yet), for
        `EmailReference` rows."""
        unknown = self.unknown_references(parsed)
        self.contacts[_identity(parsed.from_address)] = contact_id
        self.messages[external_id] = (conversation.pk, contact_id)
        for item in unknown:
            self.referenced_by.setdefault(item, []).append((conversation.pk, contact_id))
        entries = [
            entry for entry in self.recent.get(contact_id, []) if entry.pk != conversation.pk
        ]
        if conversation.status != Status.CLOSED and conversation.merged_into_id is None:
            subject = normalise_subject(conversation.subject)
            entries.insert(0, _Recent(conversation.pk, subject, timezone.now()))
        self.recent[contact_id] = entries[:50]
        return unknown

    def _by_message_ids(self, contact: int, parsed: ParsedEmail) -> int | None:
        for item in referenced_ids(parsed):
            found = self.messages.get(item)
            if found is not None and found[1] == contact:
                return found[0]
        return None

    def _by_token(self, contact: int, parsed: ParsedEmail) -> int | None:
        candidates = [
            tokens.conversation_from_message_id(self.inbox, item) for item in referenced_ids(parsed)
        ]
        if config.plus_addressing(self.inbox):
            candidates += [
                tokens.conversation_from_address(self.inbox, address)
                for address in (*parsed.to_addresses, *parsed.cc_addresses)
            ]
        for conversation_id in candidates:
            if conversation_id is not None:
                found = (
                    Conversation.objects.filter(
                        inbox=self.inbox, contact_id=contact, pk=conversation_id
                    )
                    .values_list("pk", flat=True)
                    .first()
                )
                if found is not None:
                    return int(found)
        return None

    def _by_later_reply(self, contact: int, parsed: ParsedEmail) -> int | None:
        """A reply that came first named this mail's Message-ID: join the reply's conversation
        (the most recent such reply of the same contact)."""
        if not parsed.message_id:
            return None
        for conversation_id, owner in reversed(self.referenced_by.get(parsed.message_id, [])):
            if owner == contact:
                return conversation_id
        return None

    def _by_subject(self, contact: int, parsed: ParsedEmail) -> int | None:
        subject = normalise_subject(parsed.subject)
        if not subject:
            return None
        for entry in self.recent.get(contact, []):
            if entry.last_message_at >= self.since and entry.subject == subject:
                return entry.pk
        return None
