"""Telegram Bot API: updates pushed to the inbox's webhook, replies with sendMessage and
sendDocument.

The webhook is set with `setWebhook(url, secret_token)` (an admin action); every update then
carries `X-Telegram-Bot-Api-Secret-Token`, compared constant-time with the inbox's signing
secret (or the previous one during a rotation). `update_id` is the delivery's idempotency key.
Private chats only: groups, supergroups and channels are ignored. Photos, documents, audio,
video, voice and video notes are fetched with `getFile` and the file download address;
locations, contacts, polls, stickers, edits, button taps and a blocked bot become lines (see
docs/social.md); a button tap is answered (`answerCallbackQuery`) once its line is committed,
so the customer's button stops spinning. No reply window.
"""

from __future__ import annotations

import hmac
import logging
import mimetypes
from functools import partial
from typing import Any

import httpx
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from atiende.conversations.actions import receive_message
from atiende.core.errors import ActionError
from atiende.inboxes.contract import (
    Capabilities,
    DeliveryError,
    DeliveryResult,
    InboundAttachment,
    InboundMessage,
    OutboundMessage,
    PermanentDeliveryError,
)
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import IdentityKind
from atiende.social import client
from atiende.social.common import (
    Batch,
    Report,
    accepted_files,
    contact_text,
    credentials,
    dicts,
    edited_text,
    location_text,
    unsupported_text,
)
from atiende.social.whatsapp import timestamp

logger = logging.getLogger(__name__)

API = "https://api.telegram.org"
MAX_TEXT = 4096
MAX_CAPTION = 1024
# The updates the webhook asks for; other kinds are not sent (and would be left out).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
FILE_KINDS = ("document", "audio", "video", "voice", "video_note", "animation")


def _detail(response: httpx.Response) -> str:
    answer = client.json_of(response)
    return str(answer.get("description") or response.reason_phrase or response.status_code)


# What a message is, when it is not text: the first field that is not about the message.
_ABOUT = frozenset(
    {
        "message_id", "message_thread_id", "from", "sender_chat", "sender_boost_count",
        "sender_business_bot", "date", "business_connection_id", "chat", "forward_origin",
        "forward_from", "forward_from_chat", "forward_from_message_id", "forward_signature",
        "forward_sender_name", "forward_date", "is_topic_message", "is_automatic_forward",
        "reply_to_message", "external_reply", "quote", "reply_to_story", "via_bot",
        "edit_date", "has_protected_content", "is_from_offline", "media_group_id",
        "author_signature", "text", "entities", "caption", "caption_entities",
        "link_preview_options", "effect_id", "show_caption_above_media", "has_media_spoiler",
        "reply_markup",
    }
)  # fmt: skip


def _kind_of(message: dict[str, Any]) -> str:
    return next((key for key in message if key not in _ABOUT), "")


def _ext(item: dict[str, Any]) -> str:
    return mimetypes.guess_extension(str(item.get("mime_type", ""))) or ""


def _forwarded(message: dict[str, Any]) -> str:
    """`forward_origin` (Bot API 7.0) or the older `forward_*` fields: who wrote it first."""
    origin = message.get("forward_origin")
    if isinstance(origin, dict):
        user = origin.get("sender_user") or {}
        chat = origin.get("sender_chat") or origin.get("chat") or {}
        who = user.get("first_name") or origin.get("sender_user_name") or chat.get("title")
    elif "forward_date" in message or "forward_from" in message:
        who = (
            (message.get("forward_from") or {}).get("first_name")
            or message.get("forward_sender_name")
            or (message.get("forward_from_chat") or {}).get("title")
        )
    else:
        return ""
    if who:
        return _("[Forwarded from %(name)s]") % {"name": who}
    return _("[Forwarded]")


def _content_text(message: dict[str, Any]) -> str:
    """The message's words, and what a message that is not a file says, as text."""
    lines = [str(message.get("text") or message.get("caption") or "")]
    venue = message.get("venue")
    location = message.get("location")
    if isinstance(venue, dict):
        point = venue.get("location") or {}
        lines.append(
            location_text(
                point.get("latitude"),
                point.get("longitude"),
                venue.get("title"),
                venue.get("address"),
            )
        )
    elif isinstance(location, dict):
        lines.append(location_text(location.get("latitude"), location.get("longitude")))
    contact = message.get("contact")
    if isinstance(contact, dict):
        name = " ".join(str(contact[p]) for p in ("first_name", "last_name") if contact.get(p))
        lines.append(contact_text(name, [str(contact.get("phone_number", ""))], []))
    poll = message.get("poll")
    if isinstance(poll, dict):
        options = [f"- {option.get('text', '')}" for option in dicts(poll.get("options"))]
        lines.append(
            "\n".join(
                [_("📊 Poll: %(question)s") % {"question": poll.get("question", "")}, *options]
            )
        )
    dice = message.get("dice")
    if isinstance(dice, dict):
        lines.append(f"{dice.get('emoji', '🎲')} {dice.get('value', '')}".strip())
    sticker = message.get("sticker")
    if isinstance(sticker, dict):
        lines.append(_("[Sticker %(emoji)s]") % {"emoji": sticker.get("emoji", "")})
    return "\n".join(line for line in lines if line)


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

    def process(self, inbox: Inbox, payload: dict[str, Any]) -> list[str]:
        """One update (Telegram sends them one by one). Private chats only: messages in groups,
        supergroups and channels, channel posts, inline queries, polls' votes and the like are
        left out on purpose; a bot's own messages too."""
        batch = Batch(inbox)
        label = f"update {payload['update_id']}"
        if isinstance(payload.get("message"), dict):
            batch.run(label, self._message, inbox, payload, payload["message"], False)
        elif isinstance(payload.get("edited_message"), dict):
            batch.run(label, self._message, inbox, payload, payload["edited_message"], True)
        elif isinstance(payload.get("callback_query"), dict):
            batch.run(label, self._callback, inbox, payload, payload["callback_query"])
        elif isinstance(payload.get("my_chat_member"), dict):
            batch.run(label, self._membership, inbox, payload, payload["my_chat_member"])
        return batch.done()

    def _message(
        self, inbox: Inbox, payload: dict[str, Any], message: dict[str, Any], edited: bool
    ) -> None:
        chat = message.get("chat") or {}
        sender = message.get("from") or {}
        if chat.get("type") != "private" or not sender.get("id") or sender.get("is_bot"):
            return
        if edited and "location" in message:
            return  # a live location moving: every few seconds for hours, not a new message
        texts = [_forwarded(message), _content_text(message)]
        files: list[tuple[str, bytes | None]] = []
        found = None if edited else self._file_of(message)
        if found is not None:
            file_id, name = found
            try:
                files.append((name, self._download(inbox, file_id)))
            except PermanentDeliveryError as exc:
                texts.append(
                    _("[A file could not be fetched from Telegram: %(error)s]") % {"error": exc}
                )
        attachments, notes = accepted_files(files)
        text = "\n".join(part for part in (*texts, *notes) if part)
        if not text and not attachments:
            text = unsupported_text("Telegram", _kind_of(message))
        external_id = f"{chat.get('id')}:{message.get('message_id')}"
        if edited:  # a new line in the conversation: the first version stays as it was
            text = edited_text(text)
            external_id += f":edit:{message.get('edit_date', '')}"
        self._store(inbox, payload, sender, text, external_id, message.get("date"), attachments)

    def _callback(self, inbox: Inbox, payload: dict[str, Any], query: dict[str, Any]) -> None:
        """A tap on an inline keyboard button, then its answer.

        Telegram shows a spinner on the button until the bot calls `answerCallbackQuery`; it is
        called once the tap's line is committed (at once when no transaction is open, else on
        its commit), also for a tap left out (not a private chat): the button stops spinning
        either way. A tap that could not be stored (the provider unreachable: the delivery is
        retried) is not answered yet."""
        self._tap(inbox, payload, query)
        query_id = str(query.get("id") or "")
        if query_id:
            transaction.on_commit(partial(self._answer_tap, inbox, query_id))

    def _answer_tap(self, inbox: Inbox, query_id: str) -> None:
        """Best effort: the tap is stored already. A query answered before (a delivery run
        twice) or too old (Telegram takes an answer only for a short while) is refused with a
        400: logged."""
        try:
            self._call(inbox, "answerCallbackQuery", json={"callback_query_id": query_id})
        except DeliveryError as exc:
            logger.warning("inbox %s: Telegram tap %s not answered: %s", inbox.pk, query_id, exc)

    def _tap(self, inbox: Inbox, payload: dict[str, Any], query: dict[str, Any]) -> None:
        """The tap's line: the button's label (found in the message it belongs to) or, failing
        that, its data."""
        sender = query.get("from") or {}
        message = query.get("message") or {}
        if (message.get("chat") or {}).get("type", "private") != "private" or not sender.get("id"):
            return
        data = str(query.get("data") or query.get("game_short_name") or "")
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        labels = [
            str(button.get("text", ""))
            for row in rows
            if isinstance(row, list)
            for button in dicts(row)
            if button.get("callback_data") == data
        ]
        text = _("[Tapped “%(label)s”]") % {"label": labels[0] if labels else data}
        self._store(inbox, payload, sender, text, f"callback:{query.get('id')}", None)

    def _membership(self, inbox: Inbox, payload: dict[str, Any], change: dict[str, Any]) -> None:
        """The customer stopped (blocked) the bot: replies cannot reach them any more. Their
        restarting it needs no line: /start arrives as a message."""
        chat = change.get("chat") or {}
        sender = change.get("from") or {}
        status = (change.get("new_chat_member") or {}).get("status")
        if chat.get("type") != "private" or not sender.get("id") or status != "kicked":
            return
        text = _(
            "[The customer blocked the bot: replies cannot reach them until they start it again.]"
        )
        key = f"blocked:{chat.get('id')}:{change.get('date', '')}"
        self._store(inbox, payload, sender, text, key, change.get("date"))

    def _store(
        self,
        inbox: Inbox,
        payload: dict[str, Any],
        sender: dict[str, Any],
        text: str,
        external_id: str,
        date: Any,
        attachments: tuple[InboundAttachment, ...] = (),
    ) -> None:
        full_name = " ".join(
            str(sender.get(part, "")) for part in ("first_name", "last_name") if sender.get(part)
        )
        inbound = InboundMessage(
            inbox_id=inbox.pk,
            identity_kind=IdentityKind.TELEGRAM,
            identity_value=str(sender["id"]),
            name=full_name,
            language=str(sender.get("language_code") or "")[:10],
            text=text,
            external_id=external_id,
            sent_at=timestamp(date),
            attachments=attachments,
            metadata={"channel": self.kind, "update_id": payload["update_id"]},
        )
        try:
            receive_message(inbound, inbox=inbox)
        except ActionError as exc:
            logger.warning("inbox %s: Telegram message refused: %s", inbox.pk, exc.detail)

    def _file_of(self, message: dict[str, Any]) -> tuple[str, str] | None:
        photos = message.get("photo")
        if isinstance(photos, list) and photos and isinstance(photos[-1], dict):
            largest = photos[-1]  # sizes come smallest first
            return str(largest.get("file_id", "")), f"photo-{message.get('message_id')}.jpg"
        for kind in FILE_KINDS:
            item = message.get(kind)
            if isinstance(item, dict) and item.get("file_id"):
                name = item.get("file_name") or f"{kind}-{message.get('message_id')}{_ext(item)}"
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
                json={"url": url, "secret_token": inbox.secret, "allowed_updates": ALLOWED_UPDATES},
            )
        except DeliveryError as exc:
            return Report(False, (url, str(exc)))
        return Report(True, (_("webhook set to %(url)s") % {"url": url},))
