"""The account provider: one interface the core calls for everything about a customer's account.

Two implementations: the built-in provider (`accounts/builtin/`, tables in this database: the
embedded default and the demo) and the HTTP provider (`accounts/http_provider.py`, a business's
own back end speaking the JSON contract in docs/accounts.md). `get_provider()` picks the HTTP one
when `ATIENDE_ACCOUNT_PROVIDER_URL` is set.

Actions go through two generic calls, `quote(ref, verb, params)` (what would happen, what it
costs) and `apply(ref, verb, params, idempotency_key=...)` (do it, exactly once per key), so a
new action is one more verb, not one more method on every provider.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings

from atiende.accounts.types import (
    AccountRef,
    AccountSummary,
    ActivityInfo,
    Applied,
    ChargeInfo,
    CreditInfo,
    InvoiceDocument,
    InvoiceInfo,
    MemberInfo,
    PlanInfo,
    Quote,
    RefundInfo,
    TransactionInfo,
)

VERBS = (
    "change_plan",
    "send_payment_link",
    "pause",
    "resume",
    "cancel",
    "refund",
    "grant_credit",
    "add_family_member",
    "remove_family_member",
    "freeze_withdrawals",
    "unfreeze_withdrawals",
)


class AccountProvider(Protocol):
    """What atiende needs from whoever keeps the customers' accounts."""

    name: str

    def find_account(self, *, user_id: str = "", email: str = "") -> AccountRef | None: ...

    def summary(self, ref: AccountRef) -> AccountSummary: ...

    def plans(self) -> list[PlanInfo]: ...

    def invoices(self, ref: AccountRef) -> list[InvoiceInfo]: ...

    def invoice_document(self, ref: AccountRef, invoice_id: str) -> InvoiceDocument: ...

    def charges(self, ref: AccountRef) -> list[ChargeInfo]: ...

    def refunds(self, ref: AccountRef) -> list[RefundInfo]: ...

    def credits(self, ref: AccountRef) -> list[CreditInfo]: ...

    def members(self, ref: AccountRef) -> list[MemberInfo]: ...

    def activity(
        self,
        ref: AccountRef,
        *,
        kinds: tuple[str, ...] = (),
        errors_only: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 200,
    ) -> list[ActivityInfo]: ...

    def transactions(self, ref: AccountRef) -> list[TransactionInfo]: ...

    def quote(self, ref: AccountRef, verb: str, params: dict[str, Any]) -> Quote: ...

    def apply(
        self, ref: AccountRef, verb: str, params: dict[str, Any], *, idempotency_key: str
    ) -> Applied: ...


def provider_url() -> str:
    return str(
        getattr(settings, "ATIENDE_ACCOUNT_PROVIDER_URL", "")
        or os.environ.get("ATIENDE_ACCOUNT_PROVIDER_URL", "")
    ).strip()


def get_provider() -> AccountProvider:
    """The configured provider: HTTP when `ATIENDE_ACCOUNT_PROVIDER_URL` is set, else built-in."""
    url = provider_url()
    if url:
        from atiende.accounts.http_provider import HttpProvider

        return HttpProvider.from_settings(url)
    from atiende.accounts.builtin import BuiltinProvider

    return BuiltinProvider()
