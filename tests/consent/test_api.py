"""/api/grants/: agents request, read and end grants with a token or their session; the
signed-in customer lists, approves, denies and revokes theirs. A token holder loses access the
moment the grant ends: every call reads the grant from the database."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from atiende.api.tokens import create_token
from atiende.consent import grants
from atiende.consent.models import Grant, GrantStatus
from atiende.conversations.models import Conversation
from atiende.people.models import Role, User
from tests.factories import Factory
from tests.portal.helpers import sign_in


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(user)[1]}"}


def ask(client: Client, auth: dict[str, str], conversation: Conversation, **extra: Any) -> Any:
    body = {
        "contact_id": conversation.contact_id,
        "conversation_id": conversation.pk,
        "scope": "activity",
        "duration_minutes": 60,
        "reason": "Playback errors",
        **extra,
    }
    return client.post("/api/grants", body, content_type="application/json", headers=auth)


@pytest.fixture
def client() -> Client:
    return Client()


def test_an_agent_requests_with_a_token_and_reads_the_status(
    client: Client, agent: User, conversation: Conversation
) -> None:
    auth = bearer(agent)

    created = ask(client, auth, conversation)
    grant_id = created.json()["id"]
    status = client.get(f"/api/grants/{grant_id}/status", headers=auth)

    assert created.status_code == 201
    assert created.json()["status"] == "pending"
    assert status.json() == {"id": grant_id, "status": "pending", "seconds_left": 0}


@pytest.mark.parametrize(
    "extra", [{"duration_minutes": 24 * 60 + 1}, {"scope": "payments"}, {"reason": ""}]
)
def test_bad_requests_are_422(
    client: Client, agent: User, conversation: Conversation, extra: dict[str, Any]
) -> None:
    assert ask(client, bearer(agent), conversation, **extra).status_code == 422
    assert not Grant.objects.exists()


def test_a_contact_the_agent_cannot_see_is_404(
    client: Client, factory: Factory, conversation: Conversation
) -> None:
    conversation.team = factory.team()
    conversation.save(update_fields=["team"])
    outsider = factory.user(teams=[factory.team()])

    assert ask(client, bearer(outsider), conversation).status_code == 404


def test_the_status_follows_approval_and_revocation_per_request(
    client: Client, agent: User, conversation: Conversation
) -> None:
    auth = bearer(agent)
    grant_id = ask(client, auth, conversation).json()["id"]
    grants.approve_grant(conversation.contact, grant_id)

    active = client.get(f"/api/grants/{grant_id}/status", headers=auth).json()
    grants.revoke_grant(conversation.contact, grant_id)
    revoked = client.get(f"/api/grants/{grant_id}/status", headers=auth).json()

    assert active["status"] == "active"
    assert active["seconds_left"] > 3500
    assert revoked == {"id": grant_id, "status": "revoked", "seconds_left": 0}


def test_grants_are_private_to_their_agent_but_supervisors_see_them(
    client: Client, factory: Factory, agent: User, conversation: Conversation
) -> None:
    grant_id = ask(client, bearer(agent), conversation).json()["id"]
    colleague = bearer(factory.user())
    supervisor = bearer(factory.user(Role.SUPERVISOR))

    assert client.get(f"/api/grants/{grant_id}", headers=colleague).status_code == 404
    assert client.get("/api/grants", headers=colleague).json() == []
    assert client.post(f"/api/grants/{grant_id}/revoke", headers=colleague).status_code == 404
    assert client.get(f"/api/grants/{grant_id}", headers=supervisor).status_code == 200
    assert client.post(f"/api/grants/{grant_id}/revoke", headers=supervisor).status_code == 200
    assert Grant.objects.get(pk=grant_id).status == GrantStatus.REVOKED


def test_the_customer_approves_lists_and_revokes_in_their_session(
    client: Client, agent: User, conversation: Conversation
) -> None:
    grant = grants.request_grant(
        agent,
        conversation.contact,
        scope="settings",
        duration=grants.MAX_DURATION,
        reason="Family plan",
    )
    sign_in(client, "rosa@example.test")

    approved = client.post(f"/api/grants/mine/{grant.pk}/approve")
    grants.record_use(Grant.objects.get(pk=grant.pk), "settings.read")
    listed = client.get("/api/grants/mine").json()
    revoked = client.post(f"/api/grants/mine/{grant.pk}/revoke")

    assert approved.json()["status"] == "active"
    assert listed[0]["uses"][0]["label"] == "Viewed your account settings"
    assert revoked.json()["status"] == "revoked"


def test_another_customer_cannot_answer_or_see(
    client: Client, factory: Factory, agent: User, conversation: Conversation
) -> None:
    grant = grants.request_grant(
        agent, conversation.contact, scope="activity", duration=grants.MIN_DURATION, reason="x"
    )
    factory.contact(email="eve@example.test")
    sign_in(client, "eve@example.test")

    assert client.post(f"/api/grants/mine/{grant.pk}/approve").status_code == 403
    assert client.get("/api/grants/mine").json() == []
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.PENDING


def test_customers_cannot_use_agent_endpoints_nor_agents_customer_ones(
    client: Client, agent: User, conversation: Conversation
) -> None:
    sign_in(client, "rosa@example.test")
    assert client.get("/api/grants").status_code == 401
    assert Client().get("/api/grants/mine", headers=bearer(agent)).status_code == 401
