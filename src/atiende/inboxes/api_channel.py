"""The API channel: an integrator posts customer messages through the REST API and receives
replies by polling the API or through a signed callback to a URL it configured."""

from __future__ import annotations

import json
import time

import httpx
from django.conf import settings

from atiende.core import callbacks
from atiende.inboxes.contract import (
    Capabilities,
    DeliveryError,
    DeliveryResult,
    OutboundMessage,
    PermanentDeliveryError,
)
from atiende.inboxes.models import Inbox


def check_destination(url: str) -> None:
    """Refuse callbacks that are not http(s) (their addresses are checked at connect time)."""
    try:
        callbacks.check_url(url)
    except callbacks.DestinationRefused as exc:
        raise PermanentDeliveryError(str(exc)) from exc


class ApiChannelAdapter:
    kind = "api"
    capabilities = Capabilities(attachments=True, html=True, max_length=None, typing=False)

    def verify_signature(self, inbox: Inbox, headers: dict[str, str], body: bytes) -> bool:
        header = headers.get("x-atiende-signature", "")
        return callbacks.verify([inbox.secret, inbox.previous_secret], header, body)

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
            "x-atiende-signature": callbacks.sign(inbox.secret, int(time.time()), body),
            "idempotency-key": message.idempotency_key,
        }
        try:
            response = callbacks.post(
                callback,
                body,
                headers,
                timeout=10,
                allow_private=getattr(settings, "ATIENDE_ALLOW_PRIVATE_CALLBACKS", False),
            )
        except callbacks.DestinationRefused as exc:
            raise PermanentDeliveryError(f"callback refused: {exc}") from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(str(exc)) from exc
        if 400 <= response.status_code < 500 and response.status_code not in {408, 429}:
            raise PermanentDeliveryError(f"callback answered {response.status_code}")
        if response.status_code >= 300:
            raise DeliveryError(f"callback answered {response.status_code}")
        return DeliveryResult(external_id=response.headers.get("x-message-id", ""), status="sent")
