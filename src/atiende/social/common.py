"""What the social adapters share: credentials, the customer-service window, received files,
and the delivery statuses providers report for our replies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.conversations import attachments as attachment_store
from atiende.conversations.models import Conversation, DeliveryStatus, Direction, Message
from atiende.core import events
from atiende.core.errors import ActionError
from atiende.inboxes.contract import DeliveryError, InboundAttachment, PermanentDeliveryError
from atiende.inboxes.models import Inbox
from atiende.people.models import normalize_identity
from atiende.social.models import ChannelCredentials

logger = logging.getLogger(__name__)

# Meta lets a business answer freely for 24 hours after the customer's last message; after that
# only approved templates may be sent (not supported here).
SERVICE_WINDOW = timedelta(hours=24)

# A status only moves forward: a late "delivered" does not undo "read".
_ORDER = {
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
}


@dataclass(frozen=True)
class Report:
    """What a connection test found: the provider's own answer, never a token."""

    ok: bool
    lines: tuple[str, ...]

    def __str__(self) -> str:
        verdict = _("works") if self.ok else _("failed")
        return f"{verdict}: " + " | ".join(self.lines)


def credentials(inbox: Inbox) -> ChannelCredentials:
    found = ChannelCredentials.objects.filter(inbox=inbox).first()
    return found if found is not None else ChannelCredentials(inbox=inbox)


def require_window(inbox: Inbox, conversation_id: int) -> None:
    """Refuse a free-form reply when the customer's last message is older than 24 hours."""
    contact_ids = Conversation.objects.filter(pk=conversation_id).values("contact_id")
    last = Message.objects.filter(
        inbox_id=inbox.pk, direction=Direction.INBOUND, conversation__contact_id__in=contact_ids
    ).aggregate(last=Max("created_at"))["last"]
    if last is None or timezone.now() - last > SERVICE_WINDOW:
        raise PermanentDeliveryError(
            _(
                "Not sent: the customer's last message is more than 24 hours old, and this "
                "channel only allows a free-form reply within 24 hours of it (message "
                "templates are not supported). The customer has to write first."
            )
        )


def accepted_files(
    files: list[tuple[str, bytes | None]],
) -> tuple[tuple[InboundAttachment, ...], list[str]]:
    """The files attachments may hold, and a line for the agent about each refused one."""
    kept: list[InboundAttachment] = []
    notes: list[str] = []
    for filename, content in files:
        name = attachment_store.safe_filename(filename)
        if content is None:
            notes.append(_("[%(name)s was not kept: it is too large.]") % {"name": name})
            continue
        try:
            content_type = attachment_store.validate(name, content)
        except ActionError as exc:
            notes.append(f"[{exc.detail}]")
            continue
        kept.append(InboundAttachment(filename=name, content=content, declared_type=content_type))
    return tuple(kept), notes


def record_delivery(inbox: Inbox, external_id: str, status: str, error: str = "") -> bool:
    """A provider's news about one of our replies: it moves the reply's delivery status forward,
    or marks it failed with the provider's reason. False when no reply has that id."""
    with transaction.atomic():
        message = (
            Message.objects.by_external_id(inbox.pk, external_id[:255])
            .filter(direction__in=(Direction.OUTBOUND, Direction.BOT))
            .select_related("conversation")
            .select_for_update()
            .first()
        )
        if message is None:
            logger.info("inbox %s: status %s for unknown message %s", inbox.pk, status, external_id)
            return False
        current = message.delivery_status
        if status == DeliveryStatus.FAILED:
            if current == DeliveryStatus.FAILED:
                return True
        elif _ORDER.get(DeliveryStatus(status), 0) <= _ORDER.get(DeliveryStatus(current), 0):
            return True
        Message.objects.filter(pk=message.pk).update(
            delivery_status=status, delivery_error=error[:2000]
        )
        events.record(
            "message.delivery",
            conversation=message.conversation,
            data={"message_id": message.pk, "status": status, "error": error[:500]},
        )
    return True


# What a customer sends that is not plain text or a file, as a line an agent can read. The
# adapters translate the provider's fields into these; none of them decides anything.


def dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list (anything else in it, or a non-list, is skipped)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _join(*parts: object) -> str:
    return ", ".join(str(part).strip() for part in parts if part not in (None, "") and str(part))


def location_text(
    latitude: object, longitude: object, name: object = "", address: object = "", url: object = ""
) -> str:
    """`📍 Location: lat, lon (name, address)`, the provider's link on the next line."""
    place = _join(latitude, longitude)
    details = _join(name, address)
    if details:
        place = f"{place} ({details})"
    line = _("📍 Location: %(place)s") % {"place": place}
    return f"{line}\n{url}" if url else line


def contact_text(name: object, phones: list[str], emails: list[str], extra: object = "") -> str:
    """A shared contact card: `👤 Contact: name, phones, emails (organisation)`."""
    card = _join(name, *phones, *emails)
    if extra:
        card = f"{card} ({extra})"
    return _("👤 Contact: %(card)s") % {"card": card}


def quoted(inbox: Inbox, external_id: str, kind: str, sender: str) -> str:
    """The start of a message of this customer's conversations, to say which one a reaction or
    a deletion is about (empty when atiende has none with that id: another customer's message
    is never quoted)."""
    text = (
        Message.objects.by_external_id(inbox.pk, external_id[:255])
        .filter(
            conversation__contact__identities__kind=kind,
            conversation__contact__identities__value=normalize_identity(kind, sender),
        )
        .values_list("body_text", flat=True)
        .first()
    )
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:79] + "…"


def reaction_text(inbox: Inbox, emoji: str, external_id: str, kind: str, sender: str) -> str:
    about = quoted(inbox, external_id, kind, sender)
    if about:
        return _("[Reacted %(emoji)s to “%(message)s”]") % {"emoji": emoji, "message": about}
    return _("[Reacted %(emoji)s to a message]") % {"emoji": emoji}


def deleted_text(inbox: Inbox, external_id: str, kind: str, sender: str) -> str:
    about = quoted(inbox, external_id, kind, sender)
    if about:
        return _("[The customer deleted their message “%(message)s”]") % {"message": about}
    return _("[The customer deleted a message]")


def edited_text(text: str) -> str:
    return _("[Edited] %(text)s") % {"text": text}


def unsupported_text(channel: str, kind: str, detail: str = "") -> str:
    line = _(
        "[The customer sent a message of type “%(type)s” on %(channel)s, which atiende "
        "cannot show.]"
    ) % {"channel": channel, "type": kind or "?"}
    return f"{line} {detail}".strip()


class Batch:
    """One webhook delivery holds many items (Meta batches up to 1,000): each is read on its
    own, so a malformed one is reported without losing the others. A provider that cannot be
    reached right now (DeliveryError) still makes the whole delivery retry, after the other
    items are stored: they are not stored twice (the message's unique external id)."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.problems: list[str] = []
        self.retry: DeliveryError | None = None

    def each(self, items: Any, what: str) -> list[dict[str, Any]]:
        """The objects of a JSON list; anything else in it is reported (a non-list is no
        list of items: nothing to read)."""
        if not isinstance(items, list):
            return []
        for number, item in enumerate(items):
            if not isinstance(item, dict):
                self._bad(f"{what} #{number}", TypeError(f"not an object: {item!r}"[:200]))
        return [item for item in items if isinstance(item, dict)]

    def run(self, label: str, function: Callable[..., object], *args: Any) -> None:
        # No transaction around the item: it may wait for a provider's file, and
        # receive_message has its own.
        try:
            function(*args)
        except PermanentDeliveryError as exc:
            self._bad(label, exc)
        except DeliveryError as exc:
            self.retry = exc
        except Exception as exc:  # a malformed item: reported, the others go on
            self._bad(label, exc)

    def _bad(self, label: str, exc: Exception) -> None:
        problem = f"{label}: {type(exc).__name__}: {exc}"[:500]
        logger.error("inbox %s: webhook item not read: %s", self.inbox.pk, problem)
        self.problems.append(problem)

    def done(self) -> list[str]:
        if self.retry is not None:
            raise self.retry
        return self.problems
