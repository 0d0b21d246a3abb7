"""Helpers for the workflow tests: chat inboxes, online agents, and what visitors were told."""

from __future__ import annotations

from typing import Any

import pytest

from atiende.conversations.models import Conversation
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import Team, User
from atiende.workflow import presence, visitor
from atiende.workflow.models import AgentProfile, PresenceStatus
from tests.factories import Factory

Told = list[tuple[int, dict[str, Any]]]


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> Told:
    """What routing handed to the chat channel for visitors (test_flow.py also follows one
    through the chat channel's real visitor group)."""
    sent: Told = []
    monkeypatch.setattr(
        visitor, "send_to_visitor", lambda cid, payload: sent.append((cid, payload))
    )
    return sent


def chat_inbox(factory: Factory, team: Team | None = None, **fields: Any) -> Inbox:
    return factory.inbox(channel=ChannelKind.CHAT, team=team, **fields)


def online_agent(
    factory: Factory,
    team: Team | None = None,
    *,
    capacity: int = 3,
    language: str = "en",
    languages: list[str] | None = None,
    username: str = "",
) -> User:
    fields: dict[str, Any] = {"language": language}
    if username:
        fields["username"] = username
    agent = factory.user(teams=[team] if team else None, **fields)
    AgentProfile.objects.create(user=agent, capacity=capacity, languages=languages or [])
    presence.set_status(agent, PresenceStatus.ONLINE)
    return agent


def chat(factory: Factory, inbox: Inbox, *, language: str = "") -> Conversation:
    conversation = factory.conversation(inbox)
    if language:
        Conversation.objects.filter(pk=conversation.pk).update(language=language)
        conversation.language = language
    return conversation
