"""Replies leave through the durable outbox: retried with backoff, never sent twice."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core import mail

from atiende.conversations.actions import add_note, send_reply
from atiende.conversations.models import DeliveryStatus, Message
from atiende.core import tasks
from atiende.core.models import Task, TaskStatus
from atiende.inboxes import registry
from atiende.inboxes.contract import Capabilities, DeliveryError, DeliveryResult, OutboundMessage
from atiende.inboxes.models import Inbox
from tests.factories import Factory


class FlakyAdapter:
    """A channel whose provider fails the first `failures` calls."""

    kind = "flaky"
    capabilities = Capabilities()
    sent: ClassVar[list[str]] = []

    def __init__(self, failures: int) -> None:
        self.failures = failures

    def verify_signature(self, inbox: Inbox, headers: dict[str, str], body: bytes) -> bool:
        return False

    def send(self, inbox: Inbox, message: OutboundMessage) -> DeliveryResult:
        if self.failures:
            self.failures -= 1
            raise DeliveryError("provider unavailable")
        self.sent.append(message.idempotency_key)
        return DeliveryResult(external_id=f"flaky-{message.message_id}")


def _due_now() -> None:
    Task.objects.filter(status=TaskStatus.PENDING).update(run_at="2000-01-01T00:00:00Z")


def test_reply_is_queued_then_delivered_by_the_worker(factory: Factory) -> None:
    conversation = factory.conversation(email="kim@example.test")
    agent = factory.user(role="admin")

    reply = send_reply(agent, conversation, text="We restored your playlist.")

    assert reply.delivery_status == DeliveryStatus.QUEUED
    assert tasks.drain() == 1
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kim@example.test"]
    assert "We restored your playlist." in str(mail.outbox[0].body)


def test_failed_delivery_is_retried_with_backoff_and_sent_once(factory: Factory) -> None:
    adapter = FlakyAdapter(failures=2)
    registry.register(adapter)
    FlakyAdapter.sent.clear()
    inbox = factory.inbox(channel="flaky")
    conversation = factory.conversation(inbox=inbox)
    agent = factory.user(role="admin")
    reply = send_reply(agent, conversation, text="Try again please")

    tasks.drain()
    reply.refresh_from_db()
    task = Task.objects.get()
    assert reply.delivery_status == DeliveryStatus.RETRYING
    assert task.status == TaskStatus.PENDING
    assert task.run_at > task.created_at

    _due_now()
    tasks.drain()
    _due_now()
    tasks.drain()
    _due_now()
    tasks.drain()

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert FlakyAdapter.sent == [str(reply.uuid)]


def test_a_reply_already_sent_is_not_sent_again(factory: Factory) -> None:
    conversation = factory.conversation()
    agent = factory.user(role="admin")
    send_reply(agent, conversation, text="Done")
    tasks.drain()
    # A worker that crashed after the provider accepted comes back and runs the task again.
    Task.objects.update(status=TaskStatus.PENDING)

    tasks.drain()

    assert len(mail.outbox) == 1


def test_reply_that_keeps_failing_is_marked_failed(factory: Factory, settings: Any) -> None:
    settings.ATIENDE_TASK_MAX_ATTEMPTS = 2
    registry.register(FlakyAdapter(failures=10))
    inbox = factory.inbox(channel="flaky")
    reply = send_reply(factory.user(role="admin"), factory.conversation(inbox=inbox), text="Hi")

    tasks.drain()
    _due_now()
    tasks.drain()

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "provider unavailable" in reply.delivery_error


def test_notes_are_never_delivered(factory: Factory) -> None:
    conversation = factory.conversation()

    note = add_note(factory.user(role="admin"), conversation, text="VIP customer")

    assert tasks.drain() == 0
    assert Message.objects.get(pk=note.pk).delivery_status == DeliveryStatus.NONE
    assert mail.outbox == []
