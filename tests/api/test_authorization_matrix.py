"""Every role against every endpoint, on customer A's conversation in team A.

Roles: admin, supervisor, agent_a (in team A), agent_b (team B only), customer_a (the owner),
customer_b (another customer), anonymous. Agents call with their API token, customers with
their portal session. Not visible is 404, never 403: existence is not revealed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.conftest import World, client_for

ROLES = ("admin", "supervisor", "agent_a", "agent_b", "customer_a", "customer_b", "anonymous")


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Callable[[World], str]
    body: Callable[[World], dict[str, Any]] | None
    # Expected status per role, in ROLES order.
    expected: tuple[int, ...]


AGENTS_WITH_TEAM_A = (200, 200, 200, 404, 401, 401, 401)
AGENTS_ONLY = (200, 200, 200, 200, 401, 401, 401)
OWNER_ONLY = (401, 401, 401, 401, 200, 404, 401)

ENDPOINTS = [
    Endpoint("list conversations", "get", lambda w: "/api/conversations", None, AGENTS_ONLY),
    Endpoint(
        "create conversation",
        "post",
        lambda w: "/api/conversations",
        lambda w: {"inbox_id": w.inbox.pk, "contact": {"email": "new@example.test"}, "text": "hi"},
        (201, 201, 201, 404, 401, 401, 401),
    ),
    Endpoint(
        "get conversation",
        "get",
        lambda w: f"/api/conversations/{w.conversation_a.pk}",
        None,
        AGENTS_WITH_TEAM_A,
    ),
    Endpoint(
        "update conversation",
        "patch",
        lambda w: f"/api/conversations/{w.conversation_a.pk}",
        lambda w: {"priority": "high", "tags": {"add": ["vip"]}},
        AGENTS_WITH_TEAM_A,
    ),
    Endpoint(
        "list messages",
        "get",
        lambda w: f"/api/conversations/{w.conversation_a.pk}/messages",
        None,
        AGENTS_WITH_TEAM_A,
    ),
    Endpoint(
        "add note",
        "post",
        lambda w: f"/api/conversations/{w.conversation_a.pk}/messages",
        lambda w: {"kind": "note", "text": "checking"},
        (201, 201, 201, 404, 401, 401, 401),
    ),
    Endpoint(
        "reply",
        "post",
        lambda w: f"/api/conversations/{w.conversation_a.pk}/messages",
        lambda w: {"kind": "reply", "text": "We are on it"},
        (201, 201, 201, 404, 401, 401, 401),
    ),
    Endpoint(
        "timeline",
        "get",
        lambda w: f"/api/events?conversation_id={w.conversation_a.pk}",
        None,
        AGENTS_WITH_TEAM_A,
    ),
    Endpoint("list contacts", "get", lambda w: "/api/contacts", None, AGENTS_ONLY),
    Endpoint(
        "get contact",
        "get",
        lambda w: f"/api/contacts/{w.customer_a.pk}",
        None,
        AGENTS_WITH_TEAM_A,
    ),
    Endpoint(
        # agent_a sees customer A but not customer B: the merge target is not found.
        "merge contacts",
        "post",
        lambda w: f"/api/contacts/{w.customer_a.pk}/merge",
        lambda w: {"into_id": w.customer_b.pk},
        (200, 200, 404, 404, 401, 401, 401),
    ),
    Endpoint(
        "download customer's attachment",
        "get",
        lambda w: f"/api/attachments/{w.attachment_a.token}",
        None,
        (200, 200, 200, 404, 200, 404, 401),
    ),
    Endpoint(
        "download a note's attachment",
        "get",
        lambda w: f"/api/attachments/{w.note_attachment_a.token}",
        None,
        (200, 200, 200, 404, 404, 404, 401),
    ),
    Endpoint(
        "my conversations",
        "get",
        lambda w: "/api/me/conversations",
        None,
        (401, 401, 401, 401, 200, 200, 401),
    ),
    Endpoint(
        "my conversation",
        "get",
        lambda w: f"/api/me/conversations/{w.conversation_a.pk}",
        None,
        OWNER_ONLY,
    ),
    Endpoint(
        "my messages",
        "get",
        lambda w: f"/api/me/conversations/{w.conversation_a.pk}/messages",
        None,
        OWNER_ONLY,
    ),
    Endpoint(
        "my reply",
        "post",
        lambda w: f"/api/me/conversations/{w.conversation_a.pk}/messages",
        lambda w: {"text": "Thanks!"},
        (401, 401, 401, 401, 201, 404, 401),
    ),
]

CASES = [
    pytest.param(endpoint, role, status, id=f"{endpoint.name}-{role}")
    for endpoint in ENDPOINTS
    for role, status in zip(ROLES, endpoint.expected, strict=True)
]


@pytest.mark.parametrize(("endpoint", "role", "expected"), CASES)
def test_authorization_matrix(world: World, endpoint: Endpoint, role: str, expected: int) -> None:
    client = client_for(world, role)
    call = getattr(client, endpoint.method)
    path = endpoint.path(world)
    if endpoint.body is None:
        response = call(path)
    else:
        response = call(path, json.dumps(endpoint.body(world)), content_type="application/json")
    response.getvalue()  # reads a download to its end, which closes its file

    assert response.status_code == expected, response.content[:500]
    if expected >= 400:
        assert response["Content-Type"].startswith("application/json")
        assert isinstance(response.json()["detail"], str)


# The core API's routes. Each domain app proves its own matrix beside its code:
# tests/accounts/test_policy.py and test_api.py, tests/consent/test_api.py, tests/chat/test_rest.py,
# tests/assistant/, tests/helpcenter/, tests/workflow/.
CORE_PREFIXES = (
    "/api/conversations",
    "/api/contacts",
    "/api/events",
    "/api/attachments",
    "/api/me",
)


def test_every_api_route_is_in_the_matrix(world: World) -> None:
    covered = {(e.method, e.path(world).split("?")[0]) for e in ENDPOINTS}
    templates = {
        (method, path.replace("{conversation_id}", "X").replace("{contact_id}", "X"))
        for method, path in _documented_operations(world)
        if path.startswith(CORE_PREFIXES)
    }
    normalised = {(method, _with_placeholders(world, path)) for method, path in covered}
    # Multipart variants of the message endpoints are covered in test_attachments.
    uploads = {(m, p) for m, p in templates if p.endswith("/upload")}
    assert templates - uploads == normalised


def _with_placeholders(world: World, path: str) -> str:
    for value in (world.conversation_a.pk, world.customer_a.pk):
        path = path.replace(f"/{value}/", "/X/")
        if path.endswith(f"/{value}"):
            path = path[: -len(str(value))] + "X"
    for token in (world.attachment_a.token, world.note_attachment_a.token):
        path = path.replace(token, "{token}")
    return path


def _documented_operations(world: World) -> set[tuple[str, str]]:
    document = client_for(world, "anonymous").get("/api/openapi.json").json()
    return {
        (method, path) for path, operations in document["paths"].items() for method in operations
    }
