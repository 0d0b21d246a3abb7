"""REST for the widget and apps: sessions, identity verification, history, sending (the same
idempotent path as the socket), files, email, read receipts, CORS."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atiende.chat.identity import user_hash
from atiende.chat.models import ChatSession, ChatWidget, Visitor
from atiende.conversations import actions
from atiende.conversations.models import Message
from atiende.inboxes.models import new_secret
from atiende.people.models import Contact, ContactIdentity, IdentityKind, Role
from tests.chat.helpers import chat_widget, open_session
from tests.factories import Factory


@pytest.fixture
def widget(factory: Factory) -> ChatWidget:
    return chat_widget(factory, allowed_origins="https://www.sonora.example")


def post(
    widget: ChatWidget, path: str, payload: dict[str, Any], session: str = "", origin: str = ""
) -> Any:
    headers = {}
    if session:
        headers["Authorization"] = f"Bearer {session}"
    if origin:
        headers["Origin"] = origin
    return Client().post(
        f"/api/chat/{widget.key}/{path}",
        data=json.dumps(payload),
        content_type="application/json",
        headers=headers,
    )


def test_a_new_visitor_gets_a_session_and_the_widget_config(widget: ChatWidget) -> None:
    data = open_session(widget, language="es")
    assert len(data["visitor_token"]) >= 43
    assert len(data["session"]) >= 43
    assert (data["conversation_id"], data["last_seq"]) == (None, 0)
    assert data["config"]["language"] == "es"
    assert data["config"]["strings"]["send"] == "Enviar"
    assert data["config"]["availability"]["open"] is True
    # Only hashes are stored.
    assert not ChatSession.objects.filter(token_hash=data["session"]).exists()


def test_a_returning_visitor_finds_the_history(widget: ChatWidget) -> None:
    first = open_session(widget)
    sent = post(widget, "messages", {"client_id": "rest-0000001", "text": "Hi"}, first["session"])
    assert sent.status_code == 200
    again = open_session(widget, visitor_token=first["visitor_token"])
    assert again["visitor_token"] == first["visitor_token"]
    assert again["conversation_id"] == sent.json()["conversation_id"]
    history = Client().get(
        f"/api/chat/{widget.key}/messages?after=0",
        HTTP_AUTHORIZATION=f"Bearer {again['session']}",
    )
    assert [item["text"] for item in history.json()["results"]] == ["Hi"]


def test_sending_twice_with_one_client_id_stores_once(widget: ChatWidget) -> None:
    session = open_session(widget)["session"]
    first = post(widget, "messages", {"client_id": "rest-0000002", "text": "Once"}, session)
    second = post(widget, "messages", {"client_id": "rest-0000002", "text": "Once"}, session)
    assert first.json() == second.json()
    assert Message.objects.count() == 1


def test_another_visitor_cannot_claim_a_used_client_id(widget: ChatWidget) -> None:
    post(
        widget,
        "messages",
        {"client_id": "rest-0000003", "text": "Mine"},
        open_session(widget)["session"],
    )
    other = post(
        widget,
        "messages",
        {"client_id": "rest-0000003", "text": "x"},
        open_session(widget)["session"],
    )
    assert other.status_code == 400
    assert "conversation_id" not in other.json()


def test_a_signed_identity_becomes_a_verified_user_contact(widget: ChatWidget) -> None:
    signature = user_hash(widget.inbox.secret, "u_42")
    data = open_session(widget, user_id="u_42", user_hash=signature, email="rosa@example.test")
    post(widget, "messages", {"client_id": "rest-0000004", "text": "Hi"}, data["session"])
    identity = ContactIdentity.objects.get(kind=IdentityKind.USER, value="u_42")
    assert identity.verified
    assert ContactIdentity.objects.filter(
        contact=identity.contact, kind=IdentityKind.EMAIL, value="rosa@example.test"
    ).exists()


def test_a_forged_signature_is_refused_and_stores_nothing(widget: ChatWidget) -> None:
    forged = user_hash("not-the-secret", "u_42")
    response = post(widget, "sessions", {"user_id": "u_42", "user_hash": forged})
    assert response.status_code == 403
    assert "signature" in response.json()["detail"]
    assert not Visitor.objects.exists()
    assert not Contact.objects.exists()


def test_the_previous_secret_still_verifies_during_a_rotation(widget: ChatWidget) -> None:
    inbox = widget.inbox
    old = inbox.secret
    inbox.previous_secret, inbox.secret = old, new_secret()
    inbox.save()
    assert open_session(widget, user_id="u_7", user_hash=user_hash(old, "u_7"))["session"]


def test_a_signed_in_visitors_token_without_the_signature_starts_over(widget: ChatWidget) -> None:
    signed = open_session(widget, user_id="u_9", user_hash=user_hash(widget.inbox.secret, "u_9"))
    post(widget, "messages", {"client_id": "rest-0000005", "text": "Private"}, signed["session"])
    anonymous = open_session(widget, visitor_token=signed["visitor_token"])
    assert anonymous["visitor_token"] != signed["visitor_token"]
    assert anonymous["conversation_id"] is None


def test_a_widget_that_requires_identity_refuses_anonymous_visitors(factory: Factory) -> None:
    widget = chat_widget(factory, require_verified_identity=True)
    assert post(widget, "sessions", {}).status_code == 403


def test_files_are_checked_like_everywhere(widget: ChatWidget) -> None:
    session = open_session(widget)["session"]
    client = Client()
    good = client.post(
        f"/api/chat/{widget.key}/attachments",
        {"file": SimpleUploadedFile("receipt.txt", b"paid twice"), "client_id": "file-0000001"},
        HTTP_AUTHORIZATION=f"Bearer {session}",
    )
    assert good.status_code == 200, good.content
    program = client.post(
        f"/api/chat/{widget.key}/attachments",
        {"file": SimpleUploadedFile("setup.exe", b"MZ\x90\x00binary"), "client_id": "file-0000002"},
        HTTP_AUTHORIZATION=f"Bearer {session}",
    )
    assert program.status_code == 400
    assert Message.objects.get().attachments.get().filename == "receipt.txt"
    frames = (
        Client()
        .get(f"/api/chat/{widget.key}/messages", HTTP_AUTHORIZATION=f"Bearer {session}")
        .json()["results"]
    )
    download = Client().get(frames[0]["attachments"][0]["url"])
    assert download.status_code == 200
    assert download.getvalue() == b"paid twice"
    download.close()
    assert download["Content-Disposition"].startswith("attachment")


def test_leaving_an_email_never_takes_over_another_customer(
    widget: ChatWidget, factory: Factory
) -> None:
    owner = factory.contact(email="owner@example.test")
    session = open_session(widget)["session"]
    assert post(widget, "email", {"email": "owner@example.test"}, session).status_code == 200
    identity = ContactIdentity.objects.get(kind=IdentityKind.EMAIL, value="owner@example.test")
    assert identity.contact == owner
    assert Contact.objects.exclude(pk=owner.pk).get().email == "owner@example.test"
    assert post(widget, "email", {"email": "nope"}, session).status_code == 400


def test_read_marks_replies_read(widget: ChatWidget, factory: Factory) -> None:
    session = open_session(widget)["session"]
    sent = post(widget, "messages", {"client_id": "rest-0000006", "text": "Hi"}, session).json()
    agent = factory.user(role=Role.ADMIN)
    conversation = Message.objects.get().conversation
    reply = actions.send_reply(agent, conversation, text="Hello")
    assert post(widget, "read", {"seq": sent["seq"] + 1}, session).json() == {"seq": reply.seq}
    reply.refresh_from_db()
    assert reply.delivery_status == "read"


def test_calls_without_a_valid_session_are_401(widget: ChatWidget) -> None:
    response = post(widget, "messages", {"client_id": "rest-0000007", "text": "Hi"}, "forged")
    assert response.status_code == 401
    assert Client().get("/api/chat/nope/config").status_code == 404


def test_cors_only_for_the_allowed_origins(widget: ChatWidget) -> None:
    allowed = post(widget, "sessions", {}, origin="https://www.sonora.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://www.sonora.example"
    refused = post(widget, "sessions", {}, origin="https://evil.example")
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused
    preflight = Client().options(
        f"/api/chat/{widget.key}/messages", HTTP_ORIGIN="https://www.sonora.example"
    )
    assert preflight.status_code == 204
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]


def test_the_frame_may_be_embedded_by_the_allowed_origins_only(widget: ChatWidget) -> None:
    response = Client().get(f"/chat/frame/{widget.key}/?lang=es")
    assert response.status_code == 200
    assert "frame-ancestors https://www.sonora.example" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    assert "Escribe un mensaje" in response.content.decode()


def test_the_demo_page_embeds_the_widget_with_one_tag(widget: ChatWidget) -> None:
    page = Client().get("/demo/sonora/").content.decode()
    assert page.count("<script") == 1
    assert f'data-widget-key="{widget.key}"' in page
    signed = Client().get("/demo/sonora/?as=rosa").content.decode()
    expected = user_hash(widget.inbox.secret, "sonora-user-1001")
    assert f'data-user-hash="{expected}"' in signed
    assert open_session(widget, user_id="sonora-user-1001", user_hash=expected)["session"]
