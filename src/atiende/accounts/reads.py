"""Read models of a contact's account, from the configured provider.

These functions do not check who is asking: callers do. The summary (plan, status, renewal,
price, last payment state) may be shown to any agent who can see the contact; the activity log
and other detail need the customer's grant (checked by `atiende.consent` in its views and API).
A contact without a linked account gets `None` / empty lists.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from atiende.accounts.linking import account_for_contact
from atiende.accounts.provider import get_provider
from atiende.accounts.types import (
    AccountSummary,
    ActivityInfo,
    ChargeInfo,
    CreditInfo,
    InvoiceDocument,
    InvoiceInfo,
    MemberInfo,
    PlanInfo,
    RefundInfo,
    TransactionInfo,
)
from atiende.core.errors import NotFound
from atiende.people.models import Contact


def summary(contact: Contact) -> AccountSummary | None:
    provider = get_provider()
    ref = account_for_contact(contact, provider)
    return provider.summary(ref) if ref is not None else None


def plans() -> list[PlanInfo]:
    return get_provider().plans()


def invoices(contact: Contact) -> list[InvoiceInfo]:
    provider = get_provider()
    ref = account_for_contact(contact, provider)
    return provider.invoices(ref) if ref is not None else []


def invoice_document(contact: Contact, invoice_id: str) -> InvoiceDocument:
    """The invoice's document, only from the contact's own account."""
    provider = get_provider()
    ref = account_for_contact(contact, provider)
    if ref is None:
        raise NotFound(_("Invoice not found."))
    return provider.invoice_document(ref, invoice_id)


def charges(contact: Contact) -> list[ChargeInfo]:
    provider = get_provider()
    ref = account_for_contact(contact, provider)
    return provider.charges(ref) if ref is not None else []


def refunds(contact: Contact) -> list[RefundInfo]:
    provider = get_provider()
    ref = account_for_contact(contact, provider)
    return provider.refunds(ref) if ref is not None else []


def credits(contact: Contact) -> list[CreditInfo]:
    provider = get_provider()
    ref = account_for_contact(contact, provider)
    return provider.credits(ref) if ref is not None else []


def members(contact: Contact) -> list[MemberInfo]:
    provider = get_provider()
    ref = account_for_contact(contact, provider)
    return provider.members(ref) if ref is not None else []


def activity(
    contact: Contact,
    *,
    kinds: tuple[str, ...] = (),
    errors_only: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[ActivityInfo]:
    """The detailed activity log (errors, devices, logins, app versions, country), newest first."""
    provider = get_provider()
    ref = account_for_contact(contact, provider)
    if ref is None:
        return []
    return provider.activity(
        ref, kinds=kinds, errors_only=errors_only, since=since, until=until, limit=limit
    )


def transactions(contact: Contact) -> list[TransactionInfo]:
    """Crypto deposits, withdrawals and transfers with status, hash and confirmations."""
    provider = get_provider()
    ref = account_for_contact(contact, provider)
    return provider.transactions(ref) if ref is not None else []
