"""Social channel records: each inbox's provider credentials, and the raw webhook deliveries.

Credentials live in their own table, not in `Inbox.config`, so that no page that shows an
inbox's configuration shows a token. A webhook delivery is stored raw before the provider gets
its 200 (SECURITY.md I1) under a unique (inbox, key), so a redelivery stores nothing twice.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende.inboxes.models import ChannelKind, Inbox

SOCIAL_CHANNELS = (
    ChannelKind.WHATSAPP,
    ChannelKind.MESSENGER,
    ChannelKind.INSTAGRAM,
    ChannelKind.TELEGRAM,
    ChannelKind.X,
)


class ChannelCredentials(models.Model):
    """What a social inbox needs to talk to its provider; never shown back in full."""

    inbox = models.OneToOneField(
        Inbox, on_delete=models.CASCADE, related_name="social_credentials", verbose_name=_("inbox")
    )
    # WhatsApp: a system user's token; Messenger and Instagram: the page token; Telegram: the
    # bot token; X: the account's OAuth 1.0a access token.
    access_token = models.CharField(_("access token"), max_length=500, blank=True)
    # X: the OAuth 1.0a access token secret and the app's consumer (API) key.
    access_token_secret = models.CharField(_("access token secret"), max_length=200, blank=True)
    consumer_key = models.CharField(_("consumer key"), max_length=200, blank=True)
    # Meta: the app secret that signs webhooks (X-Hub-Signature-256); X: the consumer secret
    # (CRC, x-twitter-webhooks-signature, OAuth). The previous one stays valid while it is being
    # changed.
    app_secret = models.CharField(_("app secret"), max_length=200, blank=True)
    previous_app_secret = models.CharField(_("previous app secret"), max_length=200, blank=True)
    # Meta: the token typed in the app dashboard for the subscription handshake.
    verify_token = models.CharField(_("verify token"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("channel credentials")
        verbose_name_plural = _("channel credentials")

    def __str__(self) -> str:
        return str(self.inbox)


class EventStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class WebhookEvent(models.Model):
    """One webhook delivery as the provider sent it, processed by the worker."""

    inbox = models.ForeignKey(
        Inbox, on_delete=models.CASCADE, related_name="+", verbose_name=_("inbox")
    )
    # The provider's update id (Telegram) or the SHA-256 of the body (Meta): a redelivery of
    # the same webhook meets the unique constraint.
    key = models.CharField(_("key"), max_length=100)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=16, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    error = models.TextField(_("error"), blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["inbox", "key"], name="social_event_inbox_key_unique")
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.inbox_id}:{self.key}"


class SocialInboxManager(models.Manager["SocialInbox"]):
    def get_queryset(self) -> models.QuerySet[SocialInbox]:
        return super().get_queryset().filter(channel__in=SOCIAL_CHANNELS)


class SocialInbox(Inbox):
    """The social inboxes, as their own admin page (credentials, connection test)."""

    objects: ClassVar[SocialInboxManager] = SocialInboxManager()

    class Meta:
        proxy = True
        verbose_name = _("social inbox")
        verbose_name_plural = _("social inboxes")
