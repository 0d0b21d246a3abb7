"""The built-in account provider: accounts kept in atiende's own database (the embedded
default, and the demo). Reads in reads.py, quotes in quotes.py, writes in writes.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from atiende.accounts.builtin import reads, writes
from atiende.accounts.builtin.quotes import quote
from atiende.accounts.models import Account
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

NAME = "builtin"


class BuiltinProvider:
    name = NAME

    def find_account(self, *, user_id: str = "", email: str = "") -> AccountRef | None:
        if user_id:
            account = Account.objects.filter(external_id=user_id).first()
        elif email:
            account = Account.objects.filter(email__iexact=email).order_by("pk").first()
        else:
            account = None
        return AccountRef(NAME, account.external_id) if account is not None else None

    def summary(self, ref: AccountRef) -> AccountSummary:
        return reads.summary(ref)

    def plans(self) -> list[PlanInfo]:
        return reads.plans()

    def invoices(self, ref: AccountRef) -> list[InvoiceInfo]:
        return reads.invoices(ref)

    def invoice_document(self, ref: AccountRef, invoice_id: str) -> InvoiceDocument:
        return reads.invoice_document(ref, invoice_id)

    def charges(self, ref: AccountRef) -> list[ChargeInfo]:
        return reads.charges(ref)

    def refunds(self, ref: AccountRef) -> list[RefundInfo]:
        return reads.refunds(ref)

    def credits(self, ref: AccountRef) -> list[CreditInfo]:
        return reads.credits(ref)

    def members(self, ref: AccountRef) -> list[MemberInfo]:
        return reads.members(ref)

    def activity(
        self,
        ref: AccountRef,
        *,
        kinds: tuple[str, ...] = (),
        errors_only: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 200,
    ) -> list[ActivityInfo]:
        return reads.activity(
            ref, kinds=kinds, errors_only=errors_only, since=since, until=until, limit=limit
        )

    def transactions(self, ref: AccountRef) -> list[TransactionInfo]:
        return reads.transactions(ref)

    def quote(self, ref: AccountRef, verb: str, params: dict[str, Any]) -> Quote:
        return quote(reads.account_of(ref), verb, params)

    def apply(
        self, ref: AccountRef, verb: str, params: dict[str, Any], *, idempotency_key: str
    ) -> Applied:
        return writes.apply(ref, verb, params, idempotency_key)
