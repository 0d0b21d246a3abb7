"""WhatsApp Cloud API: webhooks in, replies out through `/{phone-number-id}/messages`.

Inbound: `object: whatsapp_business_account`, `entry[].changes[].value` with `messages` (text;
image, document, audio, video and sticker by media id: `GET /{media-id}` gives a URL, fetched
with the same token; location, contacts, interactive and button replies, reactions, orders,
system and unsupported messages as a readable line, see docs/social.md) and `statuses`
(sent, delivered, read, failed: our reply's delivery status). Outbound: text, or files
uploaded to `/{phone-number-id}/media` and sent by id, the text as the first file's caption.
Free-form replies only within 24 hours of the customer's last message; message templates are
not supported.
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
    Batch,
    Report,
    accepted_files,
    contact_text,
    credentials,
    dicts,
    location_text,
    reaction_text,
    record_delivery,
    require_window,
    unsupported_text,
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


def _card(card: dict[str, Any]) -> str:
    name = card.get("name") or {}
    org = card.get("org") or {}
    return contact_text(
        name.get("formatted_name")
        or " ".join(str(name[part]) for part in ("first_name", "last_name") if name.get(part)),
        [str(item.get("phone", "")) for item in dicts(card.get("phones"))],
        [str(item.get("email", "")) for item in dicts(card.get("emails"))],
        " ".join(str(org[part]) for part in ("company", "title") if org.get(part)),
    )


def _order(order: dict[str, Any]) -> str:
    items = [
        f"{item.get('quantity', 1)} x {item.get('product_retailer_id', '?')} "
        f"({item.get('item_price', '?')} {item.get('currency', '')})".replace(" )", ")")
        for item in dicts(order.get("product_items"))
    ]
    head = _("🛒 Order from catalog %(catalog)s:") % {"catalog": order.get("catalog_id", "?")}
    return "\n".join(part for part in (head, *items, str(order.get("text", ""))) if part)


def _forwarded(message: dict[str, Any]) -> str:
    context = message.get("context") or {}
    if isinstance(context, dict) and (
        context.get("forwarded") or context.get("frequently_forwarded")
    ):
        return _("[Forwarded]")
    return ""


def _referral(message: dict[str, Any]) -> str:
    """A message that started from a click-to-WhatsApp ad or post names it."""
    referral = message.get("referral")
    if not isinstance(referral, dict):
        return ""
    what = _join_parts(referral.get("headline"), referral.get("source_url"))
    return _("[Came from %(what)s]") % {"what": what or referral.get("source_type", "?")}


def _join_parts(*parts: Any) -> str:
    return " — ".join(str(part) for part in parts if part)


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

    def process(self, inbox: Inbox, payload: dict[str, Any]) -> list[str]:
        batch = Batch(inbox)
        own_number = str(inbox.config.get("phone_number_id") or "")
        for entry in dicts(payload.get("entry")):
            for change in dicts(entry.get("changes")):
                if change.get("field") != "messages" or not isinstance(change.get("value"), dict):
                    continue
                value = change["value"]
                number = str((value.get("metadata") or {}).get("phone_number_id", ""))
                if own_number and number != own_number:
                    logger.warning("inbox %s: webhook for number %s ignored", inbox.pk, number)
                    continue
                names = {
                    str(item.get("wa_id")): str((item.get("profile") or {}).get("name", ""))
                    for item in dicts(value.get("contacts"))
                }
                for message in batch.each(value.get("messages"), "message"):
                    label = f"message {message.get('id', '?')}"
                    batch.run(label, self._receive, inbox, message, names)
                for status in batch.each(value.get("statuses"), "status"):
                    batch.run(f"status {status.get('id', '?')}", self._status, inbox, status)
        return batch.done()

    def _status(self, inbox: Inbox, status: dict[str, Any]) -> None:
        if status.get("status") in STATUSES:
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
        if not sender or not message.get("id"):
            raise ValueError(_("a message without sender or id"))
        if kind == "reaction" and not (message.get("reaction") or {}).get("emoji"):
            return  # a reaction taken back: nothing to show
        if kind == "request_welcome":
            return  # the customer opened the chat for the first time: nothing written yet
        text = ""
        files: list[tuple[str, bytes | None]] = []
        if kind in MEDIA_TYPES:
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
            text = self._text(inbox, kind, message)
        lines = [_forwarded(message), text, _referral(message)]
        attachments, notes = accepted_files(files)
        text = "\n".join(part for part in (*lines, *notes) if part)
        if not text and not attachments:
            text = unsupported_text("WhatsApp", kind)
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

    def _text(self, inbox: Inbox, kind: str, message: dict[str, Any]) -> str:
        """What a message that is not a file says, as text (webhooks reference, messages)."""
        found = message.get(kind)
        body: dict[str, Any] = found if isinstance(found, dict) else {}
        if kind == "text":
            return str(body.get("body", ""))
        if kind == "location":
            return location_text(
                body.get("latitude"),
                body.get("longitude"),
                body.get("name"),
                body.get("address"),
                body.get("url", ""),
            )
        if kind == "contacts":
            return "\n".join(_card(card) for card in dicts(message.get("contacts")))
        if kind == "interactive":  # a tap on a reply button or a list row we sent
            choice = body.get(str(body.get("type", ""))) or {}
            if body.get("type") == "nfm_reply":  # a WhatsApp Flow's answers
                return "\n".join(
                    part
                    for part in (str(choice.get("body", "")), choice.get("response_json"))
                    if part
                )
            title = str(choice.get("title", ""))
            return "\n".join(p for p in (title, str(choice.get("description", ""))) if p)
        if kind == "button":  # a template's quick-reply button
            return str(body.get("text") or body.get("payload") or "")
        if kind == "reaction":
            target = str(body.get("message_id", ""))
            sender = str(message.get("from", ""))
            return reaction_text(inbox, str(body["emoji"]), target, self.kind, sender)
        if kind == "order":
            return _order(body)
        if kind == "system":  # e.g. the customer changed their number
            return "[" + str(body.get("body") or body.get("type") or kind) + "]"
        # "unsupported" ("unknown" in older versions) names what it was in `unsupported.type`
        # (poll, edit, ...) and says why in `errors`; any type not listed above alike.
        errors = message.get("errors")
        reason = f"({_status_error({'errors': errors})})" if errors else ""
        shown = str(body.get("type") or kind) if kind in ("unsupported", "unknown") else kind
        return unsupported_text("WhatsApp", shown, reason)

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
