"""A customer's conversation and the agent who may see it."""

from __future__ import annotations

import pytest

from atiende.conversations.models import Conversation
from atiende.people.models import User
from tests.factories import Factory


@pytest.fixture
def conversation(factory: Factory) -> Conversation:
    return factory.conversation(email="rosa@example.test")


@pytest.fixture
def agent(factory: Factory) -> User:
    return factory.user()
