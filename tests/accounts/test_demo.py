"""The accounts part of the demo: Sonora's portal customers linked to their accounts with the
stories worth opening, and Kripto's customer asking where her withdrawal is."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from atiende.accounts import demo, reads
from atiende.accounts.models import Charge, CryptoTransaction, Invoice
from atiende.demo import data
from atiende.demo.loader import DemoBuilder
from atiende.people.lookup import contact_for_identity
from atiende.people.models import Contact, ContactIdentity, IdentityKind
from tests.factories import Factory


@dataclass
class Builder:
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    now: Any = field(default_factory=lambda: timezone.now().replace(microsecond=0))
    inboxes: dict[str, Any] = field(default_factory=dict)


def test_demo_accounts(factory: Factory) -> None:
    family_customer, student_customer = DemoBuilder().customers()[:2]
    family_contact = factory.contact(email=family_customer.email)
    student_contact = factory.contact(email=student_customer.email)

    demo.load(Builder())

    family = reads.summary(family_contact)
    student = reads.summary(student_contact)
    assert family is not None
    assert student is not None
    assert (family.plan.code if family.plan else "", family.members) == ("family", 4)
    charges = Charge.objects.filter(account__external_id=demo.FAMILY_ID)
    latest = charges.order_by("-created_at")[:2]
    assert [charge.amount for charge in latest] == [1799, 1799]  # the double charge
    assert (student.status, student.last_payment) == ("past_due", "failed")
    assert student.payment_method is not None
    assert student.payment_method.expired is True
    assert any(
        event.is_error for event in reads.activity(family_contact, kinds=("playback_error",))
    )

    # Invoices speak the customer's language (the Spanish student's said "November 2026").
    assert (family_customer.language, student_customer.language) == ("en", "es")
    patterns = {
        "en": rf"^Sonora Family, ({'|'.join(data.MONTHS['en'])}) \d{{4}}$",
        "es": rf"^Sonora Student, ({'|'.join(data.MONTHS['es'])}) de \d{{4}}$",
    }
    for external_id, language in [(demo.FAMILY_ID, "en"), (demo.STUDENT_ID, "es")]:
        descriptions = Invoice.objects.filter(account__external_id=external_id).values_list(
            "description", flat=True
        )
        assert len(descriptions) == 4
        for text in descriptions:
            assert re.match(patterns[language], text), text

    kripto = contact_for_identity("email", demo.KRIPTO_EMAIL)
    assert isinstance(kripto, Contact)
    withdrawals = [item for item in reads.transactions(kripto) if item.kind == "withdrawal"]
    assert {item.status for item in withdrawals} == {"confirming", "pending"}
    assert CryptoTransaction.objects.count() == 5
    lines = demo.sign_in()
    assert family_customer.email in lines[1]
    assert demo.CHAT_USER_ID in lines[3]
    assert "Kripto" in lines[4]


def test_the_chat_demo_visitor_links_by_her_signed_user_id(factory: Factory) -> None:
    rosa = factory.contact(email="rosa.chat@example.test")
    ContactIdentity.objects.create(
        contact=rosa, kind=IdentityKind.USER, value=demo.CHAT_USER_ID, verified=True
    )

    demo.load(Builder())

    summary = reads.summary(rosa)
    assert summary is not None
    assert summary.plan is not None
    assert (summary.plan.code, summary.members) == ("duo", 2)
