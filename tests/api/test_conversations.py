"""Agents' conversation endpoints: create through an API inbox (idempotent), filters and
pagination, changes through the actions, messages and the timeline."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from atiende.conversations.models import Conversation, Direction, Message, Status
from atiende.inboxes.models import ChannelKind
from atiende.people.models import Contact
from tests.api.conftest import World, bearer, client_for
from tests.factories import Factory


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json")


def test_create_then_redeliver_the_same_external_id(world: World) -> None:
    client = client_for(world, "agent_a")
    body = {
        "inbox_id": world.inbox.pk,
        "contact": {"email": "Carla@Example.test", "name": "Carla"},
        "subject": "Order 1234",
        "text": "Where is my order?",
        "external_id": "crm-msg-77",
    }

    created = post(client, "/api/conversations", body)
    counts = (Conversation.objects.count(), Message.objects.count(), Contact.objects.count())
    again = post(client, "/api/conversations", body)

    assert (created.status_code, again.status_code) == (201, 200)
    assert created.json()["id"] == again.json()["id"]
    assert created.json()["contact"]["email"] == "carla@example.test"
    assert created.json()["team_id"] == world.team_a.pk
    assert (Conversation.objects.count(), Message.objects.count(), Contact.objects.count()) == (
        counts
    )


def test_create_runs_a_fixed_number_of_queries(world: World) -> None:
    client = client_for(world, "agent_a")
    post(
        client,
        "/api/conversations",
        {"inbox_id": world.inbox.pk, "contact": {"email": "w@x.y"}, "text": "warm"},
    )

    with CaptureQueriesContext(connection) as first:
        post(
            client,
            "/api/conversations",
            {"inbox_id": world.inbox.pk, "contact": {"email": "a@x.y"}, "text": "one"},
        )
    with CaptureQueriesContext(connection) as second:
        post(
            client,
            "/api/conversations",
            {"inbox_id": world.inbox.pk, "contact": {"external_ref": "u-9"}, "text": "two"},
        )

    # The API adds three reads (token, inbox, team membership) to receive_message's own work,
    # whatever the contact: no query per related object.
    assert len(first) == len(second)
    assert len(first) <= 40


def test_create_refuses_other_channels_and_contacts_without_identity(
    world: World, factory: Factory
) -> None:
    client = client_for(world, "admin")
    webform = factory.inbox(channel=ChannelKind.WEBFORM)

    wrong_inbox = post(
        client,
        "/api/conversations",
        {"inbox_id": webform.pk, "contact": {"email": "a@b.c"}, "text": "x"},
    )
    nobody = post(
        client, "/api/conversations", {"inbox_id": world.inbox.pk, "contact": {}, "text": "x"}
    )
    owner_field = post(
        client,
        "/api/conversations",
        {"inbox_id": world.inbox.pk, "contact": {"email": "a@b.c"}, "text": "x", "team_id": 1},
    )

    assert wrong_inbox.status_code == 404
    assert nobody.status_code == 400
    assert "email" in nobody.json()["detail"]
    assert owner_field.status_code == 422  # write schemas are allowlists


def test_redelivery_into_a_conversation_the_agent_cannot_see_reveals_nothing(
    world: World,
) -> None:
    body = {
        "inbox_id": world.inbox.pk,
        "contact": {"email": "d@x.y"},
        "text": "x",
        "external_id": "e-1",
    }
    first = post(client_for(world, "admin"), "/api/conversations", body)
    patch(
        client_for(world, "admin"),
        f"/api/conversations/{first.json()['id']}",
        {"team_id": world.team_b.pk},
    )
    # agent_a may post to the inbox (team A) but no longer sees the conversation (team B).

    again = post(client_for(world, "agent_a"), "/api/conversations", body)

    assert again.status_code == 409
    assert str(first.json()["id"]) not in again.json()["detail"]


def test_filters_and_visibility(world: World, factory: Factory) -> None:
    admin = client_for(world, "admin")
    patch(
        admin,
        f"/api/conversations/{world.conversation_a.pk}",
        {"status": "pending", "assignee_id": world.agent_a.pk, "tags": {"add": ["Refund"]}},
    )
    agent_a = client_for(world, "agent_a")

    def ids(client: Client, query: str) -> list[int]:
        response = client.get(f"/api/conversations?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    a, b = world.conversation_a.pk, world.conversation_b.pk
    assert sorted(ids(admin, "")) == sorted([a, b])
    assert ids(agent_a, "") == [a]
    assert ids(admin, "status=pending") == [a]
    assert ids(agent_a, "assignee=me") == [a]
    assert ids(admin, "assignee=none") == [b]
    assert ids(admin, f"assignee={world.agent_a.pk}") == [a]
    assert ids(admin, f"team={world.team_b.pk}") == [b]
    assert ids(admin, f"inbox={world.inbox.pk}&tag=refund") == [a]
    assert ids(client_for(world, "agent_b"), "tag=refund") == []


def test_search_never_shows_what_the_agent_cannot_see(world: World) -> None:
    def ids(who: str, text: str) -> list[int]:
        response = client_for(world, who).get("/api/conversations", {"q": text})
        assert response.status_code == 200
        return [item["id"] for item in response.json()["results"]]

    assert ids("admin", "crashes") == [world.conversation_b.pk]
    assert ids("agent_b", "crashes") == [world.conversation_b.pk]
    assert ids("agent_a", "crashes") == []
    assert ids("agent_b", "invoice") == []


def test_pagination_follows_next_links_in_activity_order(world: World, factory: Factory) -> None:
    for n in range(5):
        factory.inbound(world.inbox, email=f"p{n}@example.test", new_conversation=True)
    client = client_for(world, "admin")
    expected = list(
        Conversation.objects.order_by("-last_message_at", "-pk").values_list("pk", flat=True)
    )

    seen: list[int] = []
    url: str | None = "/api/conversations?limit=3"
    while url:
        page = client.get(url).json()
        seen += [item["id"] for item in page["results"]]
        url = page["next"]

    assert seen == expected
    assert client.get("/api/conversations?cursor=not-a-cursor").status_code == 400


def test_patch_is_all_or_nothing(world: World) -> None:
    client = client_for(world, "agent_a")
    path = f"/api/conversations/{world.conversation_a.pk}"
    patch(client, path, {"status": "closed"})

    refused = patch(client, path, {"priority": "urgent", "status": "open"})

    assert refused.status_code == 409
    assert "cannot become" in refused.json()["detail"]
    world.conversation_a.refresh_from_db()
    assert (world.conversation_a.priority, world.conversation_a.status) == ("normal", Status.CLOSED)


def test_patch_changes_through_the_actions(world: World) -> None:
    client = client_for(world, "supervisor")
    path = f"/api/conversations/{world.conversation_a.pk}"

    changed = patch(
        client,
        path,
        {
            "priority": "high",
            "assignee_id": world.agent_a.pk,
            "team_id": world.team_b.pk,
            "tags": {"add": ["VIP", "billing"]},
        },
    )
    cleared = patch(client, path, {"assignee_id": None, "tags": {"remove": ["vip"]}})
    unknown = patch(client, path, {"assignee_id": 2**62})

    assert changed.status_code == 200
    assert (changed.json()["priority"], changed.json()["team_id"]) == ("high", world.team_b.pk)
    assert changed.json()["tags"] == ["billing", "vip"]
    assert (cleared.json()["assignee_id"], cleared.json()["tags"]) == (None, ["billing"])
    assert unknown.status_code == 400
    kinds = client.get(f"/api/events?conversation_id={world.conversation_a.pk}").json()
    assert {"conversation.priority_changed", "conversation.assigned", "conversation.tagged"} <= {
        event["kind"] for event in kinds["results"]
    }


def test_reply_note_and_resume_after_seq(world: World) -> None:
    client = client_for(world, "agent_a")
    path = f"/api/conversations/{world.conversation_a.pk}/messages"

    reply = post(client, path, {"kind": "reply", "text": "Refund sent", "status": "pending"})
    note = post(client, path, {"kind": "note", "html": "<p>done <script>x()</script></p>"})
    after = client.get(f"{path}?after_seq={reply.json()['seq'] - 1}").json()

    assert reply.status_code == note.status_code == 201
    assert (reply.json()["direction"], reply.json()["delivery_status"]) == (
        Direction.OUTBOUND,
        "queued",
    )
    assert "<script" not in note.json()["html"]
    assert [m["seq"] for m in after["results"]] == [reply.json()["seq"], note.json()["seq"]]
    world.conversation_a.refresh_from_db()
    assert world.conversation_a.status == Status.PENDING


def test_message_pages_link_to_the_next(world: World) -> None:
    client = client_for(world, "agent_a")
    path = f"/api/conversations/{world.conversation_a.pk}/messages"
    for n in range(3):
        post(client, path, {"kind": "note", "text": f"note {n}"})

    first = client.get(f"{path}?limit=2").json()
    second = client.get(first["next"]).json()

    assert [m["seq"] for m in first["results"] + second["results"]] == [1, 2, 3, 4]


def test_contacts_list_search_and_merge(world: World) -> None:
    admin = client_for(world, "admin")
    agent_a = client_for(world, "agent_a")

    visible = [c["id"] for c in agent_a.get("/api/contacts").json()["results"]]
    searched = [c["id"] for c in admin.get("/api/contacts?q=bruno").json()["results"]]
    hidden = [c["id"] for c in agent_a.get("/api/contacts?q=bruno").json()["results"]]
    merged = post(
        admin, f"/api/contacts/{world.customer_b.pk}/merge", {"into_id": world.customer_a.pk}
    )

    assert world.customer_a.pk in visible
    assert world.customer_b.pk not in visible
    assert searched == [world.customer_b.pk]
    assert hidden == []
    assert merged.status_code == 200
    assert {i["value"] for i in merged.json()["identities"]} == {
        "ana@example.test",
        "bruno@example.test",
    }


def test_events_need_a_visible_conversation(world: World) -> None:
    assert (
        client_for(world, "agent_b")
        .get(f"/api/events?conversation_id={world.conversation_a.pk}")
        .status_code
        == 404
    )
    assert Client(headers=bearer(world.tokens["agent_a"])).get("/api/events").status_code == 422
