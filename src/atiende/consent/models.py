"""Access grants: an agent's customer-approved, scope- and time-limited access to an account,
and the log of every read and action done under one."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Scope(models.TextChoices):
    ACTIVITY = "activity", _("Activity log")
    SETTINGS = "settings", _("Account settings")


class GrantStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the customer")
    ACTIVE = "active", pgettext_lazy("access grant", "Active")
    DENIED = "denied", _("Denied")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class Grant(models.Model):
    """One request for access and, once the customer approves it, the access itself.

    Whether a grant is in force is decided from `status` *and* `expires_at` on every request
    (`atiende.consent.grants.active_grant`), so expiry needs no job to take effect; the
    expiry task only records the event that tells the open pages and the customer.
    """

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_grants",
        verbose_name=_("agent"),
    )
    contact = models.ForeignKey(
        "people.Contact",
        on_delete=models.CASCADE,
        related_name="access_grants",
        verbose_name=_("customer"),
    )
    # db_constraint=False: a merged or deleted conversation leaves the grant's history intact.
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("conversation"),
    )
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    duration = models.DurationField(_("duration"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=GrantStatus.choices, default=GrantStatus.PENDING
    )
    # SHA-256 of the single-use approval token: the token itself is only ever in the link.
    token_hash = models.CharField(max_length=64, unique=True)
    token_used_at = models.DateTimeField(null=True, blank=True)
    # The public message that asked the customer (its chat quick-reply buttons answer it).
    request_message_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    request_expires_at = models.DateTimeField(_("request expires"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_by_contact = models.ForeignKey(
        "people.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Set only on the instance `request_grant` returns: the raw token, for the link.
    approval_token: str = ""

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["agent", "contact", "scope", "status"])]
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")

    def __str__(self) -> str:
        return f"grant #{self.pk} {self.scope} [{self.status}]"

    def in_force(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.status == GrantStatus.ACTIVE
            and self.expires_at is not None
            and self.expires_at > now
        )

    def effective_status(self, now: datetime | None = None) -> str:
        """The status as the customer and the agent should read it right now."""
        now = now or timezone.now()
        if self.status == GrantStatus.ACTIVE and not self.in_force(now):
            return GrantStatus.EXPIRED
        if self.status == GrantStatus.PENDING and self.request_expires_at <= now:
            return GrantStatus.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        return str(GrantStatus(self.effective_status()).label)

    def seconds_left(self, now: datetime | None = None) -> int:
        if not self.in_force(now) or self.expires_at is None:
            return 0
        return max(0, int((self.expires_at - (now or timezone.now())).total_seconds()))

    @property
    def time_left(self) -> str:
        """`H:MM:SS` until the grant ends (what the agent's banner counts down from)."""
        hours, rest = divmod(self.seconds_left(), 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


class GrantUse(models.Model):
    """A read or an action under a grant, shown to the customer in the portal.

    Every action is one row. Reads of the same thing (same `what` and `detail`) under the same
    grant within a short window share a row: `count` says how many, from `created_at` to
    `last_at` (`grants.record_use`).
    """

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="uses")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_at = models.DateTimeField(_("last time"), default=timezone.now)
    count = models.PositiveIntegerField(_("times"), default=1)
    what = models.CharField(_("what"), max_length=200)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("use of a grant")
        verbose_name_plural = _("uses of grants")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.what}"

    @property
    def is_read(self) -> bool:
        return self.what.endswith(".read")

    @property
    def repeated(self) -> bool:
        return self.count > 1
