"""Reply tokens: a conversation id signed with the inbox secret, carried in our Message-IDs and,
with plus addressing, in the Reply-To address (`support+c42.<token>@example.com`).

A token is trusted only after its HMAC verifies with the inbox's current or previous secret, so a
sender cannot steer a mail into a conversation by guessing ids.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid

from atiende.inboxes.models import Inbox
from atiende.mail import config

TOKEN_LENGTH = 26  # 130 bits of the HMAC, base32, lower case

MESSAGE_ID = re.compile(r"^atiende\.c(\d{1,18})\.([a-z2-7]{26})\.[0-9a-f]{32}@", re.ASCII)
PLUS_ADDRESS = re.compile(r"^[^@+]+\+c(\d{1,18})\.([a-z2-7]{26})@", re.ASCII)


def _sign(secret: str, conversation_id: int) -> str:
    digest = hmac.new(secret.encode(), f"mail-reply:c{conversation_id}".encode(), hashlib.sha256)
    return base64.b32encode(digest.digest()).decode().lower()[:TOKEN_LENGTH]


def token(inbox: Inbox, conversation_id: int) -> str:
    return _sign(inbox.secret, conversation_id)


def verify(inbox: Inbox, conversation_id: int, candidate: str) -> bool:
    secrets = [inbox.secret, inbox.previous_secret]
    return any(
        secret and hmac.compare_digest(_sign(secret, conversation_id), candidate)
        for secret in secrets
    )


def message_id(inbox: Inbox, conversation_id: int, idempotency_key: str) -> str:
    """Our Message-ID for one outbound message, normalised (no angle brackets).

    Deterministic from the message's idempotency key: a retried delivery reuses it, so the
    receiving side can de-duplicate.
    """
    unique = uuid.UUID(idempotency_key).hex if _is_uuid(idempotency_key) else _hex(idempotency_key)
    signed = token(inbox, conversation_id)
    return f"atiende.c{conversation_id}.{signed}.{unique}@{config.domain(inbox)}"


def reply_address(inbox: Inbox, conversation_id: int) -> str:
    """`support+c42.<token>@example.com` for the inbox address `support@example.com`."""
    local, _, domain = config.address(inbox).partition("@")
    return f"{local}+c{conversation_id}.{token(inbox, conversation_id)}@{domain}"


def conversation_from_message_id(inbox: Inbox, normalised_id: str) -> int | None:
    return _verified(inbox, MESSAGE_ID.match(normalised_id.lower()))


def conversation_from_address(inbox: Inbox, address: str) -> int | None:
    return _verified(inbox, PLUS_ADDRESS.match(address.lower()))


def _verified(inbox: Inbox, match: re.Match[str] | None) -> int | None:
    if match is None:
        return None
    conversation_id = int(match.group(1))
    return conversation_id if verify(inbox, conversation_id, match.group(2)) else None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]
