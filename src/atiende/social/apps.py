"""Social channels: Messenger, Instagram, WhatsApp, X and Telegram adapters."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "atiende.social"
    label = "social"
    verbose_name = _("Social channels")
