"""Timestamped HMAC signatures for the HTTP provider contract, like Stripe's.

`Atiende-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
`<t>.<METHOD>.<path with query>.<body>`: unlike a body-only signature, a signed GET cannot be
replayed against another path. The receiver accepts a timestamp within 300 seconds and compares
in constant time; two secrets may be active during a rotation.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

HEADER = "Atiende-Signature"
TOLERANCE_SECONDS = 300


def payload(timestamp: int, method: str, path: str, body: bytes) -> bytes:
    return f"{timestamp}.{method.upper()}.{path}.".encode() + body


def signature(secret: str, timestamp: int, method: str, path: str, body: bytes) -> str:
    return hmac.new(
        secret.encode(), payload(timestamp, method, path, body), hashlib.sha256
    ).hexdigest()


def sign(secret: str, method: str, path: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The header value for a request."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return f"t={stamp},v1={signature(secret, stamp, method, path, body)}"


def verify(
    header: str,
    secrets: Iterable[str],
    method: str,
    path: str,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """True when `header` signs this request with one of `secrets`, recently enough."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _sep, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        stamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        return False
    candidates = parts.get("v1", [])
    for secret in secrets:
        if not secret:
            continue
        expected = signature(secret, stamp, method, path, body)
        if any(hmac.compare_digest(expected, given) for given in candidates):
            return True
    return False
