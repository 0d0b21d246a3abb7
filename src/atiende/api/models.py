"""API tokens: only a SHA-256 hash of each token is stored, with a short prefix for display."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token for integrations. It acts as `user`, with that agent's permissions."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("agent"),
    )
    # Not secret: the first characters of the token, so a person can tell tokens apart.
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    # Hex SHA-256 of the whole token; the token itself is shown once and never stored.
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or self.user})"
