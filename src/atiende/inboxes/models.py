"""An inbox is one configured instance of a channel: a form, an API source, an address..."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    WEBFORM = "webform", _("Help form")
    API = "api", _("API")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Live chat")
    MESSENGER = "messenger", _("Messenger")
    INSTAGRAM = "instagram", _("Instagram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    X = "x", _("X")
    TELEGRAM = "telegram", _("Telegram")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Inbox(models.Model):
    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=16, choices=ChannelKind.choices)
    default_team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default team"),
    )
    language = models.CharField(_("default language"), max_length=10, default="en")
    is_active = models.BooleanField(_("active"), default=True)
    # Channel settings (addresses, provider ids). Secrets for signatures live in `secret`.
    config = models.JSONField(_("configuration"), default=dict, blank=True)
    secret = models.CharField(_("signing secret"), max_length=200, default=new_secret)
    # The previous secret stays valid during a rotation.
    previous_secret = models.CharField(_("previous secret"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")

    def __str__(self) -> str:
        return self.name
