"""Social channels: Messenger, Instagram, WhatsApp, Telegram and X adapters."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "atiende.social"
    label = "social"
    verbose_name = _("Social channels")

    def ready(self) -> None:
        from atiende.inboxes import registry
        from atiende.social import (
            logs,
            webhook,  # noqa: F401 - registers the social_process task
        )
        from atiende.social.messenger import MessengerAdapter
        from atiende.social.telegram import TelegramAdapter
        from atiende.social.whatsapp import WhatsAppAdapter
        from atiende.social.x import XAdapter

        registry.register(WhatsAppAdapter())
        registry.register(MessengerAdapter("messenger"))
        registry.register(MessengerAdapter("instagram"))
        registry.register(TelegramAdapter())
        registry.register(XAdapter())
        logs.install()
