"""Protecting customers from themselves and from impostors (SECURITY.md I8, crypto platforms).

- `mask_inbound()` masks recovery phrases, private keys and card numbers in an inbound message
  before `receive_message` stores, indexes or pushes anything (`core/masking.py` finds them).
- `protect_after_masking()` runs in the same transaction once the masked message is stored: the
  conversation is tagged, made urgent and moved to the security team (a team with the slug
  "security", else "accounts", when there is one), the timeline says what kind of secret was
  removed (never the secret), and the customer gets an automatic warning in their language:
  the secret was not kept, nobody real asks for it, and a wallet whose phrase was shared must be
  treated as compromised.
- `refuse_secret_requests()` stops an agent's reply that asks the customer for a recovery phrase,
  a private key, a password, a 2FA code or remote access.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from django.utils import translation
from django.utils.translation import gettext as _

from atiende.conversations.actions.common import queue_message
from atiende.conversations.models import Conversation, Direction, Priority, Tag
from atiende.core import events, masking
from atiende.core.errors import ActionError
from atiende.inboxes.contract import InboundMessage
from atiende.people.models import Contact, Team

SECURITY_TAG = "secret-removed"
SECURITY_TEAMS = ("security", "accounts")
WALLET_KINDS = frozenset(
    {
        masking.SecretKind.RECOVERY_PHRASE,
        masking.SecretKind.PRIVATE_KEY,
        masking.SecretKind.EXTENDED_KEY,
    }
)


@dataclasses.dataclass(frozen=True)
class Masked:
    inbound: InboundMessage
    found: Counter[str]
    checksum_valid: bool


def mask_inbound(inbound: InboundMessage) -> Masked:
    """The same message with every secret masked in its subject, text and HTML."""
    subject = masking.mask_secrets(inbound.subject)
    text = masking.mask_secrets(inbound.text)
    html = masking.mask_secrets(inbound.html)
    found = subject.found + text.found + html.found
    if not found:
        return Masked(inbound, found, False)
    return Masked(
        dataclasses.replace(inbound, subject=subject.text, text=text.text, html=html.text),
        found,
        subject.checksum_valid or text.checksum_valid or html.checksum_valid,
    )


def protect_after_masking(
    conversation: Conversation, contact: Contact, message_id: int, masked: Masked
) -> None:
    """Tag, escalate, record and warn; call inside the transaction that stored the message."""
    kinds = sorted(masked.found)
    wallet = bool(WALLET_KINDS & set(kinds))
    events.record(
        "message.secret_masked",
        conversation=conversation,
        actor_contact=contact,
        data={
            "message_id": message_id,
            "kinds": kinds,
            "count": sum(masked.found.values()),
            "checksum_valid": masked.checksum_valid,
        },
    )
    tag_object, _created = Tag.objects.get_or_create(name=SECURITY_TAG)
    conversation.tags.add(tag_object)
    changed = []
    if wallet and conversation.priority != Priority.URGENT:
        conversation.priority = Priority.URGENT
        changed.append("priority")
    team = Team.objects.filter(slug__in=SECURITY_TEAMS).order_by("slug").last()
    if wallet and team is not None and conversation.team_id != team.pk:
        conversation.team = team
        changed.append("team")
    if changed:
        conversation.save(update_fields=changed)
    _warn(conversation, wallet=wallet)


def _warn(conversation: Conversation, *, wallet: bool) -> None:
    language = conversation.language or conversation.inbox.language or "en"
    with translation.override(language):
        if wallet:
            text = _(
                "For your safety, we removed what looked like a wallet recovery phrase or "
                "private key from your message: it was not stored and no one here can see it. "
                "Never share it with anyone. No real support agent, including ours, will ever "
                "ask for it. Anyone who has seen it can take your funds, so please treat that "
                "wallet as compromised and move your funds to a new wallet now. We will keep "
                "helping you here."
            )
        else:
            text = _(
                "For your safety, we removed a payment card number from your message: it was "
                "not stored. Please never send card details in a message; you can update your "
                "card in your account settings. We will keep helping you here."
            )
    queue_message(conversation, direction=Direction.OUTBOUND, text=text)


def refuse_secret_requests(text: str) -> None:
    """An agent's reply must never ask for what an impostor would ask for."""
    if masking.asks_for_secret(text):
        raise ActionError(
            _(
                "This reply asks the customer for a recovery phrase, private key, password, "
                "verification code or remote access. We never ask for these: rephrase it."
            )
        )
