"""SECURITY.md's anti-impersonation line: every reply on a social network ends with what the
support team never asks for, in the customer's language; a reply the channel cannot carry with
it is refused when the agent sends it, not later at delivery. Email and chat carry no line."""

from __future__ import annotations

import pytest

from atiende.conversations.actions import send_reply
from atiende.conversations.models import Conversation, DeliveryStatus, Message
from atiende.conversations.outbox import build_outbound, safety_notice
from atiende.core import tasks
from atiende.core.errors import ActionError
from tests.factories import Factory
from tests.social.conftest import payload, post_meta, post_telegram, social_inbox
from tests.social.provider import Provider


def _telegram(factory: Factory, provider: Provider) -> Conversation:
    inbox = social_inbox(factory, "telegram", provider)
    post_telegram(inbox, payload("telegram_text.json"))
    tasks.drain()
    return Conversation.objects.get(inbox=inbox)


def test_the_line_is_in_the_customers_language_and_not_stored(
    factory: Factory, provider: Provider
) -> None:
    conversation = _telegram(factory, provider)
    conversation.language = "es"
    conversation.save(update_fields=["language"])
    agent = factory.user(role="admin")

    reply = send_reply(agent, conversation, text="Ya está reembolsado.")
    tasks.drain()

    (sent,) = provider.sends("/sendMessage")
    text = sent.json["text"]
    assert text.startswith("Ya está reembolsado.\n\n")
    notice = text.removeprefix("Ya está reembolsado.\n\n")
    assert notice == safety_notice("es")
    assert "frase de recuperación" in notice
    assert notice != safety_notice("en")
    stored = Message.objects.get(pk=reply.pk)
    assert stored.body_text == "Ya está reembolsado."
    assert stored.delivery_status == DeliveryStatus.SENT


def test_a_reply_too_long_with_the_line_is_refused_when_sent(
    factory: Factory, provider: Provider
) -> None:
    inbox = social_inbox(factory, "instagram", provider)
    post_meta(inbox, payload("instagram_text.json"))
    tasks.drain()
    conversation = Conversation.objects.get(inbox=inbox)
    agent = factory.user(role="admin")
    room = 1000 - len("\n\n" + safety_notice(conversation.language or "en"))

    with pytest.raises(ActionError, match="at most 1000 characters"):
        send_reply(agent, conversation, text="x" * (room + 1))
    assert not Message.objects.filter(conversation=conversation, author_user=agent).exists()

    send_reply(agent, conversation, text="x" * room)
    tasks.drain()
    (sent,) = provider.sends("/me/messages")
    assert len(sent.json["message"]["text"]) == 1000


def test_email_and_chat_replies_carry_no_line(factory: Factory) -> None:
    agent = factory.user(role="admin")
    for channel in ("email", "chat", "webform"):
        conversation = factory.conversation(factory.inbox(channel=channel), email="a@example.org")
        reply = send_reply(agent, conversation, text="Done.")
        assert build_outbound(reply).text == "Done."
