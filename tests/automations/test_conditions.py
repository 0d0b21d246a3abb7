"""Each condition on a conversation received through `receive_message`."""

from __future__ import annotations

from typing import Any

import pytest

from atiende.assistant.models import Category, Triage
from atiende.automations.conditions import holds
from atiende.automations.models import Rule, Trigger
from atiende.conversations import actions
from atiende.conversations.models import Conversation
from atiende.people.models import Role
from tests.factories import Factory


@pytest.fixture
def conversation(factory: Factory) -> Conversation:
    billing = factory.team("Billing")
    inbox = factory.inbox(channel="chat", team=billing, language="es")
    conversation = factory.conversation(
        inbox, email="ana@Sonora.example", text="¿Dónde está mi FACTURA? Es urgente."
    )
    actions.tag(factory.user(role=Role.SUPERVISOR), conversation, add=["VIP"])
    return conversation


def check(conversation: Conversation, **conditions: Any) -> bool:
    return holds(Rule(name="Check", trigger=Trigger.CREATED, **conditions), conversation)


@pytest.mark.django_db
def test_no_condition_holds_always(conversation: Conversation) -> None:
    assert check(conversation)


@pytest.mark.django_db
def test_channel_inbox_status_priority_language_team(
    conversation: Conversation, factory: Factory
) -> None:
    assert check(conversation, channel="chat")
    assert not check(conversation, channel="email")
    assert check(conversation, inbox=conversation.inbox)
    assert not check(conversation, inbox=factory.inbox())
    assert check(conversation, status="new")
    assert not check(conversation, status="open")
    assert check(conversation, priority="normal")
    assert not check(conversation, priority="high")
    assert check(conversation, language="ES")
    assert not check(conversation, language="en")
    assert check(conversation, team=conversation.team)
    assert not check(conversation, team=factory.team("Sales"))


@pytest.mark.django_db
def test_tags(conversation: Conversation) -> None:
    assert check(conversation, has_tag="vip")
    assert not check(conversation, has_tag="billing")
    assert check(conversation, lacks_tag="billing")
    assert not check(conversation, lacks_tag=" VIP ")


@pytest.mark.django_db
def test_words_fold_case_and_accents_and_stand_on_their_own(conversation: Conversation) -> None:
    assert check(conversation, words="factura")
    assert check(conversation, words="refund\ndonde esta")
    assert check(conversation, words="reembolso, URGENTE")
    assert not check(conversation, words="fact, urgen")
    assert check(conversation, words="reembolso", status="new") is False


@pytest.mark.django_db
def test_contact_email_domain(conversation: Conversation) -> None:
    assert check(conversation, email_domains="other.test, @sonora.example")
    assert not check(conversation, email_domains="example")


@pytest.mark.django_db
def test_category_from_triage(conversation: Conversation) -> None:
    billing = Category.objects.create(slug="billing", name="Billing")
    other = Category.objects.create(slug="shipping", name="Shipping")
    assert not check(conversation, category=billing)
    Triage.objects.create(conversation=conversation, category=billing)

    assert check(conversation, category=billing)
    assert not check(conversation, category=other)
