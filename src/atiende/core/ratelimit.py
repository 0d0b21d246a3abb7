"""Fixed-window rate limits kept in the cache (per process when embedded, Redis when scaled)."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest

from atiende.core.cache import shared_cache


def client_address(request: HttpRequest) -> str:
    # Proxy headers are not trusted unless the operator configured a proxy (CVE-2020-26030).
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return str(forwarded).split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def hit(scope: str, ident: str) -> bool:
    """Count one attempt; False when the caller is over the limit for `scope`."""
    if not settings.ATIENDE_RATE_LIMIT_ENABLED:
        return True
    limit, window = settings.ATIENDE_RATE_LIMITS[scope]
    bucket = int(time.time() // window)
    key = f"rl:{scope}:{ident}:{bucket}"
    # One backend object per process: `django.core.cache.cache` would connect anew per request.
    cache = shared_cache()
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window + 1)
        count = 1
    return count <= limit
