"""Helpers for the survey tests: a conversation an agent solves, and the survey's link."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core import mail

from atiende.conversations import actions
from atiende.conversations.models import Conversation, Status
from atiende.core import tasks
from atiende.people.models import User
from atiende.satisfaction.models import Survey
from tests.factories import Factory


def solve(agent: User, conversation: Conversation) -> None:
    """The agent answers and solves; the worker runs what that queued (survey, delivery)."""
    actions.send_reply(agent, conversation, text="Fixed it for you.", status=Status.SOLVED)
    tasks.drain()


def solved_conversation(factory: Factory, **fields: object) -> tuple[User, Conversation]:
    agent = factory.user()
    conversation = factory.conversation(**fields)  # type: ignore[arg-type]
    solve(agent, conversation)
    conversation.refresh_from_db()
    return agent, conversation


def link_path(survey: Survey, rating: str = "good") -> str:
    """The path of the link the survey message carries for `rating`."""
    assert survey.message is not None
    for line in survey.message.body_text.splitlines():
        if f"?rating={rating}" in line:
            url = line.split(": ", 1)[1]
            parts = urlsplit(url)
            return f"{parts.path}?{parts.query}"
    raise AssertionError(f"no {rating} link in {survey.message.body_text!r}")


def survey_mails() -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if "?rating=good" in str(m.body)]
