"""Secrets in conversations: never stored, indexed or logged; the customer warned in their
language; the conversation escalated; agents' replies that ask for secrets refused."""

from __future__ import annotations

import json

import pytest

from atiende.conversations.actions import receive_message, send_reply
from atiende.conversations.models import Direction, Message, Priority
from atiende.core.errors import ActionError
from atiende.core.masking import MASK
from atiende.core.models import Event
from atiende.inboxes.contract import InboundMessage
from atiende.people.models import Team
from atiende.search.models import SearchDocument
from tests.factories import Factory

PHRASE = "gravity open stadium emotion monitor innocent pool announce three tomato unit under"


def test_a_pasted_phrase_is_masked_everywhere_and_the_customer_warned(factory: Factory) -> None:
    security = Team.objects.create(name="Security", slug="security")
    inbox = factory.inbox()

    message = factory.inbound(
        inbox, email="mia@example.test", text=f"Support on Telegram asked for it: {PHRASE}"
    )

    conversation = message.conversation
    conversation.refresh_from_db()
    assert "stadium" not in message.body_text
    assert "stadium" not in message.body_html
    assert message.body_text.count(MASK) == 12
    stored = " ".join(Message.objects.values_list("body_text", flat=True))
    indexed = " ".join(SearchDocument.objects.values_list("text", flat=True))
    logged = json.dumps(list(Event.objects.values_list("data", flat=True)))
    for place in (stored, indexed, logged):
        assert "stadium" not in place
        assert "tomato" not in place
    assert conversation.priority == Priority.URGENT
    assert conversation.team == security
    assert "secret-removed" in conversation.tags.values_list("name", flat=True)
    event = Event.objects.get(kind="message.secret_masked")
    assert event.data["kinds"] == ["recovery_phrase"]
    assert event.data["checksum_valid"] is True
    warning = conversation.messages.get(direction=Direction.OUTBOUND)
    assert warning.author_user is None  # automatic: marked so on the way out
    assert "treat that wallet as compromised" in warning.body_text


def test_the_warning_speaks_the_customers_language(factory: Factory) -> None:
    inbox = factory.inbox()

    result = receive_message(
        InboundMessage(
            inbox_id=inbox.pk,
            identity_kind="email",
            identity_value="lucia@example.test",
            language="es",
            text=f"Mi frase semilla es {PHRASE}",
        )
    )

    warning = result.conversation.messages.get(direction=Direction.OUTBOUND)
    assert "frase de recuperación" in warning.body_text


def test_a_card_number_is_masked_without_escalating_to_security(factory: Factory) -> None:
    inbox = factory.inbox()

    message = factory.inbound(inbox, text="Charge my card 4111 1111 1111 1111 please")

    conversation = message.conversation
    conversation.refresh_from_db()
    assert message.body_text == f"Charge my card {MASK} 1111 please"
    assert conversation.priority == Priority.NORMAL
    warning = conversation.messages.get(direction=Direction.OUTBOUND)
    assert "card number" in warning.body_text


def test_ordinary_messages_are_untouched(factory: Factory) -> None:
    message = factory.inbound(factory.inbox(), text="My withdrawal of 0.5 BTC is pending")

    assert message.body_text == "My withdrawal of 0.5 BTC is pending"
    assert not Event.objects.filter(kind="message.secret_masked").exists()
    assert message.conversation.messages.count() == 1


def test_a_reply_asking_for_a_secret_is_refused_and_nothing_is_stored(factory: Factory) -> None:
    agent = factory.user()
    message = factory.inbound(factory.inbox())

    with pytest.raises(ActionError, match="We never ask for these"):
        send_reply(agent, message.conversation, text="Please send me your seed phrase to verify.")

    assert message.conversation.messages.count() == 1
    reply = send_reply(agent, message.conversation, text="We will never ask for your seed phrase.")
    assert reply.direction == Direction.OUTBOUND
