"""The accounts part of the Sonora demo (registered with `atiende.demo.extensions`).

Sonora's Help-form customers get built-in accounts linked by their email identity (marked
verified, as if each had signed in to the portal once): plans on the five tiers, card payments,
invoices and an activity log. The two portal customers carry the stories worth opening: the
first manages a Family plan and was charged twice this month; the second is a student whose card
expired and whose last payment failed. A second brand, "Kripto" (a crypto exchange, its own
inbox), has one customer asking where her withdrawal is.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import translation
from django.utils.formats import date_format

from atiende.accounts.models import (
    Account,
    AccountKind,
    ActivityEvent,
    Charge,
    ChargeStatus,
    CryptoTransaction,
    FamilyMember,
    Invoice,
    PaymentMethod,
    Plan,
    Subscription,
    SubscriptionStatus,
    TransactionKind,
    TransactionStatus,
)
from atiende.people.models import ContactIdentity, IdentityKind

CURRENCY = "USD"
# code, name, price (minor units), members, students only, list price
PLANS = [
    ("free", "Free", 0, 1, False, 0),
    ("individual", "Individual", 1099, 1, False, 0),
    ("duo", "Duo", 1499, 2, False, 0),
    ("family", "Family", 1799, 6, False, 0),
    ("student", "Student", 599, 1, True, 1099),
]
FAMILY_ID = "snr-user-1001"
STUDENT_ID = "snr-user-1002"
# The chat demo's signed-in visitor (atiende.chat.demo): her verified user id links her chats.
CHAT_USER_ID = "sonora-user-1001"
CHAT_USER = ("Rosa Martínez", "rosa.martinez@example.test")
KRIPTO_ID = "kr-user-7001"
KRIPTO_EMAIL = "amara.osei@example.net"
KINDS = [
    ("playback_error", True),
    ("device_sync", False),
    ("login", False),
    ("app_update", False),
    ("device_sync", True),
]


def register() -> None:
    from atiende.demo import extensions

    extensions.register("accounts", load=load, sign_in=sign_in, order=20)


def create_plans() -> dict[str, Plan]:
    plans = {}
    for position, (code, name, price, members, student, list_price) in enumerate(PLANS):
        plans[code] = Plan.objects.create(
            code=code,
            name=name,
            price=price,
            currency=CURRENCY,
            max_members=members,
            requires_student_verification=student,
            list_price=list_price,
            position=position,
        )
    return plans


def load(builder: Any) -> None:
    from atiende.demo.loader import API_FIRST, DemoBuilder

    rng: random.Random = builder.rng
    now: datetime = builder.now
    plans = create_plans()
    customers = DemoBuilder().customers()[:API_FIRST]
    emails = {customer.email: customer for customer in customers}
    identities = ContactIdentity.objects.filter(kind=IdentityKind.EMAIL, value__in=list(emails))
    linked = {identity.value for identity in identities}
    identities.update(verified=True)
    for number, customer in enumerate(customers):
        if customer.email not in linked:
            continue
        plan_code = "family" if number == 0 else "student" if number == 1 else customer.plan
        external_id = {0: FAMILY_ID, 1: STUDENT_ID}.get(number, f"snr-user-{2000 + number}")
        account = Account.objects.create(
            external_id=external_id,
            email=customer.email,
            name=customer.name,
            currency=CURRENCY,
            country="ES" if customer.language == "es" else rng.choice(["US", "GB", "IE", "CA"]),
            student_verified_until=(now + timedelta(days=200)).date() if number == 1 else None,
            created_at=now - timedelta(days=rng.randint(200, 900)),
        )
        build_subscription(account, plans[plan_code], number, rng, now, customer.language)
        build_activity(account, number, rng, now)
    load_chat_user(plans["duo"], rng, now)
    load_kripto(builder)


def load_chat_user(plan: Plan, rng: random.Random, now: datetime) -> None:
    """Rosa, who signs in to the chat demo: a Duo plan, and device syncs failing on her tablet."""
    name, email = CHAT_USER
    account = Account.objects.create(
        external_id=CHAT_USER_ID,
        email=email,
        name=name,
        currency=CURRENCY,
        country="ES",
        created_at=now - timedelta(days=500),
    )
    build_subscription(account, plan, 2, rng, now)
    FamilyMember.objects.create(account=account, email="pablo.martinez@example.test", name="Pablo")
    build_activity(account, 0, rng, now)


def build_subscription(
    account: Account,
    plan: Plan,
    number: int,
    rng: random.Random,
    now: datetime,
    language: str = "en",
) -> None:
    start = now - timedelta(days=rng.randint(3, 25))
    expired_card = number == 1
    Subscription.objects.create(
        account=account,
        plan=plan,
        status=SubscriptionStatus.PAST_DUE if expired_card else SubscriptionStatus.ACTIVE,
        current_period_start=start,
        current_period_end=start + timedelta(days=30),
    )
    year = now.year - 1 if expired_card else now.year + rng.randint(1, 4)
    card = PaymentMethod.objects.create(
        account=account,
        brand=rng.choice(["Visa", "Mastercard"]),
        last4=f"{rng.randint(0, 9999):04d}",
        exp_month=rng.randint(1, 12),
        exp_year=year,
    )
    if plan.price == 0:
        return
    for month in range(3, -1, -1):
        issued = start - timedelta(days=30 * month)
        failed = expired_card and month == 0
        invoice = Invoice.objects.create(
            account=account,
            number=f"SNR-{account.pk:04d}-{issued:%Y%m%d}",
            amount=plan.price,
            currency=CURRENCY,
            description=invoice_description(plan, issued, language),
            period_start=issued,
            period_end=issued + timedelta(days=30),
            issued_at=issued,
            status="open" if failed else "paid",
        )
        copies = 2 if number == 0 and month == 0 else 1  # the double charge
        for copy in range(copies):
            Charge.objects.create(
                account=account,
                external_id=f"ch_{account.external_id}_{issued:%Y%m%d}_{copy}",
                amount=plan.price,
                currency=CURRENCY,
                status=ChargeStatus.FAILED if failed else ChargeStatus.SUCCEEDED,
                failure_reason="expired_card" if failed else "",
                description=invoice.description,
                card=str(card),
                invoice=invoice,
                created_at=issued + timedelta(minutes=3 * copy),
            )
    if number == 0:
        for name, email in [
            ("Ana", "ana.family@example.com"),
            ("Leo", "leo.family@example.com"),
            ("Mia", "mia.family@example.com"),
        ]:
            FamilyMember.objects.create(account=account, email=email, name=name)


def invoice_description(plan: Plan, issued: datetime, language: str) -> str:
    """ "Sonora Family, November 2026", the month in the customer's language."""
    with translation.override(language):
        return f"Sonora {plan.name}, {date_format(issued, 'YEAR_MONTH_FORMAT')}"


def build_activity(account: Account, number: int, rng: random.Random, now: datetime) -> None:
    from atiende.demo import data

    count = 40 if number < 2 else 6
    devices = [*data.DEVICES["android"], *data.DEVICES["ios"], *data.DEVICES["desktop"]]
    rows = []
    for index in range(count):
        kind, error = rng.choice(KINDS)
        device = rng.choice(devices)
        rows.append(
            ActivityEvent(
                account=account,
                event_id=f"ev_{account.external_id}_{index}",
                kind=kind,
                is_error=error,
                occurred_at=now - timedelta(hours=rng.uniform(1, 24 * 14)),
                device=device,
                app_version=rng.choice(data.APP_VERSIONS),
                country=account.country,
                code=rng.choice(data.ERROR_CODES) if error else "",
                message=_activity_message(kind, error, device),
            )
        )
    ActivityEvent.objects.bulk_create(rows)


def _activity_message(kind: str, error: bool, device: str) -> str:
    if kind == "playback_error":
        return f"Playback stopped on {device}: stream could not be decoded"
    if kind == "device_sync":
        return f"Offline library sync on {device} " + ("failed" if error else "completed")
    if kind == "login":
        return f"Signed in on {device}"
    return f"App updated on {device}"


def load_kripto(builder: Any) -> None:
    """Kripto, a crypto exchange that shares the support team: one customer, her withdrawal."""
    from atiende.conversations.actions import receive_message
    from atiende.conversations.models import Conversation, Message
    from atiende.inboxes.contract import InboundMessage
    from atiende.inboxes.models import ChannelKind, Inbox

    now: datetime = builder.now
    inbox = Inbox.objects.create(
        name="Kripto support",
        channel=ChannelKind.WEBFORM,
        language="en",
        config={"from_email": "support@kripto.example"},
    )
    builder.inboxes["kripto"] = inbox
    received = receive_message(
        InboundMessage(
            inbox_id=inbox.pk,
            identity_kind=IdentityKind.EMAIL,
            identity_value=KRIPTO_EMAIL,
            identity_verified=True,
            email=KRIPTO_EMAIL,
            name="Amara Osei",
            subject="Where is my withdrawal?",
            text=(
                "Hi, I withdrew 0.25 BTC to my hardware wallet two hours ago and it still has "
                "not arrived. The app says pending. Where is it?"
            ),
            language="en",
            new_conversation=True,
        )
    )
    # Like the core demo's conversations: written a while ago, every timestamp consistent.
    asked = now - timedelta(minutes=90)
    Message.objects.filter(pk=received.message.pk).update(created_at=asked)
    Conversation.objects.filter(pk=received.conversation.pk).update(
        created_at=asked, updated_at=asked, last_message_at=asked
    )
    account = Account.objects.create(
        external_id=KRIPTO_ID,
        email=KRIPTO_EMAIL,
        name="Amara Osei",
        kind=AccountKind.EXCHANGE,
        country="GH",
        currency="USD",
        created_at=now - timedelta(days=420),
    )
    rows = [
        ("deposit", "completed", "BTC", "bitcoin", 40_000_000, 8, 6, 6, now - timedelta(days=9)),
        (
            "deposit",
            "completed",
            "ETH",
            "ethereum",
            2 * 10**18,
            18,
            64,
            64,
            now - timedelta(days=6),
        ),
        ("transfer", "completed", "USDT", "tron", 250_000_000, 6, 0, 0, now - timedelta(days=3)),
        (
            "withdrawal",
            "confirming",
            "BTC",
            "bitcoin",
            25_000_000,
            8,
            2,
            6,
            now - timedelta(hours=2),
        ),
        (
            "withdrawal",
            "pending",
            "ETH",
            "ethereum",
            5 * 10**17,
            18,
            0,
            64,
            now - timedelta(minutes=40),
        ),
    ]
    for index, (kind, status, asset, network, amount, decimals, seen, needed, when) in enumerate(
        rows
    ):
        broadcast = status != TransactionStatus.PENDING and kind != TransactionKind.TRANSFER
        CryptoTransaction.objects.create(
            account=account,
            external_id=f"kr_tx_{index + 1}",
            kind=kind,
            status=status,
            asset=asset,
            network=network,
            amount=amount,
            decimals=decimals,
            tx_hash=builder.rng.randbytes(32).hex() if broadcast else "",
            confirmations=seen,
            required_confirmations=needed,
            address=f"bc1q{builder.rng.randbytes(16).hex()}" if asset == "BTC" else "",
            created_at=when,
            updated_at=when + timedelta(minutes=5),
        )


STORIES = [
    (FAMILY_ID, "{name} <{email}>: Family plan manager, charged twice this month"),
    (STUDENT_ID, "{name} <{email}>: Student plan, card expired, last payment failed"),
    (CHAT_USER_ID, "{name}, the chat demo's signed-in visitor (user id {id}): Duo plan"),
    (KRIPTO_ID, "Kripto (crypto exchange): {name} <{email}> asks where her BTC withdrawal is"),
]


def sign_in() -> list[str]:
    accounts = {
        item.external_id: item
        for item in Account.objects.filter(external_id__in=[key for key, _text in STORIES])
    }
    lines = ["Customer accounts (built-in provider, linked by verified identity):"]
    for key, text in STORIES:
        if key in accounts:
            account = accounts[key]
            lines.append("  " + text.format(name=account.name, email=account.email, id=key))
    return lines
