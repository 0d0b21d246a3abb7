"""Whether a visitor has a live socket on a conversation, across processes (the cache: Redis
when scaled out, the process's memory when embedded, where the worker shares the process).

The outbox adapter asks it to choose between "delivered over the socket" and "emailed"; a count
left high by a crashed process only delays the email: unread replies are emailed later anyway.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches

TIMEOUT = 24 * 3600

# settings.CACHES (kept, so that its id is not reused) and the backend made from it.
_shared: dict[int, tuple[Any, BaseCache]] = {}


def _cache() -> BaseCache:
    """The default cache, one backend object per process.

    `django.core.cache.cache` is context-local: every request and every socket's hops get a
    backend object of their own, and Django's Redis backend builds a client and a connection
    pool for each (redis-py reads its version from the package metadata every time), so each
    presence check connected to Redis anew (py-spy: ≈ 3 % of a loaded server's CPU). One
    object per process keeps one pool; a test's override of CACHES gets an object of its own.
    """
    config = settings.CACHES
    shared = _shared.get(id(config))
    if shared is None:
        shared = _shared[id(config)] = (config, caches.create_connection("default"))
    return shared[1]


def cache_key(conversation_id: int) -> str:
    return f"chat-live:{conversation_id}"


def socket_opened(conversation_id: int) -> None:
    key = cache_key(conversation_id)
    cache = _cache()
    cache.add(key, 0, timeout=TIMEOUT)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=TIMEOUT)


def socket_closed(conversation_id: int) -> None:
    key = cache_key(conversation_id)
    cache = _cache()
    try:
        if cache.decr(key) <= 0:
            cache.delete(key)
    except ValueError:
        pass  # already gone (expired): nothing to count down


def is_live(conversation_id: int) -> bool:
    return int(_cache().get(cache_key(conversation_id)) or 0) > 0
