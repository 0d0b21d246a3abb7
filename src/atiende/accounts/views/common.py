"""What the agent-side account views share: the conversation (checked: 404 for one the agent
may not see), the linked account, and everything the panel shows about it.

Every fragment decides access anew from the database: the conversation through
`access_conversation_by_id`, the grant through `consent.grants.active_grant`. Nothing is cached
between requests, so a revoked or expired grant shows nothing on the next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from atiende.accounts.linking import account_for_contact
from atiende.accounts.money import format_money
from atiende.accounts.provider import AccountProvider, get_provider
from atiende.accounts.types import AccountRef, AccountSummary
from atiende.consent import grants
from atiende.consent.models import Grant, GrantStatus, Scope
from atiende.conversations.access import access_conversation_by_id
from atiende.conversations.models import Conversation
from atiende.conversations.views.common import agent
from atiende.core.errors import ActionError, NotFound
from atiende.people.lookup import surviving
from atiende.people.models import Contact, User


def load(request: HttpRequest, conversation_id: int) -> tuple[User, Conversation]:
    user = agent(request)
    try:
        return user, access_conversation_by_id(user, conversation_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


@dataclass
class Account:
    """The linked account of a conversation's customer, as far as the agent may see it."""

    contact: Contact
    provider: AccountProvider | None = None
    ref: AccountRef | None = None
    summary: AccountSummary | None = None
    error: str = ""
    grants: dict[str, Grant] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.summary.kind if self.summary else ""


def linked(conversation: Conversation) -> Account:
    contact = surviving(conversation.contact)
    account = Account(contact=contact)
    try:
        provider = get_provider()
        ref = account_for_contact(contact, provider)
        account.provider = provider
        account.ref = ref
        if ref is not None:
            account.summary = provider.summary(ref)
    except ActionError as exc:
        # The provider is down or refused: the panel says so and the page still works.
        account.error = exc.detail
    return account


def grants_in_force(user: User, contact: Contact) -> dict[str, Grant]:
    found: dict[str, Grant] = {}
    for scope in Scope.values:
        grant = grants.active_grant(user, contact, scope)
        if grant is not None:
            found[scope] = grant
    return found


def pending_requests(user: User, contact: Contact) -> list[Grant]:
    return [
        grant
        for grant in Grant.objects.filter(
            agent=user, contact=contact, status=GrantStatus.PENDING
        ).order_by("-requested_at")[:5]
        if grant.effective_status() == GrantStatus.PENDING
    ]


def grant_context(user: User, conversation: Conversation, account: Account) -> dict[str, Any]:
    in_force = grants_in_force(user, account.contact)
    account.grants = in_force
    return {
        "grants_in_force": list(in_force.values()),
        "activity_grant": in_force.get(Scope.ACTIVITY),
        "settings_grant": in_force.get(Scope.SETTINGS),
        "pending_grants": pending_requests(user, account.contact),
    }


STATUS_LABELS = {
    "active": _("Active"),
    "past_due": _("Past due"),
    "paused": _("Paused"),
    "canceled": _("Cancelled"),
    "trialing": _("Trial"),
    "none": _("No subscription"),
}
PAYMENT_LABELS = {
    "succeeded": _("Paid"),
    "failed": _("Failed"),
    "pending": _("Pending"),
    "none": _("No payments yet"),
}
TRANSACTION_KINDS = {
    "deposit": _("Deposit"),
    "withdrawal": _("Withdrawal"),
    "transfer": pgettext_lazy("transaction kind", "Transfer"),
}


def present_summary(summary: AccountSummary | None) -> dict[str, Any]:
    """The summary with its money and states already in words (the templates only print)."""
    if summary is None:
        return {}
    plan = summary.plan
    return {
        "price": format_money(plan.price, plan.currency, get_language() or "en") if plan else "",
        "status_label": STATUS_LABELS.get(summary.status, summary.status),
        "payment_label": PAYMENT_LABELS.get(summary.last_payment, summary.last_payment),
        "credit": format_money(summary.credit_balance, summary.currency, get_language() or "en")
        if summary.credit_balance
        else "",
    }
