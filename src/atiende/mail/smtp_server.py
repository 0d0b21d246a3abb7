"""Our inbound SMTP server (aiosmtpd): mail forwarded or relayed to atiende lands in `ingest()`.

RCPT TO is matched against the addresses of active email inboxes (plus-addresses included);
unknown recipients get 550. After DATA, the message is ingested once per recipient inbox in a
worker thread, and `250` is answered only after every `ingest()` returned, so a `250` always
means a durable row (SECURITY.md I1); any failure answers `451`, and the sender tries again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import connections

from atiende.inboxes.models import ChannelKind, Inbox
from atiende.mail import config
from atiende.mail.pipeline import ingest

logger = logging.getLogger(__name__)


def base_address(address: str) -> str:
    """`support+c42.token@Example.com` -> `support@example.com`."""
    local, at, domain = address.strip().strip("<>").lower().rpartition("@")
    if not at:
        return ""
    return f"{local.split('+', 1)[0]}@{domain}"


def inbox_for(address: str) -> Inbox | None:
    """The active email inbox this recipient address belongs to."""
    wanted = base_address(address)
    if not wanted:
        return None
    try:
        for inbox in Inbox.objects.filter(channel=ChannelKind.EMAIL, is_active=True):
            if config.address(inbox) == wanted:
                return inbox
        return None
    finally:
        # Worker threads come and go: each closes the connection it opened.
        connections.close_all()


def ingest_for_recipients(inbox_ids: list[int], raw: bytes) -> list[int]:
    """Store `raw` for each inbox; returns the RawEmail ids (runs in a worker thread)."""
    try:
        source_key = f"smtp:{hashlib.sha256(raw).hexdigest()}"
        stored = []
        for inbox in Inbox.objects.filter(pk__in=inbox_ids).order_by("pk"):
            stored.append(ingest(inbox, raw, source="smtp", source_key=source_key).pk)
        return stored
    finally:
        connections.close_all()


class InboundHandler:
    """aiosmtpd handler: recipients to inboxes, then durable ingestion before `250`."""

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        try:
            inbox = await asyncio.to_thread(inbox_for, address)
        except Exception:
            logger.exception("could not look up recipient %s", address)
            return "451 4.3.0 Temporary failure, try again later"
        if inbox is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        inbox_ids: list[int] = getattr(envelope, "atiende_inboxes", [])
        if inbox.pk not in inbox_ids:
            inbox_ids.append(inbox.pk)
        envelope.atiende_inboxes = inbox_ids  # type: ignore[attr-defined]
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        inbox_ids: list[int] = getattr(envelope, "atiende_inboxes", [])
        if not inbox_ids:
            return "554 5.5.1 No valid recipients"
        try:
            stored = await asyncio.to_thread(ingest_for_recipients, inbox_ids, raw)
        except Exception:
            logger.exception("could not store a message from %s", envelope.mail_from)
            return "451 4.3.0 Temporary failure, try again later"
        return f"250 2.0.0 Stored as {' '.join(str(item) for item in stored)}"


def controller(host: str, port: int, **smtp_options: Any) -> Controller:
    """A started-on-demand aiosmtpd server in a thread (the command and the tests use it)."""
    return Controller(
        InboundHandler(),
        hostname=host,
        port=port,
        data_size_limit=config.max_message_bytes(),
        enable_SMTPUTF8=True,
        ident="atiende ESMTP",
        **smtp_options,
    )
