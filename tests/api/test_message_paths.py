"""The agent's chat hot path (GET and POST of messages) answers from what it already holds:
the responses must be exactly what reading everything back gives, and visibility still holds."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from atiende.conversations.access import access_conversation_by_id, can_see_conversation
from atiende.conversations.models import Conversation
from tests.api.conftest import World, client_for


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_posted_message_is_the_stored_one(world: World) -> None:
    for who in ("admin", "agent_a"):
        client = client_for(world, who)
        path = f"/api/conversations/{world.conversation_a.pk}/messages"
        for body in (
            {"kind": "reply", "text": f"Hello from {who}"},
            {"kind": "note", "html": "<p>an <b>internal</b> note</p>"},
        ):
            created = post(client, path, body)
            assert created.status_code == 201
            seq = created.json()["seq"]
            read = client.get(f"{path}?after_seq={seq - 1}&limit=1").json()["results"]
            assert read == [created.json()]


def test_message_pages_check_visibility_for_every_role(world: World) -> None:
    hidden = f"/api/conversations/{world.conversation_b.pk}/messages"
    missing = f"/api/conversations/{Conversation.objects.order_by('-pk')[0].pk + 1}/messages"

    assert client_for(world, "agent_a").get(hidden).status_code == 404
    assert client_for(world, "agent_a").get(f"{hidden}?after_seq=999").status_code == 404
    for who in ("admin", "supervisor", "agent_b"):
        assert client_for(world, who).get(hidden).status_code == 200
        assert client_for(world, who).get(missing).status_code == 404
        # An empty page of a conversation they may see is a page, not a 404.
        empty = client_for(world, who).get(f"{hidden}?after_seq=999")
        assert (empty.status_code, empty.json()) == (200, {"results": [], "next": None})
    refused = post(client_for(world, "agent_a"), hidden, {"kind": "note", "text": "x"})
    assert refused.status_code == 404


def test_an_agent_reply_checks_team_membership_once(world: World) -> None:
    client = client_for(world, "agent_a")
    path = f"/api/conversations/{world.conversation_a.pk}/messages"
    assert world.conversation_a.team_id == world.team_a.pk
    assert world.conversation_a.assignee_id is None or world.conversation_a.assignee_id != (
        world.agent_a.pk
    )
    with CaptureQueriesContext(connection) as captured:
        created = post(client, path, {"kind": "note", "text": "checked once"})

    assert created.status_code == 201
    membership = [q["sql"] for q in captured.captured_queries if "people_user_teams" in q["sql"]]
    assert len(membership) == 1, membership
    # A teammate from another team is still refused.
    refused = post(client_for(world, "agent_b"), path, {"kind": "note", "text": "x"})
    assert refused.status_code == 404


def test_a_conversation_read_for_an_agent_is_checked_afresh_once_moved(world: World) -> None:
    conversation = access_conversation_by_id(world.agent_a, world.conversation_a.pk)
    assert can_see_conversation(world.agent_a, conversation)
    assert not can_see_conversation(world.agent_b, conversation)

    conversation.team_id = world.team_b.pk  # as an action moving it would leave the object

    assert not can_see_conversation(world.agent_a, conversation)
    assert can_see_conversation(world.agent_b, conversation)
