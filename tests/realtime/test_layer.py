"""The batching Redis channel layer (`realtime.layer`): process-local channels are read by one
task in batches, each message reaches its channel once and in order, a consumer that goes away
takes nothing from the others, and the storage is channels_redis' own.

Runs against the Redis of REDIS_URL (skipped without it), on a channel prefix of its own."""

from __future__ import annotations

import asyncio
import os
import secrets
from typing import Any

import pytest

from atiende.realtime import fanout

needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="the batching layer is for channels-redis"
)


def layers(prefix: str = "") -> tuple[Any, Any]:
    """Ours, and channels_redis' own on the same prefix (another process's layer)."""
    from channels_redis.core import RedisChannelLayer

    from atiende.realtime.layer import BatchingRedisChannelLayer

    prefix = prefix or f"test-layer-{secrets.token_hex(4)}"
    hosts = [os.environ["REDIS_URL"]]
    return (
        BatchingRedisChannelLayer(hosts=hosts, prefix=prefix, capacity=1000),
        RedisChannelLayer(hosts=hosts, prefix=prefix, capacity=1000),
    )


async def received(layer: Any, channel: str, count: int) -> list[Any]:
    return [(await asyncio.wait_for(layer.receive(channel), 5))["n"] for _ in range(count)]


async def nothing_more(layer: Any, channel: str) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 0.3)


@needs_redis
def test_each_channel_gets_its_messages_once_and_in_order() -> None:
    async def scenario() -> None:
        ours, theirs = layers()
        try:
            assert fanout.batches_for(ours)
            channels = [await ours.new_channel() for _ in range(3)]
            for channel in channels:
                await ours.group_add("everyone", channel)
            await ours.group_add("first-two", channels[0])
            await ours.group_add("first-two", channels[1])
            # 300 messages wait in Redis before anyone reads: the reader takes them in batches.
            for n in range(100):
                await ours.group_send("everyone", {"type": "t.e", "n": n})
                await theirs.group_send("first-two", {"type": "t.e", "n": 1000 + n})
                await ours.send(channels[2], {"type": "t.e", "n": 2000 + n})
            everyone = list(range(100))
            mixed = [m for n in range(100) for m in (n, 1000 + n)]
            alone = [m for n in range(100) for m in (n, 2000 + n)]
            results = await asyncio.gather(
                received(ours, channels[0], 200),
                received(ours, channels[1], 200),
                received(ours, channels[2], 200),
            )
            assert list(results) == [mixed, mixed, alone]
            assert everyone == [n for n in results[2] if n < 1000]
            for channel in channels:
                await nothing_more(ours, channel)
        finally:
            await ours.flush()

    asyncio.run(scenario())


@needs_redis
def test_a_consumer_that_leaves_takes_nothing_from_the_others() -> None:
    async def scenario() -> None:
        ours, theirs = layers()
        try:
            staying, leaving = await ours.new_channel(), await ours.new_channel()
            waiting = asyncio.ensure_future(ours.receive(leaving))
            stays = asyncio.ensure_future(received(ours, staying, 3))
            await asyncio.sleep(0.1)
            waiting.cancel()
            for n in range(3):
                await theirs.send(staying, {"type": "t.e", "n": n})
                await theirs.send(leaving, {"type": "t.e", "n": 10 + n})
            assert await stays == [0, 1, 2]
            # A receive cancelled and started again (a timeout) still gets what came meanwhile.
            await asyncio.sleep(0.2)
            await theirs.send(leaving, {"type": "t.e", "n": 20})
            later = await received(ours, leaving, 1)
            assert later in ([10], [20])
        finally:
            await ours.flush()

    asyncio.run(scenario())


@needs_redis
def test_the_reader_stops_when_nobody_listens_and_starts_again() -> None:
    async def scenario() -> None:
        ours, theirs = layers()
        ours.brpop_timeout = 0.2
        try:
            channel = await ours.new_channel()
            await theirs.send(channel, {"type": "t.e", "n": 1})
            assert await received(ours, channel, 1) == [1]
            await asyncio.sleep(0.6)
            assert ours._reader is None
            await theirs.send(channel, {"type": "t.e", "n": 2})
            assert await received(ours, channel, 1) == [2]
        finally:
            await ours.flush()

    asyncio.run(scenario())


@needs_redis
def test_a_new_event_loop_takes_over_from_a_finished_one() -> None:
    prefix = f"test-layer-{secrets.token_hex(4)}"
    ours, theirs = layers(prefix)

    async def one_loop(n: int) -> list[Any]:
        channel = await ours.new_channel()
        await theirs.send(channel, {"type": "t.e", "n": n})
        return await received(ours, channel, 1)

    assert asyncio.run(one_loop(1)) == [1]
    assert asyncio.run(one_loop(2)) == [2]


@needs_redis
def test_plain_channels_keep_channels_redis_receive() -> None:
    async def scenario() -> None:
        ours, theirs = layers()
        try:
            await theirs.send("worker.tasks", {"type": "t.e", "n": 7})
            assert await received(ours, "worker.tasks", 1) == [7]
        finally:
            await ours.flush()

    asyncio.run(scenario())
