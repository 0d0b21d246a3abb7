"""Telegram Bot API: updates pushed to the inbox's webhook, replies with sendMessage and
sendDocument.

The webhook is set with `setWebhook(url, secret_token)` (an admin action); every update then
carries `X-Telegram-Bot-Api-Secret-Token`, compared constant-time with the inbox's signing
secret (or the previous one during a rotation). `update_id` is the delivery's idempotency key.
Private chats only: a message in a group the bot was added to is ignored. Photos and documents
are fetched with `getFile` and the file download address. No reply window.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

import httpx
from django.urls import reverse
from django.utils.translation import gettext as _

from atiende.conversations.actions import receive_message
from atiende.core.errors import ActionError
from atiende.inboxes.contract import (
    Capabilities,
    DeliveryError,
    DeliveryResult,
    InboundMessage,
    OutboundMessage,
    PermanentDeliveryError,
)
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import IdentityKind
from atiende.social import client
from atiende.social.common import Report, accepted_files, credentials
from atiende.social.whatsapp import timestamp

logger = logging.getLogger(__name__)

API = "https://api.telegram.org"
MAX_TEXT = 4096
MAX_CAPTION = 1024
FILE_KINDS = ("document", "audio", "video", "voice")


def _detail(response: httpx.Response) -> str:
    answer = client.json_of(response)
    return str(answer.get("description") or response.reason_phrase or response.status_code)


class TelegramAdapter:
    kind = ChannelKind.TELEGRAM.value
    capabilities = Capabilities(
        attachments=True, html=False, max_length=MAX_TEXT, safety_notice=True
    )

    def _token(self, inbox: Inbox) -> str:
        token = credentials(inbox).access_token
        if not token:
            raise PermanentDeliveryError(_("The inbox has no Telegram bot token."))
        return token

    def _call(self, inbox: Inbox, method: str, **kwargs: Any) -> Any:
        """One Bot API method; its `result`, or the outbox's error with Telegram's words."""
        token = self._token(inbox)
        url = f"{client.base_url(inbox, API)}/bot{token}/{method}"
        response = client.call("POST", url, hide=(token,), **kwargs)
        answer = client.json_of(response)
        if response.is_success and answer.get("ok") is True:
            return answer.get("result")
        detail = client.redact(_detail(response), token)
        if response.is_success:  # "ok": false with a 200 is not documented: treat as a refusal
            raise PermanentDeliveryError(detail)
        client.check_answer(response, detail)
        raise DeliveryError(detail)  # pragma: no cover - check_answer raised

    # Webhooks (see social/webhook.py)

    def verify_signature(self, inbox: Inbox, headers: dict[str, str], body: bytes) -> bool:
        given = headers.get("x-telegram-bot-api-secret-token", "")
        return any(
            hmac.compare_digest(secret.encode(), given.encode())
            for secret in (inbox.secret, inbox.previous_secret)
            if secret
        )

    def handshake(self, inbox: Inbox, query: dict[str, str]) -> str | None:
        return None  # Telegram has none: the secret token travels with every update

    def accepts(self, payload: dict[str, Any]) -> bool:
        return isinstance(payload.get("update_id"), int)

    def event_key(self, payload: dict[str, Any], digest: str) -> str:
        return f"update:{payload['update_id']}"

    def process(self, inbox: Inbox, payload: dict[str, Any]) -> None:
        message = payload.get("message")
        if not isinstance(message, dict):
            return  # edits, channel posts, callbacks: not customer messages
        chat = message.get("chat") or {}
        sender = message.get("from") or {}
        if chat.get("type") != "private" or not sender.get("id") or sender.get("is_bot"):
            return
        texts = [str(message.get("text") or message.get("caption") or "")]
        files: list[tuple[str, bytes | None]] = []
        found = self._file_of(message)
        if found is not None:
            file_id, name = found
            try:
                files.append((name, self._download(inbox, file_id)))
            except PermanentDeliveryError as exc:
                texts.append(
                    _("[A file could not be fetched from Telegram: %(error)s]") % {"error": exc}
                )
        attachments, notes = accepted_files(files)
        full_name = " ".join(
            str(sender.get(part, "")) for part in ("first_name", "last_name") if sender.get(part)
        )
        inbound = InboundMessage(
            inbox_id=inbox.pk,
            identity_kind=IdentityKind.TELEGRAM,
            identity_value=str(sender["id"]),
            name=full_name,
            language=str(sender.get("language_code") or "")[:10],
            text="\n".join(part for part in (*texts, *notes) if part),
            external_id=f"{chat.get('id')}:{message.get('message_id')}",
            sent_at=timestamp(message.get("date")),
            attachments=attachments,
            metadata={"channel": self.kind, "update_id": payload["update_id"]},
        )
        try:
            receive_message(inbound, inbox=inbox)
        except ActionError as exc:
            logger.warning("inbox %s: Telegram message refused: %s", inbox.pk, exc.detail)

    def _file_of(self, message: dict[str, Any]) -> tuple[str, str] | None:
        photos = message.get("photo")
        if isinstance(photos, list) and photos:
            largest = photos[-1]  # sizes come smallest first
            return str(largest.get("file_id", "")), f"photo-{message.get('message_id')}.jpg"
        for kind in FILE_KINDS:
            item = message.get(kind)
            if isinstance(item, dict) and item.get("file_id"):
                name = item.get("file_name") or f"{kind}-{message.get('message_id')}"
                return str(item["file_id"]), str(name)
        return None

    def _download(self, inbox: Inbox, file_id: str) -> bytes | None:
        found = self._call(inbox, "getFile", json={"file_id": file_id})
        path = str((found or {}).get("file_path", ""))
        if not path:
            raise PermanentDeliveryError(f"no file_path for {file_id}")
        token = self._token(inbox)
        url = f"{client.base_url(inbox, API)}/file/bot{token}/{path}"
        return client.download(url, headers={}, hide=(token,))

    # Replies

    def send(self, inbox: Inbox, message: OutboundMessage) -> DeliveryResult:
        if not message.identity_value:
            raise PermanentDeliveryError(_("The customer has no Telegram id."))
        if len(message.text) > MAX_TEXT:
            raise PermanentDeliveryError(
                _("Telegram messages hold at most %(count)d characters.") % {"count": MAX_TEXT}
            )
        chat_id = message.identity_value
        text = message.text.strip()
        sent: list[str] = []
        if text and (not message.attachments or len(text) > MAX_CAPTION):
            result = self._call(inbox, "sendMessage", json={"chat_id": chat_id, "text": text})
            sent.append(f"{chat_id}:{result['message_id']}")
            text = ""
        for attachment in message.attachments:
            fields = {"chat_id": chat_id}
            if text:
                fields["caption"], text = text, ""
            with open(attachment.path, "rb") as handle:
                result = self._call(
                    inbox,
                    "sendDocument",
                    data=fields,
                    files={"document": (attachment.filename, handle, attachment.content_type)},
                )
            sent.append(f"{chat_id}:{result['message_id']}")
        return DeliveryResult(external_id=sent[0] if sent else "", status="sent")

    # Administration

    def test_connection(self, inbox: Inbox) -> Report:
        try:
            bot = self._call(inbox, "getMe")
            hook = self._call(inbox, "getWebhookInfo")
        except DeliveryError as exc:
            return Report(False, (str(exc),))
        lines = [f"@{bot.get('username', '')} ({bot.get('id', '')})"]
        lines.append(_("webhook: %(url)s") % {"url": hook.get("url") or _("none")})
        lines.append(
            _("pending updates: %(count)s") % {"count": hook.get("pending_update_count", 0)}
        )
        if hook.get("last_error_message"):
            lines.append(_("last error: %(error)s") % {"error": hook["last_error_message"]})
        return Report(True, tuple(lines))

    def set_webhook(self, inbox: Inbox, site_url: str) -> Report:
        """Point the bot at this inbox's webhook, with the inbox's secret as secret_token."""
        url = site_url.rstrip("/") + reverse("social:webhook", args=[inbox.pk])
        try:
            self._call(
                inbox,
                "setWebhook",
                json={"url": url, "secret_token": inbox.secret, "allowed_updates": ["message"]},
            )
        except DeliveryError as exc:
            return Report(False, (url, str(exc)))
        return Report(True, (_("webhook set to %(url)s") % {"url": url},))
