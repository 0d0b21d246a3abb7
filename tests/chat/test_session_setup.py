"""Opening a session and a socket read as little as they can: a new visitor's contact is known
without a query, a socket authenticates once. What they answer must not change."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from atiende.chat import hops
from atiende.chat.identity import user_hash
from atiende.chat.models import ChatSession, ChatWidget, Visitor
from tests.chat.helpers import chat_widget, open_session
from tests.factories import Factory
from tests.mail.test_indexes import INDEX, plans_of_external_id_lookups


@pytest.fixture
def widget(factory: Factory) -> ChatWidget:
    return chat_widget(factory)


def send(widget: ChatWidget, session: str, client_id: str, text: str) -> int:
    response = Client().post(
        f"/api/chat/{widget.key}/messages",
        data=json.dumps({"client_id": client_id, "text": text}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {session}"},
    )
    assert response.status_code == 200, response.content
    return int(response.json()["conversation_id"])


def test_a_signed_in_user_on_a_new_device_finds_their_conversation(widget: ChatWidget) -> None:
    signature = user_hash(widget.inbox.secret, "u_77")
    first = open_session(widget, user_id="u_77", user_hash=signature)
    conversation_id = send(widget, first["session"], "setup-0000001", "Hello")

    # Another browser: a new visitor row, the same signed-in user.
    other = open_session(widget, user_id="u_77", user_hash=signature)

    assert other["visitor_token"] != first["visitor_token"]
    assert (other["conversation_id"], other["last_seq"]) == (conversation_id, 1)
    opened = hops._open(other["session"], "127.0.0.1")
    assert not isinstance(opened, int)
    assert (opened.conversation_id, opened.last_seq) == (conversation_id, 1)


def test_a_socket_finds_the_conversation_of_a_visitor_known_by_contact(
    widget: ChatWidget,
) -> None:
    data = open_session(widget)
    conversation_id = send(widget, data["session"], "setup-0000002", "Hi")
    writer = Visitor.objects.get()
    assert writer.contact_id is not None
    new = open_session(widget)
    # Another visitor row that points at the contact (as leaving an email does), with no
    # identity of its own.
    Visitor.objects.exclude(pk=writer.pk).update(contact=writer.contact_id)

    opened = hops._open(new["session"], "127.0.0.1")
    fresh = hops._open(open_session(widget)["session"], "127.0.0.1")

    assert not isinstance(opened, int)
    assert not isinstance(fresh, int)
    assert opened.conversation_id == conversation_id
    assert (fresh.conversation_id, fresh.last_seq) == (None, 0)


def test_a_returning_visitor_sheds_expired_sessions_and_a_new_one_has_one(
    widget: ChatWidget,
) -> None:
    first = open_session(widget)
    visitor = Visitor.objects.get()
    ChatSession.objects.filter(visitor=visitor).update(expires_at="2000-01-01T00:00:00Z")
    assert hops._open(first["session"], "127.0.0.1") == hops.CLOSE_SESSION

    again = open_session(widget, visitor_token=first["visitor_token"])

    assert ChatSession.objects.filter(visitor=visitor).count() == 1
    assert not isinstance(hops._open(again["session"], "127.0.0.1"), int)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the planner question is SQLite's")
def test_a_repeated_client_id_is_found_through_the_unique_index(widget: ChatWidget) -> None:
    data = open_session(widget)
    for n in range(3):  # more than one message in the inbox: a scan would have a choice
        send(widget, data["session"], f"index-000000{n}", f"Hello {n}")

    with CaptureQueriesContext(connection) as captured:
        send(widget, data["session"], "index-0000001", "Hello 1")  # the client sends it again

    plans = plans_of_external_id_lookups(captured)
    assert plans, captured.captured_queries
    for plan in plans:
        assert f"USING INDEX {INDEX}" in plan, plan
