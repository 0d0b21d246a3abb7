"""The shapes the email modules hand each other (parsing, pipeline, threading, IMAP, SMTP)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content: bytes
    declared_type: str
    # Set for inline parts referenced from the HTML as cid:<content_id>.
    content_id: str = ""
    inline: bool = False


@dataclass(frozen=True)
class ParsedEmail:
    """What `atiende.mail.parse.parse_email(raw)` extracts from one RFC 5322 message."""

    message_id: str  # normalised: without <>, lower-cased domain part; "" when absent
    in_reply_to: tuple[str, ...]  # normalised ids
    references: tuple[str, ...]  # normalised ids, oldest first
    from_address: str  # the customer: Reply-To, else From, else Sender (lower-cased)
    from_name: str
    to_addresses: tuple[str, ...]
    cc_addresses: tuple[str, ...]
    subject: str  # decoded (RFC 2047), whitespace-collapsed
    date: datetime | None
    text: str  # the new text only: quoted history and signature removed
    html: str  # the full HTML part as sent (sanitised later by the core), "" when none
    full_text: str  # the whole text body, quoted history included (viewable by agents)
    attachments: tuple[ParsedAttachment, ...]
    language: str = ""  # from Content-Language when present
    # Loop and bulk signals (SECURITY.md I4).
    auto_submitted: bool = False  # Auto-Submitted other than "no", X-Autoreply, X-Autorespond
    bulk: bool = False  # Precedence bulk/list/junk, List-Id, List-Unsubscribe
    from_robot: bool = False  # mailer-daemon, postmaster, no-reply / noreply addresses
    empty_return_path: bool = False  # Return-Path: <>
    is_report: bool = False  # multipart/report (DSN, MDN)
    # For bounces (multipart/report; report-type=delivery-status): the original Message-ID,
    # the failed recipients and the status code, when they can be read.
    bounce_original_id: str = ""
    bounce_recipients: tuple[str, ...] = ()
    bounce_status: str = ""
    bounce_action: str = ""  # "failed", "delayed", ... of the first recipient reported
    headers: dict[str, str] = field(default_factory=dict)  # a few raw headers, for display
    defects: tuple[str, ...] = ()  # what the parser complained about

    @property
    def should_not_autoreply(self) -> bool:
        return (
            self.auto_submitted
            or self.bulk
            or self.from_robot
            or self.empty_return_path
            or self.is_report
        )
