"""What the social adapters share: credentials, the customer-service window, received files,
and the delivery statuses providers report for our replies."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.conversations import attachments as attachment_store
from atiende.conversations.models import Conversation, DeliveryStatus, Direction, Message
from atiende.core import events
from atiende.core.errors import ActionError
from atiende.inboxes.contract import InboundAttachment, PermanentDeliveryError
from atiende.inboxes.models import Inbox
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
