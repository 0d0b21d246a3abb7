"""What the account provider answers with, and what actions return: plain, typed, frozen.

The same shapes come from the built-in provider and from the HTTP provider (whose JSON contract
in docs/accounts.md mirrors these fields). Money is `amount` in minor units + `currency`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal


@dataclass(frozen=True)
class AccountRef:
    """Which account at the provider: the provider's account id."""

    provider: str
    account_id: str


@dataclass(frozen=True)
class PlanInfo:
    code: str
    name: str
    price: int
    currency: str
    interval: str
    max_members: int
    requires_student_verification: bool
    list_price: int = 0


@dataclass(frozen=True)
class PaymentMethodInfo:
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    expired: bool


@dataclass(frozen=True)
class AccountSummary:
    """What an agent may see without the customer's grant."""

    account_id: str
    kind: str  # "subscription" or "exchange"
    plan: PlanInfo | None
    status: str  # active, past_due, paused, canceled, none
    renews_at: datetime | None
    cancel_at_period_end: bool
    paused_until: datetime | None
    last_payment: str  # succeeded, failed, none
    last_payment_at: datetime | None
    payment_method: PaymentMethodInfo | None
    credit_balance: int
    currency: str
    members: int
    withdrawals_frozen: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class InvoiceInfo:
    id: str
    number: str
    amount: int
    currency: str
    status: str
    description: str
    issued_at: datetime


@dataclass(frozen=True)
class InvoiceDocument:
    filename: str
    content_type: str
    body: str


@dataclass(frozen=True)
class ChargeInfo:
    id: str
    amount: int
    refunded: int
    currency: str
    status: str
    description: str
    card: str
    failure_reason: str
    created_at: datetime

    @property
    def refundable(self) -> int:
        return self.amount - self.refunded if self.status == "succeeded" else 0


@dataclass(frozen=True)
class RefundInfo:
    id: str
    charge_id: str
    amount: int
    currency: str
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class CreditInfo:
    id: str
    amount: int
    remaining: int
    currency: str
    reason: str
    expires_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class MemberInfo:
    email: str
    name: str
    added_at: datetime


@dataclass(frozen=True)
class ActivityInfo:
    id: str
    kind: str
    occurred_at: datetime
    is_error: bool
    device: str
    app_version: str
    country: str
    code: str
    message: str


@dataclass(frozen=True)
class TransactionInfo:
    id: str
    kind: str  # deposit, withdrawal, transfer
    status: str
    asset: str
    network: str
    amount: int  # base units of the asset
    decimals: int
    tx_hash: str
    confirmations: int
    required_confirmations: int
    address: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Proration:
    """A plan change mid-period: the unused part of the old price against the rest of the new."""

    days_left: int
    period_days: int
    old_price: int
    new_price: int
    amount: int  # positive: the customer pays now; negative: credited to the account
    # The new plan bills over another interval (a month against a year): the unused part of the
    # old price is credited and a whole new period of the new plan starts now.
    restarts_period: bool = False


@dataclass(frozen=True)
class Quote:
    """The provider's answer to "what would this action do": money and dates."""

    amount: int = 0  # positive: charged now; negative: refunded or credited
    currency: str = ""
    proration: Proration | None = None
    effective_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Applied:
    """The provider's answer once the action is done."""

    reference: str = ""  # the provider's id for what it created (refund, credit, charge...)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Preview:
    """What an action would do, shown before it is done."""

    verb: str
    title: str  # in the actor's language
    changes: list[str]  # in the actor's language
    amount: int  # positive: the customer pays; negative: refunded or credited
    currency: str
    proration: Proration | None
    customer_notice: str  # exactly what the customer will be told, in their language
    customer_language: str
    needs_approval: bool
    approval_reason: str
    needs_customer_confirmation: bool
    params: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


OutcomeStatus = Literal["done", "pending_approval", "awaiting_customer", "rejected"]


@dataclass(frozen=True)
class Outcome:
    """The result of a `do_*` action (the same for a replayed idempotency key)."""

    status: OutcomeStatus
    verb: str
    action_id: int
    approval_id: int | None = None
    reference: str = ""
    message: str = ""
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
