"""`events.published_together()`: what the transactions of a block publish goes out when the
block ends, in order and only if committed; their subscribers run in one transaction, and one
by one when one of them fails."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction

from atiende.core import events, hooks
from atiende.core.models import Event


@pytest.fixture
def inbox_channel() -> Iterator[str]:
    layer = get_channel_layer()
    assert layer is not None
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(events.INBOX_GROUP, channel)
    yield channel
    async_to_sync(layer.group_discard)(events.INBOX_GROUP, channel)


def received(channel: str) -> list[dict[str, Any]]:
    """What reached `channel` so far (read in one event loop: the Redis layer's buffer of a
    channel belongs to the loop that read it first)."""
    layer = get_channel_layer()
    assert layer is not None

    async def drain() -> list[dict[str, Any]]:
        messages = []
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), 0.3))
            except TimeoutError:
                return messages

    return async_to_sync(drain)()


@pytest.mark.django_db(transaction=True)
def test_a_block_publishes_its_commits_at_its_end_in_order(
    inbox_channel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hand_overs: list[int] = []
    send = events._send

    def counted(messages: list[tuple[list[str], dict[str, Any]]]) -> None:
        hand_overs.append(len(messages))
        send(messages)

    monkeypatch.setattr(events, "_send", counted)
    with events.published_together():
        with transaction.atomic():
            events.record("test.first")
        try:
            with transaction.atomic():
                events.record("test.rolled_back")
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        with transaction.atomic():
            events.record("test.second")
            try:
                with transaction.atomic():
                    events.record("test.savepoint_rolled_back")
                    raise RuntimeError("abort the savepoint")
            except RuntimeError:
                pass
        assert hand_overs == []  # nothing yet
    assert hand_overs == [2]  # one hand-over to the layer for the whole block
    # Outside a block, each commit publishes at once, as before.
    with transaction.atomic():
        events.record("test.alone")
    assert hand_overs == [2, 1]
    assert [message["kind"] for message in received(inbox_channel)] == [
        "test.first",
        "test.second",
        "test.alone",
    ]


@pytest.mark.django_db(transaction=True)
def test_subscribers_run_after_the_block_in_one_transaction() -> None:
    seen: list[tuple[str, bool]] = []

    def subscriber(event: Event) -> None:
        seen.append((event.kind, connection.in_atomic_block))
        events.record("test.reaction", data={"to": event.pk})

    hooks.subscribe("test.together", subscriber)
    try:
        with events.published_together():
            for _n in range(3):
                with transaction.atomic():
                    events.record("test.together")
            assert seen == []
        assert seen == [("test.together", True)] * 3
        assert Event.objects.filter(kind="test.reaction").count() == 3
    finally:
        hooks.unsubscribe("test.together", subscriber)


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_undoes_the_shared_try_and_they_run_one_by_one(
    inbox_channel: str,
) -> None:
    def writes(event: Event) -> None:
        events.record("test.written", data={"to": event.pk})

    def fails(event: Event) -> None:
        events.record("test.before_failing", data={"to": event.pk})
        raise RuntimeError("subscriber broken")

    hooks.subscribe("test.together", writes)
    hooks.subscribe("test.together", fails)
    try:
        with events.published_together():
            with transaction.atomic():
                first = events.record("test.together")
            with transaction.atomic():
                second = events.record("test.together")
    finally:
        hooks.unsubscribe("test.together", writes)
        hooks.unsubscribe("test.together", fails)
    # Each subscriber ran once per event in the end: nothing of the undone try is left.
    for kind in ("test.written", "test.before_failing"):
        targets = sorted(Event.objects.filter(kind=kind).values_list("data__to", flat=True))
        assert targets == [first.pk, second.pk]
    kinds = [message["kind"] for message in received(inbox_channel)]
    assert kinds.count("test.together") == 2
    assert kinds.count("test.written") == 2
