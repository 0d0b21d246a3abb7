"""Quick-reply buttons under the bot's answers in the chat widget: "That solved it" and
"I need a person" (labels in the customer's language; gone once the customer chose)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from atiende.assistant import actions
from atiende.assistant.answers import interface_language
from atiende.assistant.models import BotState, BotStatus, BotTurn, Outcome, ReplyChoice
from atiende.chat.extensions import register_action_handler, register_message_actions
from atiende.conversations.models import Conversation, Direction, Message
from atiende.people.models import Contact

SOLVED = "bot.solved"
PERSON = "bot.person"


def message_actions(message: Message) -> list[dict[str, str]]:
    if message.direction != Direction.BOT:
        return []
    turn = BotTurn.objects.filter(reply=message, outcome=Outcome.ANSWERED).first()
    if turn is None:
        return []
    state = BotState.objects.filter(conversation_id=message.conversation_id).first()
    if state is not None and state.status != BotStatus.ACTIVE:
        return []
    conversation = message.conversation
    with translation.override(
        interface_language(turn.language, conversation.language, conversation.inbox.language)
    ):
        return [
            {"id": SOLVED, "label": _("That solved it")},
            {"id": PERSON, "label": _("I need a person")},
        ]


def on_solved(conversation: Conversation, message: Message, contact: Contact) -> None:
    actions.choose(message, ReplyChoice.SOLVED, contact)


def on_person(conversation: Conversation, message: Message, contact: Contact) -> None:
    actions.choose(message, ReplyChoice.PERSON, contact)


def register() -> None:
    register_message_actions(message_actions)
    register_action_handler(SOLVED, on_solved)
    register_action_handler(PERSON, on_person)
