"""The approval link page: opening it spends nothing (link scanners); pressing a button
answers once; a replayed, expired or foreign link is refused, and so is someone else signed in
to the portal."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from atiende.consent import grants
from atiende.consent.models import Grant, GrantStatus
from atiende.conversations.models import Conversation
from atiende.people.models import User
from tests.factories import Factory
from tests.portal.helpers import sign_in


def ask(agent: User, conversation: Conversation) -> Grant:
    return grants.request_grant(
        agent,
        conversation.contact,
        scope="activity",
        duration=timedelta(hours=2),
        reason="Playback errors on the phone",
        conversation=conversation,
    )


def link(grant: Grant) -> str:
    return f"/portal/grants/{grant.pk}/{grant.approval_token}/"


def test_opening_the_link_shows_the_request_without_answering_it(
    agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)

    page = Client().get(link(grant))

    assert page.status_code == 200
    assert "Playback errors on the phone" in page.content.decode()
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.PENDING


def test_approving_from_the_link_and_replaying_it(agent: User, conversation: Conversation) -> None:
    grant = ask(agent, conversation)
    client = Client()

    approved = client.post(link(grant), {"answer": "approve"})
    replayed = client.post(link(grant), {"answer": "approve"})
    reopened = client.get(link(grant))

    assert approved.status_code == 200
    assert "Access approved" in approved.content.decode()
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.ACTIVE
    assert replayed.status_code == 409
    assert reopened.status_code == 409


def test_denying_from_the_link(agent: User, conversation: Conversation) -> None:
    grant = ask(agent, conversation)

    Client().post(link(grant), {"answer": "deny"})

    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.DENIED


def test_an_expired_link_is_refused(agent: User, conversation: Conversation) -> None:
    grant = ask(agent, conversation)
    Grant.objects.filter(pk=grant.pk).update(
        request_expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = Client().post(link(grant), {"answer": "approve"})

    assert response.status_code == 409
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.EXPIRED


def test_a_forged_token_is_404(agent: User, conversation: Conversation) -> None:
    grant = ask(agent, conversation)

    response = Client().post(f"/portal/grants/{grant.pk}/{'A' * 43}/", {"answer": "approve"})

    assert response.status_code == 404
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.PENDING


def test_someone_else_signed_in_cannot_use_the_link(
    factory: Factory, agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)
    factory.contact(email="eve@example.test")
    client = Client()
    sign_in(client, "eve@example.test")

    assert client.get(link(grant)).status_code == 403
    assert client.post(link(grant), {"answer": "approve"}).status_code == 403
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.PENDING
