"""WhatsApp Cloud API: webhooks in, replies out through `/{phone-number-id}/messages`.

Inbound: `object: whatsapp_business_account`, `entry[].changes[].value` with `messages` (text;
image, document, audio, video and sticker by media id: `GET /{media-id}` gives a URL, fetched
with the same token) and `statuses` (sent, delivered, read, failed: our reply's delivery
status). Outbound: text, or files uploaded to `/{phone-number-id}/media` and sent by id, the
text as the first file's caption. Free-form replies only within 24 hours of the customer's last
message; message templates are not supported.
"""

from __future__ import annotations

import logging
import mimetypes
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from atiende.conversations.actions import receive_message
from atiende.conversations.models import DeliveryStatus
from atiende.core.errors import ActionError
from atiende.inboxes.contract import (
    Capabilities,
    DeliveryResult,
    InboundMessage,
    OutboundAttachment,
    OutboundMessage,
    PermanentDeliveryError,
)
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import IdentityKind
from atiende.social import client, meta
from atiende.social.common import (
    Report,
    accepted_files,
    credentials,
    record_delivery,
    require_window,
)

logger = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
# Images WhatsApp shows as images; any other file goes as a document.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
}


def timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _status_error(status: dict[str, Any]) -> str:
    errors = status.get("errors") or []
    parts = []
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        details = error.get("error_data", {})
        detail = details.get("details", "") if isinstance(details, dict) else ""
        text = f"{error.get('code', '')} {error.get('title', '')}".strip()
        parts.append(f"{text}: {detail or error.get('message', '')}".rstrip(": "))
    return "; ".join(parts) or _("WhatsApp reported the message as failed.")


class WhatsAppAdapter:
    kind = ChannelKind.WHATSAPP.value
    capabilities = Capabilities(
        attachments=True, html=False, max_length=MAX_TEXT, safety_notice=True
    )

    # Webhooks (see social/webhook.py)

    def verify_signature(self, inbox: Inbox, headers: dict[str, str], body: bytes) -> bool:
        return meta.verify_signature(inbox, headers, body)

    def handshake(self, inbox: Inbox, query: dict[str, str]) -> str | None:
        return meta.handshake(inbox, query)

    def accepts(self, payload: dict[str, Any]) -> bool:
        return payload.get("object") == "whatsapp_business_account"

    def event_key(self, payload: dict[str, Any], digest: str) -> str:
        return f"sha256:{digest}"

    def process(self, inbox: Inbox, payload: dict[str, Any]) -> None:
        own_number = str(inbox.config.get("phone_number_id") or "")
        for entry in payload.get("entry") or []:
            for change in entry.get("changes") or [] if isinstance(entry, dict) else []:
                if not isinstance(change, dict) or change.get("field") != "messages":
                    continue
                value = change.get("value") or {}
                number = str((value.get("metadata") or {}).get("phone_number_id", ""))
                if own_number and number != own_number:
                    logger.warning("inbox %s: webhook for number %s ignored", inbox.pk, number)
                    continue
                names = {
                    str(item.get("wa_id")): str((item.get("profile") or {}).get("name", ""))
                    for item in value.get("contacts") or []
                    if isinstance(item, dict)
                }
                for message in value.get("messages") or []:
                    if isinstance(message, dict):
                        self._receive(inbox, message, names)
                for status in value.get("statuses") or []:
                    if isinstance(status, dict) and status.get("status") in STATUSES:
                        failed = status["status"] == "failed"
                        record_delivery(
                            inbox,
                            str(status.get("id", "")),
                            STATUSES[status["status"]],
                            _status_error(status) if failed else "",
                        )

    def _receive(self, inbox: Inbox, message: dict[str, Any], names: dict[str, str]) -> None:
        kind = str(message.get("type", ""))
        sender = str(message.get("from", ""))
        if kind == "reaction" or not sender or not message.get("id"):
            return
        text = ""
        files: list[tuple[str, bytes | None]] = []
        if kind == "text":
            text = str((message.get("text") or {}).get("body", ""))
        elif kind in MEDIA_TYPES:
            media = message.get(kind) or {}
            text = str(media.get("caption", ""))
            try:
                content, mime = self._media(inbox, str(media.get("id", "")))
            except PermanentDeliveryError as exc:
                # Gone or refused for good: the words still reach the agent, with the reason.
                note = _("[A file could not be fetched from WhatsApp: %(error)s]")
                text = "\n".join(part for part in (text, note % {"error": exc}) if part)
            else:
                extension = mimetypes.guess_extension(mime.split(";")[0].strip()) or ""
                name = media.get("filename") or f"{kind}-{media.get('id')}{extension}"
                files.append((str(name), content))
        else:
            text = _(
                "[The customer sent a WhatsApp message of type “%(type)s”, which atiende "
                "cannot show.]"
            ) % {"type": kind}
        attachments, notes = accepted_files(files)
        text = "\n".join(part for part in (text, *notes) if part)
        inbound = InboundMessage(
            inbox_id=inbox.pk,
            identity_kind=IdentityKind.WHATSAPP,
            identity_value=sender,
            name=names.get(sender, ""),
            text=text,
            external_id=str(message["id"]),
            sent_at=timestamp(message.get("timestamp")),
            attachments=attachments,
            metadata={"channel": self.kind},
        )
        try:
            receive_message(inbound, inbox=inbox)
        except ActionError as exc:
            logger.warning("inbox %s: WhatsApp message refused: %s", inbox.pk, exc.detail)

    def _media(self, inbox: Inbox, media_id: str) -> tuple[bytes | None, str]:
        """`GET /{media-id}` for the file's address, then the file, both with the token."""
        found = meta.check(meta.get(inbox, media_id))
        url = str(found.get("url", ""))
        if not url:
            raise PermanentDeliveryError(f"no URL for media {media_id}")
        token = credentials(inbox).access_token
        content = client.download(url, headers=meta.bearer(inbox), hide=(token,))
        return content, str(found.get("mime_type", ""))

    # Replies

    def send(self, inbox: Inbox, message: OutboundMessage) -> DeliveryResult:
        number = str(inbox.config.get("phone_number_id") or "")
        if not number:
            raise PermanentDeliveryError(_("The inbox has no WhatsApp phone number id."))
        if not message.identity_value:
            raise PermanentDeliveryError(_("The customer has no WhatsApp number."))
        if len(message.text) > MAX_TEXT:
            raise PermanentDeliveryError(
                _("WhatsApp messages hold at most %(count)d characters.") % {"count": MAX_TEXT}
            )
        require_window(inbox, message.conversation_id)
        text = message.text.strip()
        sent: list[str] = []
        if text and (not message.attachments or len(text) > MAX_CAPTION):
            sent.append(self._post(inbox, number, message, "text", {"body": text}))
            text = ""
        for attachment in message.attachments:
            media_id = self._upload(inbox, number, attachment)
            kind = "image" if attachment.content_type in IMAGE_TYPES else "document"
            body: dict[str, Any] = {"id": media_id}
            if kind == "document":
                body["filename"] = attachment.filename
            if text:
                body["caption"], text = text, ""
            sent.append(self._post(inbox, number, message, kind, body))
        return DeliveryResult(external_id=sent[0] if sent else "", status="sent")

    def _post(
        self, inbox: Inbox, number: str, message: OutboundMessage, kind: str, body: dict[str, Any]
    ) -> str:
        if kind == "text":
            body = {"preview_url": False, **body}
        answer = meta.post(
            inbox,
            f"{number}/messages",
            json={
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": message.identity_value,
                "type": kind,
                kind: body,
            },
        )
        messages = answer.get("messages") or [{}]
        return str(messages[0].get("id", ""))

    def _upload(self, inbox: Inbox, number: str, attachment: OutboundAttachment) -> str:
        with open(attachment.path, "rb") as handle:
            answer = meta.post(
                inbox,
                f"{number}/media",
                data={"messaging_product": "whatsapp", "type": attachment.content_type},
                files={"file": (attachment.filename, handle, attachment.content_type)},
            )
        media_id = str(answer.get("id", ""))
        if not media_id:
            raise PermanentDeliveryError(_("WhatsApp did not return a media id for the file."))
        return media_id

    def test_connection(self, inbox: Inbox) -> Report:
        number = str(inbox.config.get("phone_number_id") or "")
        if not number:
            return Report(False, (_("The inbox has no WhatsApp phone number id."),))
        return meta.test_connection(inbox, number, "display_phone_number,verified_name")
