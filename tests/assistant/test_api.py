"""The assistant's REST endpoints: triage and suggested articles, scoped like the conversation."""

from __future__ import annotations

from django.test import Client

from atiende.api.tokens import create_token
from atiende.assistant.models import Triage
from atiende.conversations.actions import change_team
from atiende.people.models import Role
from tests.assistant.conftest import Categories, HelpCenter
from tests.factories import Factory


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_triage_and_articles_for_a_conversation_the_caller_may_see(
    factory: Factory, help_center: HelpCenter, categories: Categories, client: Client
) -> None:
    conversation = factory.conversation(text="I forgot my password, how do I reset it?")
    Triage.objects.create(
        conversation=conversation,
        language="en",
        category=categories.password,
        category_confidence=0.9,
        reasons=[["language", "en"]],
    )
    change_team(factory.user(Role.ADMIN), conversation, categories.technical)
    member = factory.user(Role.AGENT, teams=[categories.technical])
    _row, token = create_token(member, name="integration")
    triage = client.get(
        f"/api/assistant/conversations/{conversation.pk}/triage", headers=bearer(token)
    )
    assert triage.status_code == 200
    body = triage.json()
    assert (body["category"], body["language"], body["reasons"]) == (
        "password",
        "en",
        ["Written in en."],
    )
    articles = client.get(
        f"/api/assistant/conversations/{conversation.pk}/articles", headers=bearer(token)
    )
    assert articles.status_code == 200
    assert articles.json()[0]["title"] == "Reset your password"

    outsider = factory.user(Role.AGENT, teams=[categories.billing])
    _row, other = create_token(outsider, name="other")
    for path in ("triage", "articles"):
        response = client.get(
            f"/api/assistant/conversations/{conversation.pk}/{path}", headers=bearer(other)
        )
        assert response.status_code == 404
        assert response.json() == {"detail": "Conversation not found."}
    assert client.get(f"/api/assistant/conversations/{conversation.pk}/triage").status_code == 401
