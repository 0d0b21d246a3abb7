"""Deliveries against a real HTTP receiver on 127.0.0.1: signed, retried, given up, disabled."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from django.utils import timezone

from atiende.conversations.actions import add_note, send_reply
from atiende.core import callbacks, recurring, tasks
from atiende.core.models import Event, Task, TaskStatus
from atiende.people.models import Role
from atiende.webhooks import actions
from atiende.webhooks.delivery import (
    ATTEMPT,
    DELIVER_EVENT,
    PRUNE,
    on_event,
    prune_log,
    retry_after_seconds,
)
from atiende.webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint
from tests.factories import Factory
from tests.webhooks.conftest import Answer, Receiver


def bodies(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(request.body) for request in receiver.requests]


def test_a_received_message_reaches_the_endpoint_signed(
    endpoint: Endpoint, receiver: Receiver
) -> None:
    factory = Factory()
    message = factory.inbound(factory.inbox(), text="My invoice is wrong")

    tasks.drain()

    kinds = sorted(body["kind"] for body in bodies(receiver))
    assert kinds == ["contact.created", "conversation.created", "message.created"]
    request = next(r for r in receiver.requests if json.loads(r.body)["kind"] == "message.created")
    body = json.loads(request.body)
    event = Event.objects.get(pk=body["id"])
    assert event.kind == "message.created"
    assert body["created_at"] == event.created_at.isoformat()
    assert body["data"]["message"]["id"] == message.pk
    assert body["data"]["message"]["text"] == "My invoice is wrong"
    assert body["data"]["conversation"]["id"] == message.conversation_id
    assert body["data"]["change"]["message_id"] == message.pk
    assert body["actor"] == {"kind": "contact", "id": message.author_contact_id}
    assert callbacks.verify([endpoint.secret], request.headers["x-atiende-signature"], request.body)
    assert not callbacks.verify(
        ["whsec_other"], request.headers["x-atiende-signature"], request.body
    )
    assert request.headers["x-atiende-event"] == "message.created"
    delivery = Delivery.objects.get(uuid=request.headers["x-atiende-delivery"])
    assert delivery.event_id == event.pk
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert request.headers["content-type"] == "application/json"


def test_replies_are_sent_and_notes_only_when_asked(endpoint: Endpoint, receiver: Receiver) -> None:
    factory = Factory()
    agent = factory.user(role=Role.ADMIN)
    conversation = factory.conversation()
    tasks.drain()
    receiver.requests.clear()

    send_reply(agent, conversation, text="Refunded, sorry about that")
    add_note(agent, conversation, text="customer was upset")
    tasks.drain()

    messages = [b for b in bodies(receiver) if b["kind"] == "message.created"]
    assert [m["data"]["message"]["text"] for m in messages] == ["Refunded, sorry about that"]
    assert messages[0]["actor"] == {"kind": "agent", "id": agent.pk}
    assert messages[0]["data"]["message"]["direction"] == "outbound"
    assert "conversation.assigned" in {b["kind"] for b in bodies(receiver)}

    actions.update_endpoint(None, endpoint, include_notes=True)
    add_note(agent, conversation, text="second note")
    tasks.drain()

    texts = [
        b["data"]["message"]["text"] for b in bodies(receiver) if b["kind"] == "message.created"
    ]
    assert "second note" in texts
    assert "customer was upset" not in texts


def test_only_the_subscribed_kinds_and_inbox_are_sent(
    transactional_db: None, receiver: Receiver
) -> None:
    factory = Factory()
    watched, other = factory.inbox(), factory.inbox()
    actions.create_endpoint(None, url=receiver.url, kinds=["conversation.created"], inbox=watched)

    factory.conversation(inbox=watched)
    factory.conversation(inbox=other)
    tasks.drain()

    sent = bodies(receiver)
    assert [body["kind"] for body in sent] == ["conversation.created"]
    assert sent[0]["data"]["conversation"]["inbox_id"] == watched.pk


def only_conversations(receiver: Receiver) -> Endpoint:
    return actions.create_endpoint(None, url=receiver.url, kinds=["conversation.created"])


def test_a_server_error_is_retried_with_the_same_body_until_it_succeeds(
    transactional_db: None, receiver: Receiver
) -> None:
    only_conversations(receiver)
    receiver.answer(Answer(500, body=b"boom"), Answer(503))

    Factory().conversation()
    tasks.drain()

    assert len(receiver.requests) == 3
    assert len({r.body for r in receiver.requests}) == 1
    assert len({r.headers["x-atiende-delivery"] for r in receiver.requests}) == 1
    delivery = Delivery.objects.get()
    assert str(delivery.uuid) == receiver.requests[0].headers["x-atiende-delivery"]
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 3
    log = list(delivery.attempt_log.order_by("number"))
    assert [a.status_code for a in log] == [500, 503, 200]
    assert log[0].response_body == "boom"


def test_a_client_error_is_not_retried(transactional_db: None, receiver: Receiver) -> None:
    only_conversations(receiver)
    receiver.answer(Answer(400, body=b"unknown field"))

    Factory().conversation()
    tasks.drain()

    assert len(receiver.requests) == 1
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_status_code == 400
    assert delivery.finished_at is not None
    assert not Task.objects.filter(name=ATTEMPT).exists()


def test_408_and_429_are_retried(transactional_db: None, receiver: Receiver) -> None:
    only_conversations(receiver)
    receiver.answer(Answer(408), Answer(429))

    Factory().conversation()
    tasks.drain()

    assert [a.status_code for a in Attempt.objects.order_by("number")] == [408, 429, 200]
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_retry_after_sets_when_the_next_attempt_is_made(
    transactional_db: None, receiver: Receiver, settings: Any
) -> None:
    settings.ATIENDE_WEBHOOKS_RETRY_BASE_SECONDS = 600  # without Retry-After: ten minutes
    only_conversations(receiver)
    receiver.answer(Answer(429, headers={"Retry-After": "1"}))

    Factory().conversation()
    tasks.drain()

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    retry = Task.objects.get(name=ATTEMPT, status=TaskStatus.PENDING)
    wait = (retry.run_at - timezone.now()).total_seconds()
    assert 0 < wait <= 1
    assert (
        delivery.next_attempt_at == retry.run_at
        or abs(
            (delivery.next_attempt_at - retry.run_at).total_seconds()  # type: ignore[operator]
        )
        < 0.1
    )
    assert len(receiver.requests) == 1

    time.sleep(wait + 0.05)
    tasks.drain()

    assert len(receiver.requests) == 2
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_without_retry_after_the_backoff_doubles(
    transactional_db: None, receiver: Receiver, settings: Any
) -> None:
    settings.ATIENDE_WEBHOOKS_RETRY_BASE_SECONDS = 60
    only_conversations(receiver)
    receiver.answer(Answer(500))

    Factory().conversation()
    tasks.drain()

    retry = Task.objects.get(name=ATTEMPT, status=TaskStatus.PENDING)
    wait = (retry.run_at - timezone.now()).total_seconds()
    assert 60 * 0.75 - 1 <= wait <= 60 * 1.25


def test_a_timeout_is_retried(transactional_db: None, receiver: Receiver, settings: Any) -> None:
    settings.ATIENDE_WEBHOOKS_TIMEOUT = 0.3
    only_conversations(receiver)
    receiver.answer(Answer(200, delay=1.0))

    Factory().conversation()
    tasks.drain()

    first, second = Attempt.objects.order_by("number")
    assert first.status_code is None
    assert "timed out" in first.error
    assert second.status_code == 200
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_a_refused_connection_is_retried_then_given_up(
    transactional_db: None, receiver: Receiver, settings: Any
) -> None:
    settings.ATIENDE_WEBHOOKS_MAX_ATTEMPTS = 3
    url = receiver.url
    receiver.server.shutdown()
    receiver.server.server_close()  # nothing listens on that port any more
    actions.create_endpoint(None, url=url, kinds=["conversation.created"])

    Factory().conversation()
    tasks.drain()

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 3
    assert all("ConnectError" in a.error for a in delivery.attempt_log.all())


def test_the_endpoint_is_disabled_after_n_failed_deliveries_and_admins_see_why(
    transactional_db: None, receiver: Receiver, settings: Any
) -> None:
    settings.ATIENDE_WEBHOOKS_DISABLE_AFTER = 2
    endpoint = only_conversations(receiver)
    receiver.answer(Answer(410), Answer(410))
    factory = Factory()

    factory.conversation()
    tasks.drain()
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert endpoint.consecutive_failures == 1

    factory.conversation()
    tasks.drain()
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_at is not None
    assert "2 deliveries in a row failed" in endpoint.disabled_reason
    assert "HTTP 410" in endpoint.disabled_reason
    assert Event.objects.filter(kind="webhook.endpoint_disabled").count() == 1

    factory.conversation()
    tasks.drain()
    assert len(receiver.requests) == 2  # nothing is sent to a disabled endpoint

    actions.update_endpoint(None, endpoint, is_active=True)
    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == ""
    assert endpoint.consecutive_failures == 0


def test_a_success_resets_the_failure_count(transactional_db: None, receiver: Receiver) -> None:
    endpoint = only_conversations(receiver)
    receiver.answer(Answer(404))
    factory = Factory()

    factory.conversation()
    factory.conversation()
    tasks.drain()

    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    assert endpoint.is_active


def test_a_retry_for_an_endpoint_disabled_meanwhile_is_not_sent(
    transactional_db: None, receiver: Receiver, settings: Any
) -> None:
    settings.ATIENDE_WEBHOOKS_RETRY_BASE_SECONDS = 0.5
    endpoint = only_conversations(receiver)
    receiver.answer(Answer(500))
    Factory().conversation()
    tasks.drain()
    actions.update_endpoint(None, endpoint, is_active=False)

    time.sleep(0.7)
    tasks.drain()

    assert len(receiver.requests) == 1
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "the endpoint is disabled"


def test_private_addresses_are_refused_unless_allowed(
    transactional_db: None, receiver: Receiver, settings: Any
) -> None:
    settings.ATIENDE_WEBHOOKS_ALLOW_PRIVATE = False
    port = receiver.server.server_address[1]
    for host in ("127.0.0.1", "localhost", "[::ffff:127.0.0.1]"):
        actions.create_endpoint(
            None, url=f"http://{host}:{port}/hooks", kinds=["conversation.created"]
        )

    Factory().conversation()
    tasks.drain()

    assert receiver.requests == []
    deliveries = list(Delivery.objects.all())
    assert len(deliveries) == 3
    for delivery in deliveries:
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.attempts == 1  # refused for good: no retry
        assert "is not public" in delivery.last_error


def test_a_redirect_is_not_followed(transactional_db: None, receiver: Receiver) -> None:
    only_conversations(receiver)
    elsewhere = receiver.url.replace("/hooks", "/internal")
    receiver.answer(Answer(307, headers={"Location": elsewhere}))

    Factory().conversation()
    tasks.drain()

    assert [r.path for r in receiver.requests] == ["/hooks"]
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_status_code == 307
    assert delivery.last_error == "redirects are not followed"


def test_a_task_run_again_after_its_worker_died_sends_nothing_twice(
    transactional_db: None, receiver: Receiver
) -> None:
    only_conversations(receiver)
    Factory().conversation()
    claimed_now = tasks.claim(50)
    [claimed] = [item for item in claimed_now if item.name == DELIVER_EVENT]
    others = [item.pk for item in claimed_now if item.pk != claimed.pk]
    Task.objects.filter(pk__in=others).update(status=TaskStatus.PENDING, locked_until=None)
    # The worker sends and records the attempt, then dies before marking the task done.
    tasks._registry[claimed.name].function(claimed.payload)
    assert Task.objects.get(pk=claimed.pk).status == TaskStatus.RUNNING
    Task.objects.filter(pk=claimed.pk).update(locked_until=timezone.now())  # the lease expires

    tasks.drain()  # another worker takes it again

    assert len(receiver.requests) == 1
    assert Task.objects.get(pk=claimed.pk).status == TaskStatus.DONE
    assert Delivery.objects.get().attempts == 1


def test_the_same_event_notified_twice_queues_one_delivery(
    transactional_db: None, receiver: Receiver
) -> None:
    only_conversations(receiver)
    Factory().conversation()
    event = Event.objects.get(kind="conversation.created")

    on_event(event)  # a repeated notice (a subscriber run again after a failed batch)
    tasks.drain()
    on_event(event)
    tasks.drain()

    assert len(receiver.requests) == 1
    assert Delivery.objects.count() == 1


def test_during_a_rotation_both_secrets_sign(endpoint: Endpoint, receiver: Receiver) -> None:
    old_secret = endpoint.secret
    rotated = actions.rotate_secret(None, endpoint)

    actions.send_ping(None, rotated)
    tasks.drain()
    Endpoint.objects.filter(pk=endpoint.pk).update(previous_secret_expires_at=timezone.now())
    actions.send_ping(None, rotated)
    tasks.drain()

    during, after = receiver.requests
    assert during.headers["x-atiende-signature"].count("v1=") == 2
    assert callbacks.verify([old_secret], during.headers["x-atiende-signature"], during.body)
    assert callbacks.verify([rotated.secret], during.headers["x-atiende-signature"], during.body)
    assert after.headers["x-atiende-signature"].count("v1=") == 1
    assert not callbacks.verify([old_secret], after.headers["x-atiende-signature"], after.body)
    assert callbacks.verify([rotated.secret], after.headers["x-atiende-signature"], after.body)


def test_a_redelivery_sends_the_same_event_under_a_new_delivery_id(
    endpoint: Endpoint, receiver: Receiver
) -> None:
    receiver.answer(Answer(400))
    actions.update_endpoint(None, endpoint, kinds=["conversation.created"])
    Factory().conversation()
    tasks.drain()
    original = Delivery.objects.get()

    copy = actions.redeliver(None, original)
    tasks.drain()

    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["x-atiende-delivery"] != second.headers["x-atiende-delivery"]
    copy.refresh_from_db()
    assert copy.status == DeliveryStatus.SUCCEEDED
    assert copy.manual


def test_a_ping_reaches_even_a_disabled_endpoint(endpoint: Endpoint, receiver: Receiver) -> None:
    actions.update_endpoint(None, endpoint, is_active=False)

    actions.send_ping(None, endpoint)
    tasks.drain()

    [request] = receiver.requests
    body = json.loads(request.body)
    assert body["kind"] == "webhook.ping"
    assert body["data"] == {"endpoint_id": endpoint.pk}
    assert request.headers["x-atiende-event"] == "webhook.ping"


def test_pruning_deletes_finished_deliveries_older_than_the_log_keeps(
    endpoint: Endpoint, receiver: Receiver, settings: Any
) -> None:
    settings.ATIENDE_WEBHOOKS_LOG_DAYS = 30
    actions.send_ping(None, endpoint)
    actions.send_ping(None, endpoint)
    tasks.drain()
    old, recent = Delivery.objects.order_by("pk")
    Delivery.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=31))
    waiting = Delivery.objects.create(endpoint=endpoint, kind="webhook.ping", body="{}")
    Delivery.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(days=40))

    assert prune_log() == 1

    assert set(Delivery.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not Attempt.objects.filter(delivery_id=old.pk).exists()
    assert Attempt.objects.filter(delivery_id=recent.pk).count() == 1


def test_pruning_runs_as_a_recurring_task(endpoint: Endpoint) -> None:
    recurring.start_all()
    tasks.drain()

    done = Task.objects.filter(name=PRUNE, status=TaskStatus.DONE)
    assert done.count() == 1
    assert Task.objects.filter(name=PRUNE, status=TaskStatus.PENDING).count() == 1  # the next


def test_a_process_reuses_its_endpoint_list_within_the_cache_time(
    transactional_db: None, receiver: Receiver, settings: Any
) -> None:
    settings.ATIENDE_WEBHOOKS_ENDPOINT_CACHE_SECONDS = 60
    endpoint = only_conversations(receiver)
    factory = Factory()
    factory.conversation()
    tasks.drain()
    # Another process turns it off (an update: no signal reaches this one).
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    factory.conversation()
    tasks.drain()
    # A change made in this process applies at once.
    actions.update_endpoint(None, endpoint, description="renamed")
    factory.conversation()
    tasks.drain()

    assert len(receiver.requests) == 1
    assert [d.status for d in Delivery.objects.order_by("pk")] == [
        DeliveryStatus.SUCCEEDED,
        DeliveryStatus.FAILED,  # queued from the cached list; refused when it ran
    ]


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)

    assert retry_after_seconds("120") == 120
    assert 58 <= (retry_after_seconds(in_a_minute) or 0) <= 60
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past: now
    assert retry_after_seconds("") is None
    assert retry_after_seconds("soon") is None
