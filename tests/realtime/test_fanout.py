"""A batch of group sends through Redis in a few round trips (`realtime.fanout`): every member
gets what channels_redis' own `group_send` would have given it, in the order published.

Runs against the Redis of REDIS_URL (skipped without it), on a channel prefix of its own."""

from __future__ import annotations

import asyncio
import os
import secrets
from typing import Any

import pytest

from atiende.core import events
from atiende.realtime import fanout

needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="the batched fan-out is for channels-redis"
)


def redis_layer(**config: Any) -> Any:
    from channels_redis.core import RedisChannelLayer

    return RedisChannelLayer(
        hosts=[os.environ["REDIS_URL"]], prefix=f"test-fanout-{secrets.token_hex(4)}", **config
    )


async def received(layer: Any, channel: str, count: int) -> list[dict[str, Any]]:
    return [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(count)]


async def nothing_more(layer: Any, channel: str) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 0.3)


@needs_redis
def test_members_get_each_message_in_order() -> None:
    async def scenario() -> None:
        layer = redis_layer()
        assert fanout.batches_for(layer)
        try:
            here = [await layer.new_channel() for _ in range(3)]
            elsewhere = "other.process.channel"  # a plain (non process-local) channel
            await layer.group_add("inbox", here[0])
            await layer.group_add("inbox", here[1])
            await layer.group_add("conversation-1", here[1])
            await layer.group_add("conversation-1", elsewhere)
            await layer.group_add("conversation-2", here[2])
            batch = [
                (["inbox", "conversation-1"], {"type": "atiende.event", "n": 1}),
                (["conversation-2"], {"type": "atiende.event", "n": 2}),
                (["empty-group"], {"type": "atiende.event", "n": 3}),
                (["inbox", "conversation-1"], {"type": "atiende.event", "n": 4}),
            ]
            await fanout.send_batch(layer, batch)
            await fanout.send_batch(layer, [(["conversation-1"], {"type": "x.y", "n": 5})])
            assert [m["n"] for m in await received(layer, here[0], 2)] == [1, 4]
            # In two of a message's groups: one copy (group_send per group would give two), in
            # publishing order.
            assert [m["n"] for m in await received(layer, here[1], 3)] == [1, 4, 5]
            assert await received(layer, here[2], 1) == [{"type": "atiende.event", "n": 2}]
            assert [m["n"] for m in await received(layer, elsewhere, 3)] == [1, 4, 5]
            for channel in [*here, elsewhere]:
                await nothing_more(layer, channel)
        finally:
            await layer.flush()

    asyncio.run(scenario())


@needs_redis
def test_capacity_is_kept() -> None:
    async def scenario() -> None:
        layer = redis_layer(capacity=2)
        try:
            channel = await layer.new_channel()
            await layer.group_add("g", channel)
            batch = [(["g"], {"type": "x.y", "n": n}) for n in range(4)]
            await fanout.send_batch(layer, batch)
            assert [m["n"] for m in await received(layer, channel, 2)] == [0, 1]
            await nothing_more(layer, channel)
        finally:
            await layer.flush()

    asyncio.run(scenario())


@needs_redis
def test_events_send_through_the_batch() -> None:
    async def scenario() -> None:
        layer = redis_layer()
        try:
            channel = await layer.new_channel()
            await layer.group_add(events.INBOX_GROUP, channel)
            await events._send_all(
                layer, [([events.INBOX_GROUP], {"type": "atiende.event", "event_id": 7})]
            )
            assert await received(layer, channel, 1) == [{"type": "atiende.event", "event_id": 7}]
        finally:
            await layer.flush()

    asyncio.run(scenario())


def test_other_layers_use_their_own_group_send() -> None:
    from channels.layers import InMemoryChannelLayer

    assert not fanout.batches_for(InMemoryChannelLayer())


def test_audience_is_each_channel_once_in_the_groups_order() -> None:
    members = {
        "inbox": ["agent-a", "agent-b"],
        "conversation-1": ["agent-b", "agent-c"],
        "contact-1": ["visitor"],
    }
    assert fanout.audience(members, ["inbox", "conversation-1", "contact-1"]) == [
        "agent-a",
        "agent-b",
        "agent-c",
        "visitor",
    ]
    assert fanout.audience(members, ["conversation-1"]) == ["agent-b", "agent-c"]
    # A group with no members (or whose members could not be read) adds nobody.
    assert fanout.audience(members, ["empty", "contact-1"]) == ["visitor"]
    assert fanout.audience(members, ["empty"]) == []


@needs_redis
def test_an_agent_in_a_chat_hears_its_event_once() -> None:
    """The inbox socket of an agent with a live chat is in the inbox group and the chat's
    group: an event of that chat (published to both and to the contact's) reaches it once,
    and the visitor's channel (the contact group) still gets its copy."""

    async def scenario() -> None:
        from atiende.realtime.layer import BatchingRedisChannelLayer

        layer = BatchingRedisChannelLayer(
            hosts=[os.environ["REDIS_URL"]], prefix=f"test-fanout-{secrets.token_hex(4)}"
        )
        try:
            agent = await layer.new_channel()
            visitor = await layer.new_channel()
            other_agent = await layer.new_channel()
            await layer.group_add(events.INBOX_GROUP, agent)
            await layer.group_add(events.INBOX_GROUP, other_agent)
            await layer.group_add(events.conversation_group(9), agent)
            await layer.group_add(events.contact_group(4), visitor)
            groups = [events.INBOX_GROUP, events.conversation_group(9), events.contact_group(4)]
            await events._send_all(
                layer,
                [(groups, {"type": "atiende.event", "event_id": n}) for n in (1, 2)],
            )
            for channel in (agent, visitor, other_agent):
                assert [m["event_id"] for m in await received(layer, channel, 2)] == [1, 2]
                await nothing_more(layer, channel)
        finally:
            await layer.flush()

    asyncio.run(scenario())
