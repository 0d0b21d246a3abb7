"""The outbox adapter: replies reach a connected visitor's sockets ("delivered"), and a visitor
who has gone, or leaves a reply unread, gets it by email once, with a portal link."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.core.cache import cache
from django.test import Client

from atiende.chat import presence
from atiende.chat.extensions import conversation_visitors_group
from atiende.chat.models import ChatWidget
from atiende.conversations import actions
from atiende.conversations.models import Conversation, Message
from atiende.core import hooks, tasks
from atiende.core.models import Event
from atiende.people.models import Role
from tests.chat.helpers import chat_widget, open_session
from tests.factories import Factory


@pytest.fixture
def widget(factory: Factory) -> ChatWidget:
    return chat_widget(factory)


def visitor_writes(widget: ChatWidget, email: str = "") -> tuple[str, Conversation]:
    session = (
        open_session(widget, email=email)["session"] if email else open_session(widget)["session"]
    )
    response = Client().post(
        f"/api/chat/{widget.key}/messages",
        data=json.dumps({"client_id": "adapter-0001", "text": "Where is my refund?"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {session}"},
    )
    assert response.status_code == 200, response.content
    conversation = Conversation.objects.get(pk=response.json()["conversation_id"])
    # With Redis the cache outlives the test database: a count from another run must not make
    # this conversation look live.
    cache.delete(presence.cache_key(conversation.pk))
    return session, conversation


def test_a_reply_to_a_gone_visitor_with_an_email_is_emailed_once(
    widget: ChatWidget, factory: Factory, settings: Any
) -> None:
    settings.ATIENDE_CHAT_GONE_EMAIL_SECONDS = 0
    _session, conversation = visitor_writes(widget, email="li.wei@example.test")
    agent = factory.user(role=Role.ADMIN, display_name="Ana")
    reply = actions.send_reply(agent, conversation, text="Your refund left today.")
    tasks.drain()
    reply.refresh_from_db()
    assert reply.delivery_status == "sent"
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["li.wei@example.test"]
    assert "Your refund left today." in email.body
    assert settings.SITE_URL in email.body  # the portal sign-in link
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"
    # A second reply is emailed on its own; the first is not repeated.
    actions.send_reply(agent, conversation, text="Anything else?")
    tasks.drain()
    assert len(mail.outbox) == 2
    assert "Your refund left today." not in mail.outbox[1].body


def test_a_reply_to_a_connected_visitor_is_delivered_and_not_emailed_once_read(
    widget: ChatWidget, factory: Factory, settings: Any
) -> None:
    settings.ATIENDE_CHAT_UNREAD_EMAIL_SECONDS = 0
    session, conversation = visitor_writes(widget, email="rosa@example.test")
    presence.socket_opened(conversation.pk)
    try:
        agent = factory.user(role=Role.ADMIN)
        reply = actions.send_reply(agent, conversation, text="Refunded.")
        tasks.run_pending()  # the delivery only: the email check is queued behind it
        reply.refresh_from_db()
        assert reply.delivery_status == "delivered"
        Client().post(
            f"/api/chat/{widget.key}/read",
            data=json.dumps({"seq": reply.seq}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {session}"},
        )
        tasks.drain()
        assert mail.outbox == []
    finally:
        presence.socket_closed(conversation.pk)


def test_an_unread_reply_is_emailed_after_the_delay(
    widget: ChatWidget, factory: Factory, settings: Any
) -> None:
    settings.ATIENDE_CHAT_UNREAD_EMAIL_SECONDS = 0
    _session, conversation = visitor_writes(widget, email="rosa@example.test")
    presence.socket_opened(conversation.pk)
    try:
        actions.send_reply(factory.user(role=Role.ADMIN), conversation, text="Refunded.")
        tasks.drain()
    finally:
        presence.socket_closed(conversation.pk)
    assert len(mail.outbox) == 1


def test_an_anonymous_visitor_without_email_is_not_emailed(
    widget: ChatWidget, factory: Factory, settings: Any
) -> None:
    settings.ATIENDE_CHAT_GONE_EMAIL_SECONDS = 0
    _session, conversation = visitor_writes(widget)
    actions.send_reply(factory.user(role=Role.ADMIN), conversation, text="Hello?")
    tasks.drain()
    assert mail.outbox == []
    assert Message.objects.get(seq=2, conversation=conversation).delivery_status == "sent"


def frames_heard(channel: str) -> list[dict[str, Any]]:
    """Every message the channel layer holds for `channel` (until half a second of silence)."""
    layer = get_channel_layer()

    async def collect() -> list[dict[str, Any]]:
        heard = []
        while True:
            try:
                heard.append(await asyncio.wait_for(layer.receive(channel), 0.5))
            except TimeoutError:
                return heard

    return async_to_sync(collect)()


def listen_to_visitors(conversation: Conversation) -> str:
    layer = get_channel_layer()
    channel: str = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(conversation_visitors_group(conversation.pk), channel)
    return channel


@pytest.mark.django_db(transaction=True)
def test_a_reply_is_pushed_once_after_commit_and_delivered_without_a_sending_mark(
    widget: ChatWidget, factory: Factory
) -> None:
    _session, conversation = visitor_writes(widget)
    channel = listen_to_visitors(conversation)
    reply = actions.send_reply(factory.user(role=Role.ADMIN), conversation, text="On its way.")
    tasks.run_pending()  # the delivery
    pushed = [m["frame"] for m in frames_heard(channel) if m["type"] == "atiende.chat_message"]
    # Pushed by the after-commit subscriber; the adapter does not push the same frame again.
    assert [(frame["seq"], frame["text"]) for frame in pushed] == [(reply.seq, "On its way.")]
    assert pushed[0]["direction"] == "outbound"
    statuses = [
        event.data["status"]
        for event in Event.objects.filter(kind="message.delivery", conversation=conversation)
    ]
    assert statuses == ["sent"]  # no "sending" mark for a push that takes milliseconds
    reply.refresh_from_db()
    assert reply.delivery_status == "sent"


@pytest.mark.django_db(transaction=True)
def test_with_subscribers_suspended_the_adapter_pushes_the_reply(
    widget: ChatWidget, factory: Factory
) -> None:
    _session, conversation = visitor_writes(widget)
    channel = listen_to_visitors(conversation)
    with hooks.suspended():
        reply = actions.send_reply(factory.user(role=Role.ADMIN), conversation, text="Late.")
    tasks.run_pending()
    pushed = [m["frame"] for m in frames_heard(channel) if m["type"] == "atiende.chat_message"]
    assert [frame["seq"] for frame in pushed] == [reply.seq]
