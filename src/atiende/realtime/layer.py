"""The Redis channel layer with one reader per process and many messages per round trip.

channels_redis' `receive` for a process-local channel makes whichever waiting consumer holds a
lock the reader: per message received it runs a clean-up script, a `BZPOPMIN` (one message), a
`ZADD` to a backup queue and, in a task of its own, a `ZPOPMIN` of that backup; then every
waiting consumer races two new tasks (the lock and its buffer) in `asyncio.wait`. Under load
that was three to four round trips to Redis and a handful of tasks for each message a socket
received (a chat round trip pushes about eight).

`BatchingRedisChannelLayer` keeps channels_redis' sends, groups and storage (what is in Redis
is the same, so processes with either layer talk to each other) and replaces the receive side
of process-local channels: one task per process (per event loop) pops up to `receive_batch`
messages in one `BZMPOP` and puts each in the buffer of its channel; a consumer's `receive`
only awaits its buffer. The backup queue guarded against a consumer being cancelled while it
was the reader; here the reader belongs to no consumer, so a socket closing never cancels it.
It is stopped only when its event loop ends (the process, or a test's loop) or the layer's
pools are closed (`close_pools`, `flush`), as channels_redis' reader could also be between
`BZPOPMIN` and its backup; the channels it reads are this layer's own process-local names, which
nobody else reads. With nobody waiting it stops by itself after an empty pop (`brpop_timeout`).

Order: `BZMPOP … MIN` takes the oldest first, and the reader delivers a batch in that order
without awaiting in between, so each channel receives its messages in the order Redis holds
them, as before. A buffer keeps at most the layer's `capacity` messages (the oldest dropped),
as channels_redis' does.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels_redis.core import RedisChannelLayer

logger = logging.getLogger(__name__)


class BatchingRedisChannelLayer(RedisChannelLayer):  # type: ignore[misc]  # untyped base
    """channels_redis' layer whose process-local channels are read in batches."""

    receive_batch = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reader: asyncio.Task[None] | None = None
        self._reader_loop: asyncio.AbstractEventLoop | None = None
        # Consumers awaiting a message right now, per loop.
        self._waiting = 0

    async def receive(self, channel: str) -> dict[str, Any]:
        if "!" not in channel:
            # A plain channel (a worker's): channels_redis' own receive.
            message: dict[str, Any] = await super().receive(channel)
            return message
        assert self.require_valid_channel_name(channel)
        real_channel = self.non_local_name(channel)
        assert real_channel.endswith(self.client_prefix + "!"), "Wrong client prefix"
        buffer = self.receive_buffer[channel]
        if buffer.empty():
            self._start_reader(real_channel)
        self._waiting += 1
        try:
            message = await buffer.get()
        except asyncio.CancelledError:
            # The consumer is gone: what was buffered for it goes with it (as channels_redis).
            if self.receive_buffer.get(channel) is buffer:
                del self.receive_buffer[channel]
            raise
        finally:
            self._waiting -= 1
        if buffer.empty() and self.receive_buffer.get(channel) is buffer:
            del self.receive_buffer[channel]
        return message

    async def close_pools(self) -> None:
        """Stop this loop's reader before its connection is closed under it (`flush` ends
        with this too); the next receive starts another."""
        reader = self._reader
        here = self._reader_loop is asyncio.get_running_loop()
        if reader is not None and not reader.done() and here:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            self._reader = None
        await super().close_pools()

    def _start_reader(self, real_channel: str) -> None:
        loop = asyncio.get_running_loop()
        reader = self._reader
        if reader is not None and not reader.done():
            if self._reader_loop is loop:
                return
            assert self._reader_loop is not None
            if not self._reader_loop.is_closed() and self._waiting:
                raise RuntimeError(
                    "Two event loops are trying to receive() on one channel layer at once!"
                )
            # The old loop's reader stops after its current pop and hands what it took to
            # this loop (`_read`).
        self._reader_loop = loop
        self._reader = loop.create_task(self._read(real_channel, loop))

    async def _read(self, real_channel: str, loop: asyncio.AbstractEventLoop) -> None:
        index = self.consistent_hash(real_channel)
        key = self.prefix + real_channel
        while True:
            try:
                popped = await self.connection(index).bzmpop(
                    self.brpop_timeout, 1, [key], min=True, count=self.receive_batch
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("could not read the channel layer")
                await asyncio.sleep(0.5)
                continue
            current = self._reader_loop
            if popped:
                contents = [content for content, _score in popped[1]]
                if current is loop or current is None or current.is_closed():
                    self._deliver(contents)
                else:
                    current.call_soon_threadsafe(self._deliver, contents)
            if current is not loop:
                return
            if not popped and not self._waiting:
                # Nobody is listening in this loop any more: stop until the next receive.
                self._reader = None
                return

    def _deliver(self, contents: list[bytes]) -> None:
        for content in contents:
            try:
                message = self.deserialize(content)
            except Exception:
                logger.exception("could not read a channel-layer message")
                continue
            channels = message.pop("__asgi_channel__", None)
            if channels is None:
                continue  # not addressed to a process-local channel: cannot be ours
            if isinstance(channels, list):
                for channel in channels:
                    self.receive_buffer[channel].put_nowait(message)
            else:
                self.receive_buffer[channels].put_nowait(message)
