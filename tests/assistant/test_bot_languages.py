"""The answer bot with customers writing in languages atiende's interface does not speak
(Portuguese, Catalan, Japanese): the article in their language when the help center has it,
the bot's own sentences (answer, "did that solve it?", the hand-off page, chat buttons) in
their language when atiende has it, else in the conversation's or inbox's language."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from atiende.assistant.answers import extractive, interface_language
from atiende.assistant.chat import message_actions
from atiende.assistant.models import BotTurn
from atiende.conversations.models import Direction, Message
from atiende.helpcenter import actions
from atiende.helpcenter.actions import StepInput
from atiende.helpcenter.content import ArticleDocument
from atiende.helpcenter.models import Status
from atiende.inboxes.models import ChannelKind, Inbox
from tests.assistant.conftest import HelpCenter, Live, bot_inbox
from tests.factories import Factory

pytestmark = pytest.mark.django_db

PORTUGUESE_QUESTION = "Esqueci minha senha, como faço para redefinir a senha?"


@pytest.fixture
def portuguese(help_center: HelpCenter) -> HelpCenter:
    """The password article translated into Portuguese, as an editor would."""
    translation = actions.save_translation(
        None, help_center.password, language="pt", title="Redefinir sua senha",
        body="Se você esqueceu a senha, pode criar uma nova na página de login.",
        steps=[StepInput("Abra a página de login e escolha Esqueci minha senha."),
               StepInput("Digite seu e-mail.")],
    )  # fmt: skip
    actions.set_questions(
        None, help_center.password, language="pt",
        questions=["Esqueci minha senha", "Como redefinir a senha?", "Não lembro a senha"],
    )  # fmt: skip
    actions.set_status(None, translation, Status.PUBLISHED)
    return help_center


def _ask(factory: Factory, live: Live, inbox: Inbox, text: str) -> Message:
    with live():
        return factory.inbound(inbox, email="cliente@example.com", text=text)


def _answer(message: Message) -> Message:
    return message.conversation.messages.get(direction=Direction.BOT)


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (("pt", "en", "en"), "en"),
        (("pt", "", "es"), "es"),
        (("ca", "ca", "es"), "es"),
        (("es-MX", "", "en"), "es"),
        (("pt_BR", None, "es"), "es"),
        (("ja", "", ""), "en"),
    ],
)
def test_interface_language(candidates: tuple[str, str, str], expected: str) -> None:
    assert interface_language(*candidates) == expected


def test_portuguese_customer_in_an_english_inbox(
    factory: Factory, live: Live, portuguese: HelpCenter
) -> None:
    inbox = bot_inbox(factory)

    message = _ask(factory, live, inbox, PORTUGUESE_QUESTION)

    text = _answer(message).body_text
    assert "Redefinir sua senha" in text
    assert "1. Abra a página de login e escolha Esqueci minha senha." in text
    assert "/hc/pt/articles/" in text
    assert "This article should help" in text
    assert "Did that solve it?" in text
    assert BotTurn.objects.get(message=message).language == "pt"


def test_portuguese_customer_in_a_spanish_inbox_reads_spanish_not_english(
    factory: Factory, live: Live, portuguese: HelpCenter, client: Client
) -> None:
    inbox = bot_inbox(factory)
    inbox.language = "es"
    inbox.save(update_fields=["language"])

    message = _ask(factory, live, inbox, PORTUGUESE_QUESTION)

    text = _answer(message).body_text
    assert "Redefinir sua senha" in text
    assert "Este artículo debería ayudarte" in text
    assert "¿Se ha resuelto?" in text
    person = re.findall(r"No, necesito una persona: \S*/help/bot/([\w-]+)/", text)
    assert person
    # The hand-off page that link opens speaks Spanish too.
    done = client.post(f"/help/bot/{person[0]}/")
    assert "Una persona te responderá." in done.content.decode()


def test_chat_buttons_follow_the_same_rule(
    factory: Factory, live: Live, portuguese: HelpCenter
) -> None:
    inbox = bot_inbox(factory, ChannelKind.CHAT)
    inbox.language = "es"
    inbox.save(update_fields=["language"])

    message = _ask(factory, live, inbox, PORTUGUESE_QUESTION)

    labels = [action["label"] for action in message_actions(_answer(message))]
    assert labels == ["Eso lo resolvió", "Necesito una persona"]


def test_japanese_customer_reads_the_english_article_with_a_notice() -> None:
    article = ArticleDocument(
        article_id=7, language="en", title="Reset your password", body="Open the page.",
        questions=(), url="/hc/en/articles/7-reset/", sensitive=False, steps=("Open it.",),
    )  # fmt: skip

    japanese = extractive(article, "ja")
    in_a_spanish_inbox = extractive(article, "ja", interface_language("ja", "", "es"))

    assert "This article is only available in English." in japanese
    assert "Este artículo solo está disponible en inglés." in in_a_spanish_inbox
    assert "1. Open it." in in_a_spanish_inbox
