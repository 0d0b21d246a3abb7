"""The default cache as one backend object per process.

`django.core.cache.cache` is context-local: every request and every socket's hops get a backend
object of their own, and Django's Redis backend builds a client and a connection pool for each
(redis-py reads its version from the package metadata every time), so each use connected to
Redis anew (py-spy: ≈ 3 % of a loaded chat server's CPU for the chat's presence checks alone).
One object per process keeps one pool. The in-memory backend shares its store by location, so
an object of its own sees what `cache` sees. A test's override of CACHES gets an object of its
own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches

# settings.CACHES (kept, so that its id is not reused) and the backend made from it.
_shared: dict[int, tuple[Any, BaseCache]] = {}


def shared_cache() -> BaseCache:
    """The default cache, one backend object (one Redis pool) per process."""
    config = settings.CACHES
    shared = _shared.get(id(config))
    if shared is None:
        shared = _shared[id(config)] = (config, caches.create_connection("default"))
    return shared[1]
