"""Email channel settings: per-inbox configuration (Inbox.config) and process-wide limits.

Process-wide values come from Django settings when set there, else from the environment, and
are read when used, never at import time. `ATIENDE_EMAIL_INBOXES` describes inboxes to create
or update (`python -m atiende configure_email_inboxes`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from atiende.inboxes.models import Inbox

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
SECURITY_CHOICES = ("starttls", "ssl", "none")


def _setting(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    if value is not None:
        return str(value)
    return os.environ.get(name, default)


def max_message_bytes() -> int:
    """Larger messages are still stored, then quarantined unread."""
    return int(_setting("ATIENDE_EMAIL_MAX_BYTES", str(DEFAULT_MAX_BYTES)))


def thread_window_days() -> int:
    """How long a same-subject mail joins the contact's earlier conversation."""
    return int(_setting("ATIENDE_EMAIL_THREAD_DAYS", "14"))


def autoreplies_per_day() -> int:
    """The per-sender circuit breaker (SECURITY.md I4)."""
    return int(_setting("ATIENDE_EMAIL_AUTOREPLIES_PER_DAY", "3"))


def max_attempts() -> int:
    """Processing attempts before a raw email is quarantined (SECURITY.md I3)."""
    return int(_setting("ATIENDE_EMAIL_MAX_ATTEMPTS", "3"))


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str
    password: str
    security: str  # starttls | ssl | none
    timeout: float


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    username: str
    password: str
    security: str  # ssl | starttls | none


def address(inbox: Inbox) -> str:
    return str(inbox.config.get("address", "")).strip().lower()


def display_name(inbox: Inbox) -> str:
    return str(inbox.config.get("display_name") or inbox.name)


def domain(inbox: Inbox) -> str:
    """The domain of the inbox address: our Message-IDs end in it."""
    own = address(inbox)
    return own.rpartition("@")[2] or "atiende.invalid"


def plus_addressing(inbox: Inbox) -> bool:
    return bool(inbox.config.get("plus_addressing", False))


CLOSED_REPLY_CHOICES = ("follow_up", "reopen")


def closed_reply(inbox: Inbox) -> str:
    """What a reply to a closed conversation does: open a linked follow-up, or reopen it."""
    value = str(inbox.config.get("closed_reply", "follow_up"))
    return value if value in CLOSED_REPLY_CHOICES else "follow_up"


def auto_acknowledge(inbox: Inbox) -> bool:
    return bool(inbox.config.get("auto_acknowledge", False))


def smtp(inbox: Inbox) -> SmtpConfig | None:
    raw = inbox.config.get("smtp")
    if not isinstance(raw, dict) or not raw.get("host"):
        return None
    security = str(raw.get("security", "starttls"))
    default_port = {"ssl": 465, "starttls": 587}.get(security, 25)
    return SmtpConfig(
        host=str(raw["host"]),
        port=int(raw.get("port") or default_port),
        username=str(raw.get("username", "")),
        password=str(raw.get("password", "")),
        security=security if security in SECURITY_CHOICES else "starttls",
        timeout=float(raw.get("timeout", 30)),
    )


def imap(inbox: Inbox) -> ImapConfig | None:
    raw = inbox.config.get("imap")
    if not isinstance(raw, dict) or not raw.get("host"):
        return None
    security = str(raw.get("security", "ssl"))
    return ImapConfig(
        host=str(raw["host"]),
        port=int(raw.get("port") or (993 if security == "ssl" else 143)),
        username=str(raw.get("username", "")),
        password=str(raw.get("password", "")),
        security=security if security in SECURITY_CHOICES else "ssl",
    )


class ConfigError(ValueError):
    """ATIENDE_EMAIL_INBOXES is not what docs/email.md describes."""


@dataclass(frozen=True)
class InboxSpec:
    """One entry of ATIENDE_EMAIL_INBOXES."""

    address: str
    name: str
    language: str
    config: dict[str, Any]


def inbox_specs(value: str | None = None) -> list[InboxSpec]:
    """Parse ATIENDE_EMAIL_INBOXES (a JSON list of objects with at least `address`)."""
    text = value if value is not None else _setting("ATIENDE_EMAIL_INBOXES", "[]")
    try:
        entries = json.loads(text or "[]")
    except json.JSONDecodeError as exc:
        raise ConfigError(_("ATIENDE_EMAIL_INBOXES is not valid JSON: %s") % exc) from exc
    if not isinstance(entries, list):
        raise ConfigError(_("ATIENDE_EMAIL_INBOXES must be a JSON list."))
    specs = []
    for entry in entries:
        if not isinstance(entry, dict) or "@" not in str(entry.get("address", "")):
            raise ConfigError(_('Every email inbox needs an "address": %s') % entry)
        entry = dict(entry)
        own = str(entry.pop("address")).strip().lower()
        name = str(entry.pop("name", "") or own)
        language = str(entry.pop("language", "") or "en")
        security = (
            entry.get("smtp", {}).get("security") if isinstance(entry.get("smtp"), dict) else None
        )
        if security is not None and security not in SECURITY_CHOICES:
            raise ConfigError(_("Unknown SMTP security %s (starttls, ssl or none).") % security)
        specs.append(InboxSpec(address=own, name=name, language=language, config=entry))
    return specs
