"""The built-in provider's activity log and crypto transactions, as the business's back end
reports them (ingested through the API, idempotent on the business's own ids)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from atiende.accounts.models.billing import Account


class ActivityEvent(models.Model):
    """One thing that happened in the customer's account: an error, a device sync, a login..."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="activity")
    # The business's event id: posting the same event twice stores it once.
    event_id = models.CharField(_("event id"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    occurred_at = models.DateTimeField(_("when"))
    is_error = models.BooleanField(_("error"), default=False)
    device = models.CharField(_("device"), max_length=100, blank=True)
    app_version = models.CharField(_("app version"), max_length=40, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    code = models.CharField(_("code"), max_length=60, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["account", "-occurred_at"], name="activity_account_time")]
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")

    def __str__(self) -> str:
        return f"{self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class TransactionKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    TRANSFER = "transfer", pgettext_lazy("transaction kind", "Transfer")


class TransactionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMING = "confirming", _("Confirming")
    COMPLETED = "completed", _("Completed")
    ON_HOLD = "on_hold", _("On hold")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Cancelled")


class CryptoTransaction(models.Model):
    """A deposit, withdrawal or transfer on an exchange account. `amount` is in the asset's base
    units (satoshi for BTC: `decimals` = 8), so no float ever holds money."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="transactions")
    external_id = models.CharField(_("transaction id"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=TransactionKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=TransactionStatus.choices)
    asset = models.CharField(_("asset"), max_length=12)
    network = models.CharField(_("network"), max_length=40)
    amount = models.PositiveBigIntegerField(_("amount"))
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=8)
    tx_hash = models.CharField(_("transaction hash"), max_length=100, blank=True)
    confirmations = models.PositiveIntegerField(_("confirmations"), default=0)
    required_confirmations = models.PositiveIntegerField(_("confirmations needed"), default=0)
    address = models.CharField(_("address"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("crypto transaction")
        verbose_name_plural = _("crypto transactions")

    def __str__(self) -> str:
        return self.external_id
