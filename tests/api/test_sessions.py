"""The agent UI's session works with the API, with CSRF enforced for writes; sessions do not
cross between agents and customers."""

from __future__ import annotations

import json

from django.test import Client

from tests.api.conftest import World, bearer, csrf, customer_client


def test_agent_session_reads_and_writes_with_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.agent_a)
    path = f"/api/conversations/{world.conversation_a.pk}/messages"
    note = json.dumps({"kind": "note", "text": "from the UI"})

    listed = client.get("/api/conversations")
    refused = client.post(path, note, content_type="application/json")
    accepted = client.post(path, note, content_type="application/json", headers=csrf(client))

    assert listed.status_code == 200
    assert refused.status_code == 403
    assert accepted.status_code == 201


def test_a_token_request_is_judged_by_the_token_alone(world: World) -> None:
    client = Client(enforce_csrf_checks=True, headers=bearer(world.tokens["agent_a"]))
    client.force_login(world.admin)

    # No CSRF needed with a token, and the token's agent (not the session's admin) acts.
    own = client.get(f"/api/conversations/{world.conversation_a.pk}")
    other_team = client.get(f"/api/conversations/{world.conversation_b.pk}")
    written = client.post(
        f"/api/conversations/{world.conversation_a.pk}/messages",
        json.dumps({"kind": "note", "text": "by token"}),
        content_type="application/json",
    )

    assert (own.status_code, other_team.status_code, written.status_code) == (200, 404, 201)
    assert written.json()["author"]["id"] == world.agent_a.pk


def test_customer_session_is_not_an_agent_session(world: World) -> None:
    client = customer_client(world.customer_a)

    assert client.get("/api/conversations").status_code == 401
    assert client.get(f"/api/conversations/{world.conversation_a.pk}").status_code == 401


def test_agent_session_is_not_a_customer_session(world: World) -> None:
    client = Client()
    client.force_login(world.admin)

    assert client.get("/api/me/conversations").status_code == 401
