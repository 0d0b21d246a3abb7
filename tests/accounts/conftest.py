"""A small account world: Sonora's plans, a customer linked by a verified email, charges, the
agent, supervisor and admin who act on it, and the conversation they act from."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.accounts.models import (
    Account,
    AccountKind,
    Charge,
    CryptoTransaction,
    PaymentMethod,
    Plan,
    Subscription,
)
from atiende.conversations.models import Conversation
from atiende.people.models import Contact, ContactIdentity, IdentityKind, Role, User
from tests.factories import Factory

_keys = itertools.count(1)

PLANS = [
    ("free", "Free", 0, 1, False),
    ("individual", "Individual", 1099, 1, False),
    ("duo", "Duo", 1499, 2, False),
    ("family", "Family", 1799, 6, False),
    ("student", "Student", 599, 1, True),
]


def key(label: str = "k") -> str:
    return f"test-{label}-{next(_keys):06d}"


@dataclass
class AccountWorld:
    agent: User
    supervisor: User
    admin: User
    contact: Contact
    conversation: Conversation
    account: Account
    charge: Charge  # 1099 USD captured


def make_plans() -> dict[str, Plan]:
    return {
        code: Plan.objects.create(
            code=code,
            name=name,
            price=price,
            currency="USD",
            max_members=members,
            requires_student_verification=student,
            position=position,
        )
        for position, (code, name, price, members, student) in enumerate(PLANS)
    }


def link_account(
    contact: Contact, *, external_id: str, plan: Plan, kind: str = AccountKind.SUBSCRIPTION
) -> Account:
    identity = ContactIdentity.objects.filter(contact=contact, kind=IdentityKind.EMAIL).first()
    assert identity is not None
    identity.verified = True
    identity.save(update_fields=["verified"])
    account = Account.objects.create(
        external_id=external_id, email=identity.value, name=contact.name, currency="USD", kind=kind
    )
    now = timezone.now()
    Subscription.objects.create(
        account=account,
        plan=plan,
        current_period_start=now - timedelta(days=15),
        current_period_end=now + timedelta(days=15),
    )
    PaymentMethod.objects.create(
        account=account, brand="Visa", last4="4242", exp_month=12, exp_year=now.year + 2
    )
    return account


def build_world(factory: Factory, *, language: str = "en") -> AccountWorld:
    plans = make_plans()
    conversation = factory.conversation(email="maya@example.test")
    contact = conversation.contact
    if language != "en":
        Contact.objects.filter(pk=contact.pk).update(language=language)
        Conversation.objects.filter(pk=conversation.pk).update(language=language)
        contact.refresh_from_db()
        conversation.refresh_from_db()
    account = link_account(contact, external_id="user-1", plan=plans["individual"])
    charge = Charge.objects.create(
        account=account,
        external_id="ch_1",
        amount=1099,
        currency="USD",
        description="Sonora Individual",
        card="Visa •••• 4242",
    )
    return AccountWorld(
        agent=factory.user(Role.AGENT),
        supervisor=factory.user(Role.SUPERVISOR),
        admin=factory.user(Role.ADMIN),
        contact=contact,
        conversation=conversation,
        account=account,
        charge=charge,
    )


@pytest.fixture
def world(factory: Factory) -> AccountWorld:
    return build_world(factory)


@pytest.fixture
def exchange(factory: Factory, world: AccountWorld) -> tuple[Contact, Conversation, Account]:
    """A crypto-exchange customer with a pending withdrawal."""
    conversation = factory.conversation(email="amara@example.test")
    account = link_account(
        conversation.contact,
        external_id="kr-1",
        plan=Plan.objects.get(code="free"),
        kind=AccountKind.EXCHANGE,
    )
    CryptoTransaction.objects.create(
        account=account,
        external_id="tx-1",
        kind="withdrawal",
        status="pending",
        asset="BTC",
        network="bitcoin",
        amount=25_000_000,
        decimals=8,
    )
    return conversation.contact, conversation, account
