"""The chat channel's outbox adapter: an agent's reply reaches the visitor's open sockets, or,
when the visitor has gone and left an email, their mailbox.

`send()` runs in the worker (any process): it pushes the message frame through the channel
layer (Redis when scaled out) and reports "delivered" when a socket of the visitor is live. A
reply nobody reads is emailed later (`chat_email_unread`, a durable task), so a visitor who
closed the tab mid-conversation still gets the answer; the conversation continues by email and
in the portal.
"""

from __future__ import annotations

from django.conf import settings

from atiende.chat import limits, offline, presence
from atiende.chat.frames import public_messages
from atiende.chat.pushes import push_frame
from atiende.core import tasks
from atiende.inboxes.contract import Capabilities, DeliveryResult, OutboundMessage
from atiende.inboxes.models import Inbox


def unread_email_delay(live: bool) -> float:
    """How long a reply may stay unread before it is emailed: a connected visitor gets a few
    minutes to read it; one who has gone gets a short grace (a reconnecting page reads it)."""
    if live:
        return float(getattr(settings, "ATIENDE_CHAT_UNREAD_EMAIL_SECONDS", 300))
    return float(getattr(settings, "ATIENDE_CHAT_GONE_EMAIL_SECONDS", 30))


class ChatAdapter:
    kind = "chat"
    capabilities = Capabilities(
        attachments=True, html=True, max_length=limits.MAX_TEXT * 25, typing=True
    )
    # The outbox skips the "sending" mark (a push takes milliseconds; a retry pushes again),
    # and reads neither identity, thread nor attachments for it: the frame is built from the
    # stored message, and only the ids and the contact's email are used here.
    instant = True
    reads_stored_message = True

    def verify_signature(self, inbox: Inbox, headers: dict[str, str], body: bytes) -> bool:
        # No provider calls in: visitors authenticate with session tokens (chat/sessions.py).
        return False

    def send(
        self, inbox: Inbox, message: OutboundMessage, *, pushed: bool = False
    ) -> DeliveryResult:
        """`pushed`: the frame already went to the visitor's sockets after the reply's commit
        (`pushes.on_message_created`); otherwise (a retry, subscribers suspended) push it here."""
        if not pushed:
            stored = public_messages(message.conversation_id).filter(pk=message.message_id).first()
            if stored is not None:
                push_frame(stored)
        external_id = f"chat-{message.idempotency_key}"
        live = presence.is_live(message.conversation_id)
        if live or message.recipient_email:
            tasks.enqueue(
                offline.EMAIL_TASK,
                {"message_id": message.message_id},
                key=f"chat-unread:{message.idempotency_key}",
                delay=unread_email_delay(live),
            )
        return DeliveryResult(external_id=external_id, status="delivered" if live else "sent")
