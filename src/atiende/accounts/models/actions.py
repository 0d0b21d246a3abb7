"""atiende's side of account actions, whatever the provider: one `AccountAction` per
idempotency key (the unique constraint makes a duplicated request harmless), the supervisor
approval it may wait for, and single-use links sent to customers (update the card, confirm a
withdrawal freeze). The fake card processor's vault lives here too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


def localized_title(data: Mapping[str, Any]) -> str:
    """An action's title in the reader's language: `titles` holds one per language the site
    speaks (written when the action was asked for); `title` is the asker's, for older rows."""
    titles = data.get("titles")
    if isinstance(titles, Mapping):
        language = get_language() or "en"
        for code in (language, language.split("-")[0]):
            if titles.get(code):
                return str(titles[code])
    return str(data.get("title") or "")


class ActionStatus(models.TextChoices):
    RUNNING = "running", _("In progress")
    DONE = "done", _("Done")
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
    AWAITING_CUSTOMER = "awaiting_customer", _("Waiting for the customer")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


class AccountAction(models.Model):
    """One requested action on a customer's account (change plan, refund, ...)."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    verb = models.CharField(_("action"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict)
    # SHA-256 of the canonical parameters: the same key with other parameters is refused.
    params_digest = models.CharField(max_length=64)
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, related_name="account_actions"
    )
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_actions",
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_actions",
    )
    actor_contact = models.ForeignKey(
        "people.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="self_service_actions",
    )
    account_id = models.CharField(_("account"), max_length=100)
    status = models.CharField(_("status"), max_length=20, choices=ActionStatus.choices)
    # Money moved by the action (refunds, credits), for the per-customer policy windows.
    amount = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    result = models.JSONField(default=dict)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account_id", "verb", "created_at"], name="account_action_window")
        ]
        verbose_name = _("account action")
        verbose_name_plural = _("account actions")

    def __str__(self) -> str:
        return f"{self.verb} #{self.pk} ({self.status})"

    @property
    def title(self) -> str:
        """What the action does, in the reader's language (e.g. "Refund $5.00")."""
        return localized_title(self.result) or self.verb


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", pgettext_lazy("approval request", "Expired")


class ApprovalRequest(models.Model):
    """An action above the requester's limit (or a sensitive one), waiting for a supervisor."""

    action = models.OneToOneField(AccountAction, on_delete=models.CASCADE, related_name="approval")
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    reason = models.CharField(_("why approval is needed"), max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # After this nobody may approve it (`ATIENDE_APPROVAL_MAX_AGE`); empty on rows made before
    # approvals expired: they count from `created_at`.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")

    def __str__(self) -> str:
        return f"approval #{self.pk} ({self.status})"


class LinkPurpose(models.TextChoices):
    PAYMENT_METHOD = "payment_method", _("Update the payment method")
    CONFIRM_ACTION = "confirm_action", _("Confirm an account action")


class SecureLink(models.Model):
    """A single-use, expiring link sent to the customer. Only the SHA-256 of its 256-bit token is
    stored; the token is in the URL the customer received and nowhere else."""

    purpose = models.CharField(max_length=20, choices=LinkPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="+")
    account_id = models.CharField(max_length=100)
    action = models.ForeignKey(
        AccountAction, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # An HTTP provider's own card page: shown (by redirect) only to the verified customer.
    handoff_url = models.URLField(max_length=2000, blank=True)
    # The one-time code that proves the customer holds the account's verified email (payment
    # links): its HMAC, when it stops working, wrong tries, how many were sent.
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    codes_sent = models.PositiveSmallIntegerField(default=0)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    # Set by `update_payment_method`: the unpaid invoices the new card paid.
    paid_invoices: list[str] = []  # replaced per instance, never mutated

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("secure link")
        verbose_name_plural = _("secure links")

    def __str__(self) -> str:
        return f"{self.purpose} link #{self.pk}"


class PspToken(models.Model):
    """The fake card processor's vault: what a card token stands for. The card number itself is
    never stored; the token is single-use."""

    token = models.CharField(max_length=80, unique=True)
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    used = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("card token")
        verbose_name_plural = _("card tokens")

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"
