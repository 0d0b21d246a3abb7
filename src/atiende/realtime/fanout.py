"""Many channel-layer group sends in a few round trips to Redis.

`channels_redis`' `group_send` makes four round trips per group (trim the group's members, read
them, trim each member's queue, a Lua script that adds the message), each awaited in turn on
the server's event loop: a chat round trip publishes about eight group messages, so about thirty
round trips, and under load the Redis client's Python code was a quarter of the loop's CPU
(py-spy, 300 visitors). `send_batch` sends a batch of (groups, message) with one Lua script per
Redis host that trims and reads every group's members, then one per host that trims, checks the
capacity of and adds to every queue: two round trips and two commands per host for the whole
batch.

What each member receives is what `group_send` would have sent (the same message, the same
per-key `__asgi_channel__` list, the same serializer, capacity and expiry), except that a
channel in several of one message's groups receives it once, not once per group
(`audience`). Each message is added with a score above the previous one's in this process, so
one process's messages reach each queue in the order they were published (`group_send` takes
`time.time()` per call). Other layers (the in-memory one, a Redis layer subclass) go through
their own `group_send`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

logger = logging.getLogger(__name__)

Sends = list[tuple[list[str], dict[str, Any]]]

# KEYS: the queues; ARGV: n messages, n capacities, n scores, then the expiry cut-off and the
# expiry. Each queue is trimmed of expired messages before its capacity is checked (as
# `group_send`'s pipeline does before its script).
ADD_ALL = """
local n = #KEYS
local cutoff = ARGV[3 * n + 1]
local expiry = ARGV[3 * n + 2]
local over = 0
for i = 1, n do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, cutoff)
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[n + i]) then
        redis.call('ZADD', KEYS[i], ARGV[2 * n + i], ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over = over + 1
    end
end
return over
"""


# KEYS: groups; ARGV[1]: the expiry cut-off of memberships. Each group trimmed, then read (what
# `group_send` does for one group in two commands).
MEMBERS = """
local members = {}
for i = 1, #KEYS do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, ARGV[1])
    members[i] = redis.call('ZRANGE', KEYS[i], 0, -1)
end
return members
"""


def batches_for(layer: Any) -> bool:
    """Whether `send_batch` knows this layer: channels_redis' RedisChannelLayer, or ours, which
    keeps its sends (`realtime.layer`)."""
    try:
        from channels_redis.core import RedisChannelLayer

        from atiende.realtime.layer import BatchingRedisChannelLayer
    except ImportError:  # pragma: no cover - channels_redis is a dependency
        return False
    return type(layer) in (RedisChannelLayer, BatchingRedisChannelLayer)


class _Scores:
    """Strictly increasing scores (seconds) for the messages this process adds."""

    def __init__(self) -> None:
        self.last = 0.0

    def next(self) -> float:
        now = time.time()
        # 1 µs apart: a double near 1.8e9 resolves 0.24 µs; Redis keeps the double as sent.
        self.last = now if now > self.last + 1e-6 else self.last + 1e-6
        return self.last


_scores = _Scores()
# One batch at a time per loop: a later batch never overtakes an earlier one.
_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


def _lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        for old in [each for each in _locks if each.is_closed()]:
            del _locks[old]
        lock = _locks[loop] = asyncio.Lock()
    return lock


async def send_batch(layer: Any, messages: Sends) -> None:
    """Send every message to each of its groups (a RedisChannelLayer: `batches_for`)."""
    async with _lock():
        members = await _members(layer, [g for groups, _ in messages for g in groups])
        queues: dict[int, list[tuple[bytes, bytes, int, float]]] = {}
        for groups, message in messages:
            # A channel in several of the message's groups gets it once (`audience`).
            names = audience(members, groups)
            if not names:
                continue
            by_index, payloads, capacities = layer._map_channel_keys_to_connection(names, message)
            score = _scores.next()
            for index, keys in by_index.items():
                queue = queues.setdefault(index, [])
                for key in keys:
                    queue.append((key, payloads[key], capacities[key], score))
        cutoff = int(time.time()) - int(layer.expiry)
        for index, queue in queues.items():
            keys = [key for key, _, _, _ in queue]
            args: list[Any] = [payload for _, payload, _, _ in queue]
            args += [capacity for _, _, capacity, _ in queue]
            args += [repr(score) for _, _, _, score in queue]
            args += [cutoff, int(layer.expiry)]
            try:
                over = await layer.connection(index).eval(ADD_ALL, len(keys), *keys, *args)
            except Exception:
                logger.exception("could not publish %d group messages", len(keys))
                continue
            if over:
                logger.info("%s of %s channel queues over capacity", over, len(keys))


def audience(members: dict[str, list[str]], groups: list[str]) -> list[str]:
    """The channels of every group of one message, each once, in the groups' order.

    `group_send` per group gives a channel in two of them two copies: an agent's inbox socket
    is in the inbox group and in the conversation group of each of its live chats (and of the
    conversation it has open), so every event of those chats reached it twice, and the copy was
    written to its queue, read, decoded and dispatched only to be dropped by the socket's
    `remember`. No consumer wants the second copy: the inbox socket drops a repeated event id,
    the chat socket a repeated sequence number."""
    if len(groups) == 1:
        return members.get(groups[0]) or []
    return list(dict.fromkeys(name for group in groups for name in members.get(group) or ()))


async def _members(layer: Any, groups: list[str]) -> dict[str, list[str]]:
    """Each group's channels, expired memberships trimmed first: one script per host (it was a
    pipeline of two commands per group; redis-py's client side costs about the same per
    command whether pipelined or not)."""
    by_index: dict[int, list[str]] = {}
    for group in dict.fromkeys(groups):
        assert layer.require_valid_group_name(group), "Group name not valid"
        by_index.setdefault(layer.consistent_hash(group), []).append(group)
    found: dict[str, list[str]] = {}
    oldest = int(time.time()) - layer.group_expiry
    for index, names in by_index.items():
        keys = [layer._group_key(name) for name in names]
        try:
            replies = await layer.connection(index).eval(MEMBERS, len(keys), *keys, oldest)
        except Exception:
            logger.exception("could not read the members of %d groups", len(names))
            continue
        for name, channels in zip(names, replies, strict=True):
            found[name] = [channel.decode("utf8") for channel in channels]
    return found
