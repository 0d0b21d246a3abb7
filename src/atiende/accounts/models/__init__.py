"""The accounts app's tables.

`billing` and `activity` are the built-in account provider's own data (a business that keeps its
subscriptions in atiende, and the demo); `actions` is atiende's side of every account action,
whatever the provider: the idempotency record, supervisor approvals and single-use links.
"""

from atiende.accounts.models.actions import (
    AccountAction,
    ActionStatus,
    ApprovalRequest,
    ApprovalStatus,
    LinkPurpose,
    PspToken,
    SecureLink,
)
from atiende.accounts.models.activity import (
    ActivityEvent,
    CryptoTransaction,
    TransactionKind,
    TransactionStatus,
)
from atiende.accounts.models.billing import (
    Account,
    AccountKind,
    Charge,
    ChargeStatus,
    Credit,
    FamilyMember,
    Interval,
    Invoice,
    InvoiceStatus,
    PaymentMethod,
    Plan,
    ProviderReceipt,
    Refund,
    Subscription,
    SubscriptionStatus,
)

__all__ = [
    "Account",
    "AccountAction",
    "AccountKind",
    "ActionStatus",
    "ActivityEvent",
    "ApprovalRequest",
    "ApprovalStatus",
    "Charge",
    "ChargeStatus",
    "Credit",
    "CryptoTransaction",
    "FamilyMember",
    "Interval",
    "Invoice",
    "InvoiceStatus",
    "LinkPurpose",
    "PaymentMethod",
    "Plan",
    "ProviderReceipt",
    "PspToken",
    "Refund",
    "SecureLink",
    "Subscription",
    "SubscriptionStatus",
    "TransactionKind",
    "TransactionStatus",
]
