"""Customers through the API: only their own conversations, never another customer's by a
guessed id or token, and never an internal note."""

from __future__ import annotations

import json
import secrets

from atiende.conversations.models import Conversation, Direction, Message
from tests.api.conftest import World, csrf, customer_client


def test_customer_a_cannot_reach_customer_b_by_any_guessed_id(world: World) -> None:
    client = customer_client(world.customer_a)
    highest = Conversation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    guesses = range(1, highest + 5)

    readable = [
        pk for pk in guesses if client.get(f"/api/me/conversations/{pk}").status_code == 200
    ]
    messages = [
        pk
        for pk in guesses
        if client.get(f"/api/me/conversations/{pk}/messages").status_code == 200
    ]
    replies = [
        pk
        for pk in guesses
        if client.post(
            f"/api/me/conversations/{pk}/messages",
            json.dumps({"text": "hello?"}),
            content_type="application/json",
        ).status_code
        in {200, 201}
    ]

    assert readable == messages == replies == [world.conversation_a.pk]
    assert not Message.objects.filter(
        conversation=world.conversation_b, author_contact=world.customer_a
    ).exists()


def test_customer_a_cannot_download_customer_bs_files(world: World) -> None:
    client = customer_client(world.customer_a)
    tokens = [world.attachment_b.token, secrets.token_urlsafe(24), world.attachment_a.token[:-1]]

    statuses = [client.get(f"/api/attachments/{token}").status_code for token in tokens]
    own = client.get(f"/api/attachments/{world.attachment_a.token}")
    own.getvalue()  # read to the end, which closes the file

    assert statuses == [404, 404, 404]
    assert own.status_code == 200


def test_my_conversations_lists_only_mine(world: World) -> None:
    response = customer_client(world.customer_b).get("/api/me/conversations")

    assert [item["id"] for item in response.json()["results"]] == [world.conversation_b.pk]
    assert "assignee_id" not in response.json()["results"][0]


def test_notes_never_reach_customers(world: World) -> None:
    client = customer_client(world.customer_a)

    messages = client.get(f"/api/me/conversations/{world.conversation_a.pk}/messages")
    note_file = client.get(f"/api/attachments/{world.note_attachment_a.token}")

    assert messages.status_code == 200
    assert b"Secret" not in messages.content
    assert world.note_attachment_a.token.encode() not in messages.content
    assert {m["direction"] for m in messages.json()["results"]} == {Direction.INBOUND}
    assert note_file.status_code == 404


def test_a_customer_reply_lands_in_their_conversation_once(world: World) -> None:
    client = customer_client(world.customer_a)
    path = f"/api/me/conversations/{world.conversation_a.pk}/messages"
    body = json.dumps({"text": "Any news?", "client_message_id": "m-1"})

    first = client.post(path, body, content_type="application/json")
    again = client.post(path, body, content_type="application/json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["from_customer"] is True
    assert (
        Message.objects.filter(conversation=world.conversation_a, body_text="Any news?").count()
        == 1
    )


def test_one_customers_client_ids_never_match_anothers(world: World) -> None:
    body = json.dumps({"text": "Same id", "client_message_id": "m-1"})

    a = customer_client(world.customer_a).post(
        f"/api/me/conversations/{world.conversation_a.pk}/messages",
        body,
        content_type="application/json",
    )
    b = customer_client(world.customer_b).post(
        f"/api/me/conversations/{world.conversation_b.pk}/messages",
        body,
        content_type="application/json",
    )

    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]


def test_customer_session_needs_csrf_for_writes(world: World) -> None:
    client = customer_client(world.customer_a, enforce_csrf=True)
    path = f"/api/me/conversations/{world.conversation_a.pk}/messages"

    refused = client.post(path, json.dumps({"text": "hi"}), content_type="application/json")
    client.get("/api/me/conversations")  # reading is fine without a token
    accepted = client.post(
        path, json.dumps({"text": "hi"}), content_type="application/json", headers=csrf(client)
    )

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 201
