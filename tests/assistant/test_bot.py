"""The answer bot end to end through the real actions and the task queue: it answers from the
help center in the customer's language, hands off what it should not answer, and listens to
"that solved it" / "I need a person" by text and by link."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from atiende.assistant import bot
from atiende.assistant.models import BotState, BotStatus, BotTurn, Outcome, ReplyToken
from atiende.conversations.actions import send_reply
from atiende.conversations.models import Conversation, DeliveryStatus, Direction, Message, Status
from atiende.conversations.views.timeline import build_timeline
from atiende.core.models import Event
from atiende.helpcenter.urls_util import article_path
from atiende.inboxes.models import Inbox
from atiende.mail.loops import acknowledge
from atiende.mail.pipeline import ingest
from tests.assistant.conftest import HelpCenter, Live
from tests.factories import Factory
from tests.mail import mailkit

Ask = Callable[..., Message]


@pytest.fixture
def ask(factory: Factory, live: Live) -> Ask:
    """A customer writes (a new conversation, or `conversation_id`'s) and the worker runs."""

    def write(inbox: Inbox, text: str, email: str = "", **kwargs: Any) -> Message:
        with live():
            return factory.inbound(inbox, email=email, text=text, **kwargs)

    return write


def bot_messages(conversation: Conversation) -> list[Message]:
    return list(conversation.messages.filter(direction=Direction.BOT).order_by("seq"))


def links_in(text: str) -> list[str]:
    return re.findall(r"/help/bot/([\w-]+)/", text)


def test_answers_with_the_article_steps_and_link(
    ask: Ask, inbox: Inbox, help_center: HelpCenter
) -> None:
    message = ask(inbox, "How can I reset my password? I forgot it.")
    conversation = Conversation.objects.get(pk=message.conversation_id)
    [answer] = bot_messages(conversation)
    assert "Reset your password" in answer.body_text
    assert "1. Open the sign-in page and choose Forgot password." in answer.body_text
    url = article_path("en", help_center.password.pk, "reset-your-password")
    assert f"{settings.SITE_URL}{url}" in answer.body_text
    assert answer.delivery_status == DeliveryStatus.SENT
    assert conversation.status == Status.PENDING
    turn = BotTurn.objects.get(message=message)
    assert (turn.outcome, turn.article_id, turn.reply_id) == (
        Outcome.ANSWERED,
        help_center.password.pk,
        answer.pk,
    )
    # Delivered by email (the Help form notifies the customer), links included.
    [email] = mail.outbox
    assert "Reset your password" in email.body
    assert len(links_in(str(email.body))) == 2


def test_the_bot_stays_quiet_where_it_is_off(
    ask: Ask, factory: Factory, help_center: HelpCenter
) -> None:
    inbox = factory.inbox()
    message = ask(inbox, "How can I reset my password?")
    assert bot_messages(message.conversation) == []
    assert not BotTurn.objects.exists()


def test_answers_in_spanish_with_the_spanish_translation(
    ask: Ask, inbox: Inbox, help_center: HelpCenter
) -> None:
    message = ask(inbox, "Hola, he olvidado mi contraseña, ¿cómo pongo una nueva?")
    [answer] = bot_messages(message.conversation)
    assert "Restablecer la contraseña" in answer.body_text
    assert "Escribe tu correo electrónico." in answer.body_text
    assert "¿Se ha resuelto?" in answer.body_text


def test_a_spanish_question_finds_the_english_article_and_says_so(
    ask: Ask, inbox: Inbox, help_center: HelpCenter
) -> None:
    message = ask(inbox, "¿Cómo descargo canciones para escucharlas sin internet?")
    [answer] = bot_messages(message.conversation)
    assert "Download music for offline listening" in answer.body_text
    assert "Este artículo solo está disponible en inglés." in answer.body_text
    turn = BotTurn.objects.get(message=message)
    assert (turn.language, turn.article_language) == ("es", "en")


def test_low_confidence_hands_off_and_is_a_content_gap(
    ask: Ask, inbox: Inbox, help_center: HelpCenter
) -> None:
    message = ask(inbox, "Do you sponsor music festivals in Lisbon next summer?")
    conversation = message.conversation
    assert bot_messages(conversation) == []
    event = Event.objects.get(kind="conversation.handed_off", conversation=conversation)
    assert event.data["reason"] == "low confidence"
    assert BotState.objects.get(conversation=conversation).status == BotStatus.HANDED_OFF
    # Handed off: the next message is for people, the bot says nothing more.
    ask(inbox, "How can I reset my password?", conversation_id=conversation.pk,
        email=conversation.contact.email)  # fmt: skip
    assert bot_messages(conversation) == []


def test_a_sensitive_intent_goes_straight_to_people(
    ask: Ask, inbox: Inbox, help_center: HelpCenter
) -> None:
    message = ask(inbox, "I was charged by mistake, I want a refund please")
    assert bot_messages(message.conversation) == []
    event = Event.objects.get(kind="conversation.handed_off", conversation=message.conversation)
    assert event.data == {"reason": "sensitive intent", "detail": "refunds"}


def test_never_answers_with_a_sensitive_article(
    ask: Ask, inbox: Inbox, help_center: HelpCenter
) -> None:
    # No sensitive word, but the only matching article is marked sensitive.
    message = ask(inbox, "Return the payment for this month")
    assert bot_messages(message.conversation) == []
    assert BotTurn.objects.get(message=message).outcome == Outcome.HANDED_OFF
    assert BotState.objects.get(conversation=message.conversation).status == BotStatus.HANDED_OFF


def test_that_solved_it_as_a_reply_resolves_the_conversation(
    ask: Ask, inbox: Inbox, help_center: HelpCenter
) -> None:
    first = ask(inbox, "¿Cómo cancelo mi suscripción?")
    conversation = first.conversation
    ask(inbox, "¡Eso lo resolvió, gracias!", email=conversation.contact.email,
        conversation_id=conversation.pk)  # fmt: skip
    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED
    assert BotState.objects.get(conversation=conversation).status == BotStatus.RESOLVED
    assert Event.objects.filter(kind="assistant.resolved", conversation=conversation).exists()


def test_i_need_a_person_as_a_reply_hands_off(
    ask: Ask, inbox: Inbox, help_center: HelpCenter
) -> None:
    first = ask(inbox, "How do I cancel my subscription?")
    conversation = first.conversation
    ask(inbox, "I need a person", email=conversation.contact.email,
        conversation_id=conversation.pk)  # fmt: skip
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    event = Event.objects.get(kind="conversation.handed_off", conversation=conversation)
    assert event.data["reason"] == "customer asked for a person"
    assert event.actor_contact_id == conversation.contact_id
    # The transcript is the conversation: the question, the bot's answer, the request.
    kinds = [message.direction for message in conversation.messages.order_by("seq")]
    assert kinds == [Direction.INBOUND, Direction.BOT, Direction.INBOUND]


def test_email_links_are_single_use(
    ask: Ask, inbox: Inbox, help_center: HelpCenter, client: Client
) -> None:
    message = ask(inbox, "How do I cancel my subscription?")
    [answer] = bot_messages(message.conversation)
    solved, person = links_in(answer.body_text)
    assert len(solved) >= 32
    assert len(person) >= 32
    page = client.get(f"/help/bot/{person}/")
    assert page.status_code == 200
    assert b"I need a person" in page.content
    # Opening the page spends nothing (mail scanners follow links); the button does.
    assert not ReplyToken.objects.filter(used_at__isnull=False).exists()
    done = client.post(f"/help/bot/{person}/")
    assert done.status_code == 200
    assert b"A person will answer you" in done.content
    assert BotState.objects.get(conversation=message.conversation).status == BotStatus.HANDED_OFF
    assert client.post(f"/help/bot/{person}/").status_code == 404
    # The other link of the same answer died with it.
    assert client.post(f"/help/bot/{solved}/").status_code == 404
    assert client.get("/help/bot/not-a-real-token/").status_code == 404


def test_the_solved_link_resolves(
    ask: Ask, inbox: Inbox, help_center: HelpCenter, client: Client
) -> None:
    message = ask(inbox, "How do I cancel my subscription?")
    [answer] = bot_messages(message.conversation)
    solved, _person = links_in(answer.body_text)
    assert client.post(f"/help/bot/{solved}/").status_code == 200
    message.conversation.refresh_from_db()
    assert message.conversation.status == Status.SOLVED


def test_the_bot_is_silent_once_an_agent_replied(
    ask: Ask, factory: Factory, inbox: Inbox, help_center: HelpCenter
) -> None:
    conversation = factory.conversation(inbox=inbox, text="Hello there")
    agent = factory.user()
    send_reply(agent, conversation, text="Hi! How can I help?")
    ask(inbox, "How do I cancel my subscription?", email=conversation.contact.email,
        conversation_id=conversation.pk)  # fmt: skip
    assert bot_messages(conversation) == []


def test_answers_and_hand_offs_are_on_the_timeline(
    ask: Ask, inbox: Inbox, help_center: HelpCenter
) -> None:
    first = ask(inbox, "How do I cancel my subscription?")
    conversation = first.conversation
    ask(inbox, "I need a person", email=conversation.contact.email,
        conversation_id=conversation.pk)  # fmt: skip
    texts = [item.text for item in build_timeline(conversation) if item.kind == "event"]
    assert any(text.startswith("The answer bot answered with “Cancel your") for text in texts)
    assert (
        "The answer bot handed the conversation to the team: the customer asked for a person"
        in texts
    )


def test_a_failing_bot_hands_off_instead_of_staying_silent(
    ask: Ask, inbox: Inbox, help_center: HelpCenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(question: str, knowledge: object) -> None:
        raise RuntimeError("the index is corrupt")

    monkeypatch.setattr(bot, "decide", broken)
    message = ask(inbox, "How do I cancel my subscription?")
    event = Event.objects.get(kind="conversation.handed_off", conversation=message.conversation)
    assert event.data["reason"] == "bot error"
    assert bot_messages(message.conversation) == []


def test_an_automatic_acknowledgement_does_not_silence_the_bot(
    ask: Ask, factory: Factory, inbox: Inbox, help_center: HelpCenter
) -> None:
    conversation = factory.conversation(inbox=inbox, text="Hello there")
    acknowledge(conversation, conversation.contact.email)
    ask(inbox, "How do I cancel my subscription?", email=conversation.contact.email,
        conversation_id=conversation.pk)  # fmt: skip
    assert len(bot_messages(conversation)) == 1


def test_no_bot_answer_to_automatic_mail(
    live: Live, factory: Factory, help_center: HelpCenter
) -> None:
    inbox = mailkit.email_inbox(factory)
    inbox.config = {**inbox.config, "answer_bot": {"enabled": True}}
    inbox.save(update_fields=["config"])
    question = "How do I cancel my subscription?"
    with live():
        ingest(inbox, mailkit.mail(text=question, message_id="<person@example.org>"),
               source="upload", source_key="upload:person")  # fmt: skip
        ingest(inbox, mailkit.mail(sender="bob@example.org", text=question,
                                   message_id="<robot@example.org>",
                                   headers={"Auto-Submitted": "auto-replied"}),
               source="upload", source_key="upload:robot")  # fmt: skip
    [turn] = BotTurn.objects.select_related("message__author_contact")
    assert turn.outcome == Outcome.ANSWERED
    assert turn.message.author_contact is not None
    assert turn.message.author_contact.email == "ana@example.org"
