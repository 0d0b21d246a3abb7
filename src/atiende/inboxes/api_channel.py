"""The API channel: an integrator posts customer messages through the REST API and receives
replies by polling the API or through a signed callback to a URL it configured."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from atiende.inboxes.contract import (
    Capabilities,
    DeliveryError,
    DeliveryResult,
    OutboundMessage,
    PermanentDeliveryError,
)
from atiende.inboxes.models import Inbox


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Our outgoing signature, shaped like Stripe's: t=<unix>,v1=<hex HMAC-SHA256(t.body)>."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secrets_: list[str], header: str, body: bytes, tolerance: int = 300) -> bool:
    """Check a `t=...,v1=...` header against any active secret (two during a rotation)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    given = parts.get("v1", "")
    return any(
        hmac.compare_digest(sign(secret, timestamp, body).split("v1=", 1)[1], given)
        for secret in secrets_
        if secret
    )


def check_destination(url: str) -> None:
    """Refuse callbacks to private, loopback and link-local addresses (SSRF), unless allowed."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise PermanentDeliveryError(f"callback URL must be http(s): {url!r}")
    if getattr(settings, "ATIENDE_ALLOW_PRIVATE_CALLBACKS", False):
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise DeliveryError(f"cannot resolve {parts.hostname}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise PermanentDeliveryError(f"callback address {address} is not public")


class ApiChannelAdapter:
    kind = "api"
    capabilities = Capabilities(attachments=True, html=True, max_length=None, typing=False)

    def verify_signature(self, inbox: Inbox, headers: dict[str, str], body: bytes) -> bool:
        header = headers.get("x-atiende-signature", "")
        return verify([inbox.secret, inbox.previous_secret], header, body)

    def send(self, inbox: Inbox, message: OutboundMessage) -> DeliveryResult:
        callback = str(inbox.config.get("callback_url") or "")
        if not callback:
            # Nothing to push to: the integrator reads replies from the API.
            return DeliveryResult(external_id="", status="sent")
        check_destination(callback)
        body = json.dumps(
            {
                "type": "message.outbound",
                "idempotency_key": message.idempotency_key,
                "conversation_id": message.conversation_id,
                "message_id": message.message_id,
                "recipient": {"kind": message.identity_kind, "value": message.identity_value},
                "text": message.text,
                "html": message.html,
            },
            separators=(",", ":"),
        ).encode()
        headers = {
            "content-type": "application/json",
            "x-atiende-signature": sign(inbox.secret, int(time.time()), body),
            "idempotency-key": message.idempotency_key,
        }
        try:
            response = httpx.post(
                callback, content=body, headers=headers, timeout=10, follow_redirects=False
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(str(exc)) from exc
        if 400 <= response.status_code < 500 and response.status_code not in {408, 429}:
            raise PermanentDeliveryError(f"callback answered {response.status_code}")
        if response.status_code >= 300:
            raise DeliveryError(f"callback answered {response.status_code}")
        return DeliveryResult(external_id=response.headers.get("x-message-id", ""), status="sent")
