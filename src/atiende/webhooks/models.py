"""Webhook endpoints (where admins want events sent), deliveries (one event to one endpoint)
and attempts (each HTTP request made for a delivery: the log admins read)."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

WILDCARD = "*"


def new_secret() -> str:
    """256 bits from `secrets`, prefixed so a leaked one is recognisable in logs and scanners."""
    return f"whsec_{secrets.token_urlsafe(32)}"


class Endpoint(models.Model):
    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Event kinds sent to this endpoint (`kinds.KINDS`), or ["*"] for every one of them.
    kinds = models.JSONField(_("events"), default=list, blank=True)
    # Only events of this inbox's conversations (events without a conversation still go).
    inbox = models.ForeignKey(
        "inboxes.Inbox",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("inbox"),
    )
    include_notes = models.BooleanField(
        _("include internal notes"),
        default=False,
        help_text=_("Send message.created for agents' internal notes too."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    secret = models.CharField(_("signing secret"), max_length=200, default=new_secret)
    # After a rotation the previous secret also signs each request until it expires.
    previous_secret = models.CharField(_("previous secret"), max_length=200, blank=True)
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret valid until"), null=True, blank=True
    )
    # Deliveries that failed for good in a row (a success resets it).
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.TextField(_("why it was disabled"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, kind: str) -> bool:
        return WILDCARD in self.kinds or kind in self.kinds

    def signing_secrets(self, now: Any = None) -> list[str]:
        """The secrets that sign a request now: the current one, and the previous one until
        its grace period ends."""
        now = now or timezone.now()
        result = [self.secret]
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and expires > now:
            result.append(self.previous_secret)
        return result


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", pgettext_lazy("webhook delivery", "Failed")


class Delivery(models.Model):
    """One event for one endpoint. `uuid` is the `X-Atiende-Delivery` header; the body's `id`
    is the event's, the same for a redelivery (receivers de-duplicate on it)."""

    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.ForeignKey(
        "core.Event",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("event"),
    )
    kind = models.CharField(_("event"), max_length=64)
    # The JSON body exactly as sent: every attempt sends the same bytes.
    body = models.TextField(_("body"))
    # A redelivery or a test ping an admin asked for (not the automatic one of an event).
    manual = models.BooleanField(_("manual"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One automatic delivery per (endpoint, event): a repeated task finds it.
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=Q(manual=False),
                name="webhook_delivery_endpoint_event_unique",
            )
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.kind} → {self.endpoint_id} ({self.uuid})"


class Attempt(models.Model):
    """One HTTP request of a delivery, as the log shows it."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    status_code = models.PositiveIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The first kilobyte of what the receiver answered.
    response_body = models.TextField(_("response body"), blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhook_attempt_delivery_number_unique"
            )
        ]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
