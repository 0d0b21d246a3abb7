"""The chat's quick-reply buttons under an access request: shown while it waits, in the
customer's language; a click by the conversation's customer answers it, anyone else's does
nothing."""

from __future__ import annotations

from datetime import timedelta

from atiende.chat import extensions
from atiende.consent import chat, grants
from atiende.consent.models import Grant, GrantStatus
from atiende.conversations.models import Conversation, Message
from atiende.people.models import User
from tests.factories import Factory


def ask(agent: User, conversation: Conversation) -> tuple[Grant, Message]:
    grant = grants.request_grant(
        agent,
        conversation.contact,
        scope="activity",
        duration=timedelta(hours=1),
        reason="Playback",
        conversation=conversation,
    )
    assert grant.request_message_id is not None
    return grant, Message.objects.get(pk=grant.request_message_id)


def test_the_request_message_carries_approve_and_deny_buttons(
    agent: User, conversation: Conversation
) -> None:
    _grant, message = ask(agent, conversation)

    assert extensions.actions_for(message) == [
        {"id": "consent.approve", "label": "Approve access"},
        {"id": "consent.deny", "label": "Deny"},
    ]


def test_the_buttons_speak_the_customers_language(agent: User, conversation: Conversation) -> None:
    conversation.language = "es"
    conversation.save(update_fields=["language"])
    _grant, message = ask(agent, conversation)

    assert [button["label"] for button in chat.buttons(message)] == ["Aprobar el acceso", "Denegar"]


def test_a_click_by_the_customer_approves_and_the_buttons_go(
    agent: User, conversation: Conversation
) -> None:
    grant, message = ask(agent, conversation)

    handler = extensions.action_handler("consent.approve")
    assert handler is not None
    handler(conversation, message, conversation.contact)

    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.ACTIVE
    assert chat.buttons(message) == []


def test_deny_from_the_chat(agent: User, conversation: Conversation) -> None:
    grant, message = ask(agent, conversation)

    chat.deny(conversation, message, conversation.contact)

    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.DENIED


def test_someone_else_clicking_changes_nothing(
    factory: Factory, agent: User, conversation: Conversation
) -> None:
    grant, message = ask(agent, conversation)

    chat.approve(conversation, message, factory.contact(email="eve@example.test"))

    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.PENDING
