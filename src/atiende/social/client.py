"""Talking to a social provider over HTTP: one place for addresses, timeouts and errors.

Every request goes through the SSRF-safe client the API channel and outgoing webhooks use
(`core.callbacks`: every address the host resolves to checked at connect time, no private or
loopback address unless ATIENDE_ALLOW_PRIVATE_CALLBACKS, tests only), follows no redirect, and
turns the provider's answer into the outbox's two errors: 408, 429 and 5xx retry
(`DeliveryError`), any other 4xx gives up (`PermanentDeliveryError`) with the provider's own
words. Tokens never appear in an error text (Telegram puts the bot token in the path).
"""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings

from atiende.core import callbacks
from atiende.inboxes.contract import DeliveryError, PermanentDeliveryError
from atiende.inboxes.models import Inbox

TIMEOUT = 15.0


def base_url(inbox: Inbox, default: str) -> str:
    """The provider's address for this inbox: the real one unless its config names another."""
    return str(inbox.config.get("api_base_url") or default).rstrip("/")


def redact(text: str, *secrets_: str) -> str:
    for secret in secrets_:
        if secret:
            text = text.replace(secret, "•••")
    return text


def _client() -> httpx.Client:
    allow = bool(getattr(settings, "ATIENDE_ALLOW_PRIVATE_CALLBACKS", False))
    return callbacks.client(timeout=TIMEOUT, allow_private=allow)


def call(
    method: str,
    url: str,
    *,
    hide: tuple[str, ...] = (),
    **kwargs: Any,
) -> httpx.Response:
    """One request; DeliveryError when the provider cannot be reached, PermanentDeliveryError
    when its address may not be called."""
    try:
        callbacks.check_url(url)
        with _client() as http:
            return http.request(method, url, **kwargs)
    except callbacks.DestinationRefused as exc:
        raise PermanentDeliveryError(redact(str(exc), *hide)) from None
    except httpx.HTTPError as exc:
        raise DeliveryError(redact(f"{type(exc).__name__}: {exc}", *hide)) from None


def check_answer(response: httpx.Response, detail: str) -> None:
    """Raise the outbox's error for a refused request; `detail` is what the provider said."""
    if response.is_success:
        return
    text = f"{response.status_code}: {detail}"[:1000]
    if response.status_code in {408, 429} or response.status_code >= 500:
        raise DeliveryError(text)
    raise PermanentDeliveryError(text)


def download(url: str, *, headers: dict[str, str], hide: tuple[str, ...] = ()) -> bytes | None:
    """A file's bytes, or None when it is larger than attachments may be."""
    limit = settings.ATIENDE_MAX_ATTACHMENT_BYTES
    chunks: list[bytes] = []
    size = 0
    try:
        callbacks.check_url(url)
        with _client() as http, http.stream("GET", url, headers=headers) as response:
            check_answer(response, response.reason_phrase)
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    return None
                chunks.append(chunk)
    except callbacks.DestinationRefused as exc:
        raise PermanentDeliveryError(redact(str(exc), *hide)) from None
    except httpx.HTTPError as exc:
        raise DeliveryError(redact(f"{type(exc).__name__}: {exc}", *hide)) from None
    return b"".join(chunks)


def json_of(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or {} when it is not one."""
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
