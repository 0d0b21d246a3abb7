"""The one contract every channel adapter implements.

An adapter only translates: provider format -> `InboundMessage`, `OutboundMessage` -> provider
call, plus the provider's signature check and what the channel can carry. Business rules
(contacts, threading, de-duplication, status, routing) live once in the core actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from atiende.inboxes.models import Inbox


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content: bytes
    declared_type: str = ""
    # Inline parts (e.g. an email's cid: image) keep their content id.
    content_id: str = ""


@dataclass(frozen=True)
class InboundMessage:
    """A customer's message as any channel delivers it."""

    inbox_id: int
    identity_kind: str
    identity_value: str
    text: str = ""
    html: str = ""
    # The provider's id for this message: (inbox, external_id) is the de-duplication key.
    external_id: str = ""
    name: str = ""
    email: str = ""
    subject: str = ""
    language: str = ""
    sent_at: datetime | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    # A conversation the channel already knows this message belongs to (portal, threading).
    conversation_id: int | None = None
    # Always open a new conversation (a new Help form request, a new email subject).
    new_conversation: bool = False
    # A message for a closed conversation reopens it instead of opening a linked follow-up
    # (an email inbox's `closed_reply: reopen`).
    reopen_closed: bool = False
    identity_verified: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboundAttachment:
    filename: str
    content_type: str
    path: str
    size: int


@dataclass(frozen=True)
class OutboundMessage:
    """A reply on its way out. `idempotency_key` is stable across retries of the same reply."""

    message_id: int
    idempotency_key: str
    conversation_id: int
    identity_kind: str
    identity_value: str
    recipient_name: str
    recipient_email: str
    subject: str
    text: str
    html: str
    language: str
    attachments: tuple[OutboundAttachment, ...] = ()
    # External ids of earlier messages in the thread, oldest first (email References).
    thread_external_ids: tuple[str, ...] = ()
    # Sent by atiende itself (an acknowledgement), not written by an agent: channels mark it so
    # that peers do not answer it automatically (SECURITY.md I4).
    automatic: bool = False


@dataclass(frozen=True)
class DeliveryResult:
    external_id: str = ""
    # "sent" when the provider accepted it; "delivered" when the channel confirms delivery.
    status: str = "sent"


@dataclass(frozen=True)
class Capabilities:
    attachments: bool = True
    html: bool = False
    max_length: int | None = None
    typing: bool = False
    # Whether the channel can carry a reply at all (the API channel is read by integrators).
    outbound: bool = True
    # A public network where impostors write to customers too (SECURITY.md, anti-impersonation):
    # replies end with a line saying what the team never asks for (`outbox.SAFETY_NOTICE`).
    safety_notice: bool = False


class DeliveryError(Exception):
    """The provider refused or could not be reached; the outbox retries with backoff."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (address rejected, message too long); give up at once."""


@runtime_checkable
class ChannelAdapter(Protocol):
    kind: str
    capabilities: Capabilities

    def verify_signature(self, inbox: Inbox, headers: dict[str, str], body: bytes) -> bool:
        """True when the request really comes from the provider (checked over the raw body)."""
        ...

    def send(self, inbox: Inbox, message: OutboundMessage) -> DeliveryResult:
        """Hand one reply to the provider. Raise DeliveryError to retry."""
        ...
