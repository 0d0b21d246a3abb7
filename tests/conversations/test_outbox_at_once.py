"""A chat reply is delivered by the thread that committed it (no worker tick), with the outbox
task as the guard: never twice, and the worker still delivers whatever that did not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from atiende.chat import actions as chat_actions
from atiende.chat import presence, sessions
from atiende.chat.adapter import ChatAdapter
from atiende.chat.models import ChatWidget
from atiende.conversations import actions
from atiende.conversations.models import Conversation, DeliveryStatus, Message
from atiende.core import hooks, tasks
from atiende.core.models import Event, Task, TaskStatus
from atiende.inboxes.models import ChannelKind
from atiende.people.models import Role, User
from tests.chat.helpers import chat_widget, open_session
from tests.factories import Factory

Capture = Callable[..., Any]


@pytest.fixture
def chat(factory: Factory) -> tuple[User, Conversation]:
    widget: ChatWidget = chat_widget(factory)
    opened = sessions.authenticate(open_session(widget)["session"])
    assert opened is not None
    sent = chat_actions.send_message(opened, client_id="at-once-0001", text="Is it shipped?")
    conversation = Conversation.objects.get(pk=sent.conversation_id)
    cache.delete(presence.cache_key(conversation.pk))  # a count left by another run on Redis
    return factory.user(role=Role.ADMIN), conversation


def task_of(message: Message) -> Task:
    return Task.objects.get(key=f"deliver:{message.uuid}")


def woken() -> bool:
    """Whether this process's worker was woken since the last `wait_for_work`."""
    return tasks._wakeup.is_set()


def deliveries(message: Message) -> list[str]:
    return [
        event.data["status"]
        for event in Event.objects.filter(kind="message.delivery").order_by("pk")
        if event.data["message_id"] == message.pk
    ]


def test_a_chat_reply_is_delivered_when_its_transaction_commits(
    chat: tuple[User, Conversation], django_capture_on_commit_callbacks: Capture
) -> None:
    agent, conversation = chat
    tasks.wait_for_work(0)  # forget earlier wake-ups
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.send_reply(agent, conversation, text="It left today.")

    assert not woken()  # the worker would have claimed nothing
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT  # nobody's socket is live
    assert reply.external_id == f"chat-{reply.uuid}"
    task = task_of(reply)
    assert (task.status, task.attempts, task.locked_until) == (TaskStatus.DONE, 1, None)
    assert task.finished_at is not None
    assert deliveries(reply) == [DeliveryStatus.SENT]
    assert tasks.drain() == 0  # nothing left for the worker
    assert deliveries(reply) == [DeliveryStatus.SENT]


def test_a_live_visitor_gets_it_delivered_and_the_unread_email_is_queued(
    chat: tuple[User, Conversation], django_capture_on_commit_callbacks: Capture
) -> None:
    agent, conversation = chat
    presence.socket_opened(conversation.pk)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            reply = actions.send_reply(agent, conversation, text="It left today.")
    finally:
        presence.socket_closed(conversation.pk)
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.DELIVERED
    assert Task.objects.filter(key=f"chat-unread:{reply.uuid}", status=TaskStatus.PENDING).exists()


def test_a_crash_before_the_delivery_leaves_it_to_the_worker(
    chat: tuple[User, Conversation], django_capture_on_commit_callbacks: Capture
) -> None:
    agent, conversation = chat
    # The commit happened; the process died before its after-commit work ran.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply = actions.send_reply(agent, conversation, text="It left today.")
    assert callbacks  # the push and the delivery were waiting for the commit
    assert task_of(reply).status == TaskStatus.PENDING

    assert tasks.drain() == 1
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert deliveries(reply) == [DeliveryStatus.SENT]


def test_a_task_the_worker_took_first_is_not_delivered_twice(
    chat: tuple[User, Conversation], django_capture_on_commit_callbacks: Capture
) -> None:
    agent, conversation = chat
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply = actions.send_reply(agent, conversation, text="It left today.")
    claimed = tasks.claim()  # the worker, woken by another reply, took this one first
    assert [item.key for item in claimed] == [f"deliver:{reply.uuid}"]
    for callback in callbacks:
        callback()  # the push, then the delivery at once: a no-op
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.QUEUED
    assert deliveries(reply) == []

    assert tasks.run(claimed[0])
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert deliveries(reply) == [DeliveryStatus.SENT]


def test_a_failure_rolls_the_delivery_back_for_the_worker(
    chat: tuple[User, Conversation],
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agent, conversation = chat
    original = ChatAdapter.send
    calls = []

    def flaky(self: ChatAdapter, *args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        if len(calls) == 1:
            raise ConnectionError("the cache is down")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ChatAdapter, "send", flaky)
    tasks.wait_for_work(0)
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.send_reply(agent, conversation, text="It left today.")
    assert woken()  # the in-line delivery failed: the worker is told at once
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.QUEUED
    task = task_of(reply)
    assert (task.status, task.attempts) == (TaskStatus.PENDING, 0)
    assert deliveries(reply) == []

    assert tasks.drain() == 1
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert deliveries(reply) == [DeliveryStatus.SENT]
    assert calls == [{"pushed": True}, {"pushed": True}]  # the frame was pushed once, at commit


def test_a_reply_read_before_its_delivery_stays_read(
    chat: tuple[User, Conversation], django_capture_on_commit_callbacks: Capture
) -> None:
    agent, conversation = chat
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply = actions.send_reply(agent, conversation, text="It left today.")
    Message.objects.filter(pk=reply.pk).update(delivery_status=DeliveryStatus.READ)
    for callback in callbacks:
        callback()
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.READ
    assert deliveries(reply) == []
    assert task_of(reply).status == TaskStatus.PENDING  # the worker finishes it, sending nothing
    assert tasks.drain() == 1
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.READ
    assert task_of(reply).status == TaskStatus.DONE


def test_other_channels_and_suspended_subscribers_keep_the_worker(
    factory: Factory, django_capture_on_commit_callbacks: Capture
) -> None:
    agent = factory.user(role=Role.ADMIN)
    email_conversation = factory.conversation(factory.inbox(channel=ChannelKind.EMAIL))
    tasks.wait_for_work(0)
    with django_capture_on_commit_callbacks(execute=True):
        by_email = actions.send_reply(agent, email_conversation, text="Sent by the worker")
    assert task_of(by_email).status == TaskStatus.PENDING
    assert woken()

    widget = chat_widget(factory)
    visitor = sessions.authenticate(open_session(widget)["session"])
    assert visitor is not None
    sent = chat_actions.send_message(visitor, client_id="at-once-0002", text="Hello")
    conversation = Conversation.objects.get(pk=sent.conversation_id)
    with hooks.suspended(), django_capture_on_commit_callbacks(execute=True):
        imported = actions.send_reply(agent, conversation, text="Replayed history")
    assert task_of(imported).status == TaskStatus.PENDING
    assert task_of(imported).payload == {"message_id": imported.pk, "pushed": False}
