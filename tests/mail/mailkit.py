"""Mail for the email tests: messages built like a mail client would, and real SMTP servers on
127.0.0.1 (our inbound server, and a relay that records what atiende sends)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.utils import timezone

from atiende.inboxes.models import ChannelKind, Inbox
from atiende.mail.smtp_server import controller as inbound_controller
from tests.factories import Factory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def mail(
    sender: str = "ana@example.org",
    to: str = "support@atiende.test",
    subject: str = "My playlist is gone",
    text: str = "Hello, my playlist disappeared this morning.",
    *,
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    """An RFC 5322 message as bytes; `message_id=""` leaves the header out."""
    email = EmailMessage(policy=policy.default.clone(max_line_length=998))
    email["From"] = sender
    email["To"] = to
    email["Subject"] = subject
    email["Date"] = format_datetime(timezone.now())
    if message_id is None:
        message_id = make_msgid(domain="example.org")
    if message_id:
        email["Message-ID"] = message_id
    if in_reply_to:
        email["In-Reply-To"] = in_reply_to
    if references:
        email["References"] = references
    email.set_content(text)
    for filename, content_type, content in attachments:
        maintype, _slash, subtype = content_type.partition("/")
        email.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    for name, value in (headers or {}).items():  # after the body: set_content drops Content-*
        email[name] = value
    return email.as_bytes()


def email_inbox(factory: Factory, relay_port: int | None = None, **config: Any) -> Inbox:
    settings: dict[str, Any] = {"address": "support@atiende.test", "display_name": "Sonora"}
    if relay_port is not None:
        settings["smtp"] = {"host": "127.0.0.1", "port": relay_port, "security": "none"}
    settings.update(config)
    return factory.inbox(channel=ChannelKind.EMAIL, config=settings)


@dataclass
class Relay:
    """An SMTP relay that records every message, or answers every DATA with `reply`."""

    reply: str = ""
    received: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.reply:
            return self.reply
        raw = envelope.original_content or b""
        parsed = message_from_bytes(bytes(raw), policy=policy.default)
        with self.lock:
            self.received.append(parsed)
            self.raw.append(bytes(raw))
            self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 OK queued"


@contextlib.contextmanager
def relay(reply: str = "") -> Iterator[tuple[Relay, int]]:
    """A recording SMTP relay on a free port, stopped on exit."""
    handler = Relay(reply=reply)
    port = free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield handler, port
    finally:
        server.stop()


@contextlib.contextmanager
def inbound_server() -> Iterator[int]:
    """Our own inbound SMTP server (atiende.mail.smtp_server) on a free port."""
    port = free_port()
    server = inbound_controller("127.0.0.1", port)
    server.start()
    try:
        yield port
    finally:
        server.stop()
