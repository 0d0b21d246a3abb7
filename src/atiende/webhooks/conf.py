"""Webhook settings, read when used: a Django setting of the name wins, then the environment
variable of the same name, then the default."""

from __future__ import annotations

import os

from django.conf import settings


def _number(name: str, default: float) -> float:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return float(value)


def allow_private() -> bool:
    """ATIENDE_WEBHOOKS_ALLOW_PRIVATE: let endpoints on loopback and private addresses be
    called. For development and tests only: in production it opens the door to SSRF."""
    value = getattr(settings, "ATIENDE_WEBHOOKS_ALLOW_PRIVATE", None)
    if value is None:
        value = os.environ.get("ATIENDE_WEBHOOKS_ALLOW_PRIVATE", "").lower() in {"1", "true", "yes"}
    return bool(value)


def timeout() -> float:
    """Seconds to connect and to wait for each read of the answer."""
    return _number("ATIENDE_WEBHOOKS_TIMEOUT", 10)


def retry_base() -> float:
    """The first retry's delay in seconds; each next one doubles (with jitter)."""
    return _number("ATIENDE_WEBHOOKS_RETRY_BASE_SECONDS", 30)


def retry_cap() -> float:
    """The longest wait between two attempts (Retry-After included)."""
    return _number("ATIENDE_WEBHOOKS_RETRY_CAP_SECONDS", 4 * 3600)


def retry_window() -> float:
    """No attempt is made later than this many seconds after the delivery was created."""
    return _number("ATIENDE_WEBHOOKS_RETRY_WINDOW_SECONDS", 24 * 3600)


def max_attempts() -> int:
    return int(_number("ATIENDE_WEBHOOKS_MAX_ATTEMPTS", 16))


def disable_after() -> int:
    """Deliveries that failed for good in a row before the endpoint is disabled."""
    return int(_number("ATIENDE_WEBHOOKS_DISABLE_AFTER", 5))


def log_days() -> float:
    """Finished deliveries and their attempts are pruned after this many days."""
    return _number("ATIENDE_WEBHOOKS_LOG_DAYS", 30)


def endpoint_cache_seconds() -> float:
    """How long a process reuses its list of active endpoints (saves a query per event);
    changes made in this process apply at once, in others within this time."""
    return _number("ATIENDE_WEBHOOKS_ENDPOINT_CACHE_SECONDS", 0 if settings.TESTING else 5)


def rotation_grace() -> float:
    """Seconds the previous secret keeps signing requests after a rotation."""
    return _number("ATIENDE_WEBHOOKS_ROTATION_GRACE_SECONDS", 24 * 3600)
