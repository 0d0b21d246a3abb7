"""The built-in provider's billing data: plans, accounts, subscriptions, payment methods,
charges, invoices, refunds, credits and family members.

Money is always an integer amount in the currency's minor units plus an ISO 4217 code. Payment
methods keep the brand, the last four digits and the expiry only: never a card number.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Interval(models.TextChoices):
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class Plan(models.Model):
    """What a subscription can be on. `price` is per `interval`, in minor units."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    price = models.PositiveBigIntegerField(_("price"))
    currency = models.CharField(_("currency"), max_length=3)
    interval = models.CharField(
        _("interval"), max_length=8, choices=Interval.choices, default=Interval.MONTH
    )
    # The manager counts: Individual 1, Duo 2, Family 6.
    max_members = models.PositiveSmallIntegerField(_("members"), default=1)
    requires_student_verification = models.BooleanField(_("students only"), default=False)
    # The price before a discount (the Student plan shows what it saves); 0 when none.
    list_price = models.PositiveBigIntegerField(_("list price"), default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "price"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name


class AccountKind(models.TextChoices):
    SUBSCRIPTION = "subscription", _("Subscription")
    EXCHANGE = "exchange", _("Crypto exchange")


class Account(models.Model):
    """The business's customer account. `external_id` is the business's user id (what a signed
    chat identity carries); `email` is the address the account is registered with."""

    external_id = models.CharField(_("user id"), max_length=100, unique=True)
    email = models.EmailField(_("email"), db_index=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=AccountKind.choices, default=AccountKind.SUBSCRIPTION
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    student_verified_until = models.DateField(_("student verified until"), null=True, blank=True)
    withdrawals_frozen = models.BooleanField(_("withdrawals frozen"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")

    def __str__(self) -> str:
        return f"{self.external_id} <{self.email}>"


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Payment failed")
    PAUSED = "paused", _("Paused")
    CANCELED = "canceled", _("Cancelled")


class Subscription(models.Model):
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.ACTIVE,
    )
    current_period_start = models.DateTimeField(_("period start"))
    current_period_end = models.DateTimeField(_("renews"))
    cancel_at_period_end = models.BooleanField(_("cancels at period end"), default=False)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=40, blank=True)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    # The moment renewals count calendar months or years from (so 31 Jan renews on 28 Feb and
    # then 31 Mar, not 28 Mar); set by the first renewal, reset when the period moves otherwise.
    billing_anchor = models.DateTimeField(_("billing anchor"), null=True, blank=True)
    # Bumped by every change: a change computed from an older version is refused (no lost update).
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return f"{self.account_id}: {self.plan_id} ({self.status})"


class PaymentMethod(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="payment_methods")
    brand = models.CharField(_("brand"), max_length=20)
    last4 = models.CharField(_("last four digits"), max_length=4)
    exp_month = models.PositiveSmallIntegerField(_("expiry month"))
    exp_year = models.PositiveSmallIntegerField(_("expiry year"))
    is_default = models.BooleanField(_("default"), default=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"

    @property
    def expired(self) -> bool:
        now = timezone.now()
        return (self.exp_year, self.exp_month) < (now.year, now.month)


class InvoiceStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    OPEN = "open", _("Unpaid")
    VOID = "void", _("Void")


class Invoice(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(_("number"), max_length=40, unique=True)
    amount = models.PositiveBigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=8, choices=InvoiceStatus.choices, default=InvoiceStatus.PAID
    )
    description = models.CharField(_("description"), max_length=200)
    period_start = models.DateTimeField(_("period start"), null=True, blank=True)
    period_end = models.DateTimeField(_("period end"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")

    def __str__(self) -> str:
        return self.number


class ChargeStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")


class Charge(models.Model):
    """A payment taken from the customer. `refunded` only grows, and never beyond `amount`
    (a database constraint, and a conditional UPDATE in the refund path)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="charges")
    # The business's id for the charge (ingested updates are idempotent on it).
    external_id = models.CharField(_("charge id"), max_length=100, unique=True)
    amount = models.PositiveBigIntegerField(_("captured"))
    refunded = models.PositiveBigIntegerField(_("refunded"), default=0)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=12, choices=ChargeStatus.choices, default=ChargeStatus.SUCCEEDED
    )
    description = models.CharField(_("description"), max_length=200)
    card = models.CharField(_("card"), max_length=40, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="charges"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded__lte=F("amount")), name="charge_refund_within_captured"
            )
        ]
        verbose_name = _("charge")
        verbose_name_plural = _("charges")

    def __str__(self) -> str:
        return self.external_id

    @property
    def refundable(self) -> int:
        return self.amount - self.refunded if self.status == ChargeStatus.SUCCEEDED else 0


class Refund(models.Model):
    charge = models.ForeignKey(Charge, on_delete=models.CASCADE, related_name="refunds")
    amount = models.PositiveBigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # One refund per key: a retried or duplicated request finds the refund it already made.
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class Credit(models.Model):
    """Account credit that pays future invoices; `remaining` falls as it is used."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="credits")
    amount = models.PositiveBigIntegerField(_("amount"))
    remaining = models.PositiveBigIntegerField(_("remaining"))
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("credit")
        verbose_name_plural = _("credits")

    def __str__(self) -> str:
        return f"{self.remaining}/{self.amount} {self.currency}"


class FamilyMember(models.Model):
    """Someone on the manager's Duo or Family plan (the manager is the account itself)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="members")
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "email"], name="family_member_unique")
        ]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")

    def __str__(self) -> str:
        return self.email


class ProviderReceipt(models.Model):
    """What the built-in provider did for an idempotency key, written in the same transaction as
    the change itself: applying the same key again returns this instead of acting twice (the
    guarantee the HTTP contract asks of a business's back end)."""

    idempotency_key = models.CharField(max_length=200, unique=True)
    verb = models.CharField(max_length=40)
    reference = models.CharField(max_length=100, blank=True)
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("provider receipt")
        verbose_name_plural = _("provider receipts")

    def __str__(self) -> str:
        return f"{self.verb} {self.idempotency_key}"
