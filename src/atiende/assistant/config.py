"""The answer bot's settings: per inbox (`inbox.config["answer_bot"]`) and per installation
(generative answers from `ATIENDE_LLM_URL` / `ATIENDE_LLM_MODEL`)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from atiende.assistant.phrases import sensitive_terms
from atiende.core import events
from atiende.inboxes.models import Inbox
from atiende.people.models import User

CONFIG_KEY = "answer_bot"


@dataclass(frozen=True)
class BotConfig:
    enabled: bool
    # The sensitive intents that go straight to people in this inbox (default: all of them).
    sensitive_intents: tuple[str, ...]


def bot_config(inbox: Inbox) -> BotConfig:
    raw = inbox.config.get(CONFIG_KEY) if isinstance(inbox.config, dict) else None
    raw = raw if isinstance(raw, dict) else {}
    known = tuple(sensitive_terms())
    chosen = raw.get("sensitive_intents")
    intents = tuple(name for name in chosen if name in known) if isinstance(chosen, list) else known
    return BotConfig(enabled=bool(raw.get("enabled", False)), sensitive_intents=intents)


def update_bot_config(
    actor: User, inbox: Inbox, *, enabled: bool, sensitive_intents: list[str]
) -> Inbox:
    """Turn the bot on or off for an inbox (admins only: checked by the caller's view)."""
    known = set(sensitive_terms())
    intents = [name for name in sensitive_intents if name in known]
    with transaction.atomic():
        inbox = Inbox.objects.select_for_update().get(pk=inbox.pk)
        config = dict(inbox.config) if isinstance(inbox.config, dict) else {}
        config[CONFIG_KEY] = {"enabled": enabled, "sensitive_intents": intents}
        inbox.config = config
        inbox.save(update_fields=["config"])
        events.record(
            "assistant.settings_changed",
            actor_user=actor,
            data={"inbox_id": inbox.pk, "enabled": enabled, "sensitive_intents": intents},
            publish=False,
        )
    return inbox


@dataclass(frozen=True)
class LLMConfig:
    url: str
    model: str
    api_key: str
    timeout: float


def llm_config() -> LLMConfig | None:
    """The chat-completions endpoint for generative answers, or None (the default: off)."""
    url = getattr(settings, "ATIENDE_LLM_URL", "") or os.environ.get("ATIENDE_LLM_URL", "")
    if not url:
        return None
    model = getattr(settings, "ATIENDE_LLM_MODEL", "") or os.environ.get("ATIENDE_LLM_MODEL", "")
    api_key = getattr(settings, "ATIENDE_LLM_API_KEY", "") or os.environ.get(
        "ATIENDE_LLM_API_KEY", ""
    )
    timeout = float(
        getattr(settings, "ATIENDE_LLM_TIMEOUT", 0) or os.environ.get("ATIENDE_LLM_TIMEOUT", "10")
    )
    return LLMConfig(url=url, model=model or "default", api_key=api_key, timeout=timeout)
