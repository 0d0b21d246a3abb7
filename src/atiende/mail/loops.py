"""Mail loops (SECURITY.md I4): when an automatic answer is allowed, and the acknowledgement.

`may_autoreply` says no to anything automatic, bulk, from a robot or a report, to blocked senders
and to our own address, and at most `autoreplies_per_day()` times per sender per day (the circuit
breaker that stops two autoresponders that set no headers). Automatic mail leaves through the
outbox like any reply; the email adapter adds `Auto-Submitted` and `X-Auto-Response-Suppress`.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atiende.conversations.actions.common import queue_message
from atiende.conversations.models import Conversation, Direction, Message
from atiende.inboxes.models import Inbox
from atiende.mail import config
from atiende.mail.models import AutoReply, BlockedSender
from atiende.mail.types import ParsedEmail


def block_patterns(sender: str) -> set[str]:
    """The block-list entries that would refuse `sender`: the address, its domain (also as
    `@domain`) and each parent domain."""
    address = sender.strip().lower()
    domain = address.rpartition("@")[2]
    patterns = {address, domain, f"@{domain}"}
    parts = domain.split(".")
    patterns.update(".".join(parts[index:]) for index in range(1, len(parts) - 1))
    return patterns


def is_blocked(inbox: Inbox, sender: str) -> bool:
    """The sender's address or its domain (or a parent domain) is on the inbox's block list."""
    return BlockedSender.objects.filter(inbox=inbox, pattern__in=block_patterns(sender)).exists()


def recent_autoreplies(inbox: Inbox, sender: str) -> int:
    since = timezone.now() - timedelta(days=1)
    return AutoReply.objects.filter(
        inbox=inbox, address=sender.strip().lower(), sent_at__gte=since
    ).count()


def may_autoreply(inbox: Inbox, parsed: ParsedEmail) -> bool:
    sender = parsed.from_address.strip().lower()
    if not sender or parsed.should_not_autoreply:
        return False
    if sender == config.address(inbox) or is_blocked(inbox, sender):
        return False
    return recent_autoreplies(inbox, sender) < config.autoreplies_per_day()


def acknowledge(conversation: Conversation, recipient: str) -> Message:
    """Queue "we received your request #N" as an automatic reply (call inside the transaction)."""
    language = conversation.language or conversation.inbox.language or "en"
    with translation.override(language):
        text = _(
            "We received your request #%(number)s and will answer as soon as we can. "
            "To add anything, reply to this email."
        ) % {"number": conversation.pk}
    with transaction.atomic():
        message = queue_message(
            conversation,
            direction=Direction.OUTBOUND,
            text=text,
            event_data={"automatic": True},
        )
        AutoReply.objects.create(inbox=conversation.inbox, address=recipient.strip().lower())
    return message
