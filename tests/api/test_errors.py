"""Whatever a client sends, the answer is a 4xx JSON body with a `detail`, never a 500."""

from __future__ import annotations

import pytest

from tests.api.conftest import World, client_for

BAD_BODIES = [
    pytest.param(b"{not json", 400, id="malformed-json"),
    pytest.param(b"[1, 2, 3]", 422, id="array"),
    pytest.param(b"null", 422, id="null"),
    pytest.param(b'{"inbox_id": "one", "contact": {}}', 422, id="wrong-type"),
    pytest.param(b'{"inbox_id": 1e400, "contact": {}}', 422, id="huge-float"),
    pytest.param(b'{"inbox_id": ' + b"9" * 5000 + b', "contact": {}}', 400, id="huge-int"),
    pytest.param(b'{"inbox_id": 99999999999999999999, "contact": {}}', 422, id="bigint-overflow"),
    pytest.param(b'{"inbox_id": 1, "contact": {"email": "a\\u0000@b.c"}}', 422, id="nul"),
    pytest.param(b'{"inbox_id": 1, "contact": {"email": "\\ud800@b.c"}}', 422, id="surrogate"),
    pytest.param(
        b'{"inbox_id": 1, "contact": {"email": "x@y.z"}, "text": "\xff"}', 400, id="bad-utf8"
    ),
    pytest.param(
        b'{"inbox_id": 1, "contact": {"email": "x@y.z"}, "account_id": 7}', 422, id="extra-field"
    ),
]


@pytest.mark.parametrize(("body", "status"), BAD_BODIES)
def test_bad_bodies_get_4xx_json(world: World, body: bytes, status: int) -> None:
    response = client_for(world, "admin").post(
        "/api/conversations", body, content_type="application/json"
    )

    assert response.status_code == status, response.content
    assert response.json()["detail"]


BAD_PATHS = [
    "/api/conversations/0",
    "/api/conversations/-5",
    "/api/conversations/abc",
    "/api/conversations/9223372036854775808",
    "/api/conversations/99999999999999999999999999/messages",
    "/api/conversations?assignee=99999999999999999999",
    "/api/conversations?limit=100000",
    "/api/conversations?status=deleted",
    "/api/conversations?tag=%00",
    "/api/conversations?cursor=%F0%9F%92%A5",
    "/api/events?conversation_id=1e9",
    "/api/attachments/..%2F..%2Fetc%2Fpasswd",
    "/api/contacts?offset=-1",
    "/api/me/conversations?cursor=x",
    "/api/no/such/route",
]


@pytest.mark.parametrize("path", BAD_PATHS)
def test_bad_paths_and_queries_get_4xx_json(world: World, path: str) -> None:
    response = client_for(world, "admin").get(path)

    assert 400 <= response.status_code < 500, response.content
    assert response.json()["detail"]


def test_the_largest_id_is_a_plain_404(world: World) -> None:
    response = client_for(world, "admin").get(f"/api/conversations/{2**63 - 1}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Conversation not found."}


def test_unicode_round_trips(world: World) -> None:
    client = client_for(world, "agent_a")
    text = "Ñandú 🦤 — 東京 — مرحبا"

    created = client.post(
        f"/api/conversations/{world.conversation_a.pk}/messages",
        {"kind": "note", "text": text},
        content_type="application/json",
    )

    assert created.status_code == 201
    assert created.json()["text"] == text
