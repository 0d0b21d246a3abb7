"""Whether a visitor has a live socket on a conversation, across processes (the cache: Redis
when scaled out, the process's memory when embedded, where the worker shares the process).

The outbox adapter asks it to choose between "delivered over the socket" and "emailed"; a count
left high by a crashed process only delays the email: unread replies are emailed later anyway.
"""

from __future__ import annotations

from atiende.core.cache import shared_cache as _cache

TIMEOUT = 24 * 3600


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
