"""Messenger and Instagram through Meta's Messenger Platform: one adapter, two kinds.

Inbound: `object: page` (Messenger) or `object: instagram`, `entry[].messaging[]` events from a
PSID or an IGSID: messages (text, files fetched from the URL in their payload, other
attachments, story mentions and replies, deletions as a line: see docs/social.md), postbacks,
reactions and edits as lines of their own, echoes of the page's own messages (ignored),
`delivery` (mids delivered) and `read` (a watermark, or the mid read on Instagram).
Outbound: `POST /{version}/me/messages` with `messaging_type: RESPONSE`, only within 24 hours
of the customer's last message; Messenger files are uploaded with the message (`filedata`),
Instagram replies carry text only.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from atiende.conversations.actions import receive_message
from atiende.conversations.models import DeliveryStatus, Direction, Message
from atiende.core.errors import ActionError
from atiende.inboxes.contract import (
    Capabilities,
    DeliveryError,
    DeliveryResult,
    InboundMessage,
    OutboundAttachment,
    OutboundMessage,
    PermanentDeliveryError,
)
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import ContactIdentity
from atiende.social import client, meta
from atiende.social.common import (
    Batch,
    Report,
    accepted_files,
    deleted_text,
    dicts,
    edited_text,
    location_text,
    reaction_text,
    record_delivery,
    require_window,
    unsupported_text,
)

logger = logging.getLogger(__name__)

OBJECTS = {ChannelKind.MESSENGER.value: "page", ChannelKind.INSTAGRAM.value: "instagram"}
MAX_TEXT = {ChannelKind.MESSENGER.value: 2000, ChannelKind.INSTAGRAM.value: 1000}
FILE_TYPES = ("image", "video", "audio", "file")
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})


def from_millis(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


class MessengerAdapter:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.capabilities = Capabilities(
            attachments=kind == ChannelKind.MESSENGER,
            html=False,
            max_length=MAX_TEXT[kind],
            safety_notice=True,
        )

    @property
    def name(self) -> str:
        return "Instagram" if self.kind == ChannelKind.INSTAGRAM else "Messenger"

    # Webhooks (see social/webhook.py)

    def verify_signature(self, inbox: Inbox, headers: dict[str, str], body: bytes) -> bool:
        return meta.verify_signature(inbox, headers, body)

    def handshake(self, inbox: Inbox, query: dict[str, str]) -> str | None:
        return meta.handshake(inbox, query)

    def accepts(self, payload: dict[str, Any]) -> bool:
        return payload.get("object") == OBJECTS[self.kind]

    def event_key(self, payload: dict[str, Any], digest: str) -> str:
        return f"sha256:{digest}"

    def _own_id(self, inbox: Inbox) -> str:
        field = "page_id" if self.kind == ChannelKind.MESSENGER else "instagram_id"
        return str(inbox.config.get(field) or "")

    def process(self, inbox: Inbox, payload: dict[str, Any]) -> list[str]:
        batch = Batch(inbox)
        own = self._own_id(inbox)
        for entry in dicts(payload.get("entry")):
            if own and str(entry.get("id", "")) != own:
                logger.warning("inbox %s: webhook for %s ignored", inbox.pk, entry.get("id"))
                continue
            # `standby` (another app of the page owns the thread) and `changes` (comments,
            # mentions in posts) are not messages to this inbox: left out on purpose.
            for event in batch.each(entry.get("messaging"), "event"):
                label = "event " + str(
                    (event.get("message") or {}).get("mid") or event.get("timestamp")
                )
                batch.run(label, self._event, inbox, event)
        return batch.done()

    def _event(self, inbox: Inbox, event: dict[str, Any]) -> None:
        sender = str((event.get("sender") or {}).get("id", ""))
        sent_at = from_millis(event.get("timestamp"))
        stamp = str(event.get("timestamp", ""))
        message = event.get("message")
        if isinstance(message, dict) and not message.get("is_echo"):
            self._receive(inbox, sender, message, sent_at)
        postback = event.get("postback")
        if isinstance(postback, dict):  # a tap on a button or an ice breaker we offered
            text = str(postback.get("title") or postback.get("payload") or "")
            key = str(postback.get("mid") or f"postback:{sender}:{stamp}")
            self._store(inbox, sender, text, key, sent_at)
        reaction = event.get("reaction")
        if isinstance(reaction, dict) and reaction.get("action", "react") == "react":
            emoji = str(reaction.get("emoji") or reaction.get("reaction") or "")
            target = str(reaction.get("mid", ""))
            text = reaction_text(inbox, emoji, target, self.kind, sender)
            self._store(inbox, sender, text, f"reaction:{target}:{sender}:{stamp}", sent_at)
        edit = event.get("message_edit")
        if isinstance(edit, dict) and edit.get("mid"):
            key = f"{edit['mid']}:edit:{edit.get('num_edit', stamp)}"
            self._store(inbox, sender, edited_text(str(edit.get("text", ""))), key, sent_at)
        delivery = event.get("delivery")
        if isinstance(delivery, dict):
            for mid in delivery.get("mids") or []:
                record_delivery(inbox, str(mid), DeliveryStatus.DELIVERED)
        read = event.get("read")
        if isinstance(read, dict):
            if read.get("mid"):
                record_delivery(inbox, str(read["mid"]), DeliveryStatus.READ)
            elif (watermark := from_millis(read.get("watermark"))) is not None:
                self._read_until(inbox, sender, watermark)
        # `referral` (an m.me / ig.me link or an ad opened, before any message), `optin`,
        # `account_linking` and handover events carry nothing the customer wrote: left out.

    def _read_until(self, inbox: Inbox, sender: str, watermark: datetime) -> None:
        """Messenger's read receipt: every reply to this person sent up to the watermark."""
        replies = (
            Message.objects.filter(
                inbox_id=inbox.pk,
                direction__in=(Direction.OUTBOUND, Direction.BOT),
                delivery_status__in=(DeliveryStatus.SENT, DeliveryStatus.DELIVERED),
                created_at__lte=watermark,
                conversation__contact__identities__kind=self.kind,
                conversation__contact__identities__value=sender,
            )
            .exclude(external_id="")
            .values_list("external_id", flat=True)
        )
        for external_id in list(replies):
            record_delivery(inbox, external_id, DeliveryStatus.READ)

    def _receive(
        self, inbox: Inbox, sender: str, message: dict[str, Any], sent_at: datetime | None
    ) -> None:
        if not sender or not message.get("mid"):
            raise ValueError(_("a message without sender or id"))
        mid = str(message["mid"])
        if message.get("is_deleted"):  # Instagram: the customer unsent a message
            self._store(
                inbox,
                sender,
                deleted_text(inbox, mid, self.kind, sender),
                f"{mid}:deleted",
                sent_at,
            )
            return
        texts = [str(message.get("text", ""))]
        story = (message.get("reply_to") or {}).get("story")
        if isinstance(story, dict):
            texts.insert(0, _("[Reply to your story %(url)s]") % {"url": story.get("url", "")})
        files: list[tuple[str, bytes | None]] = []
        for number, item in enumerate(dicts(message.get("attachments")), start=1):
            kind = str(item.get("type", ""))
            found = item.get("payload")
            payload: dict[str, Any] = found if isinstance(found, dict) else {}
            url = str(payload.get("url", ""))
            if kind in FILE_TYPES and url:
                try:
                    content = client.download(url, headers={})
                except PermanentDeliveryError as exc:
                    texts.append(
                        _("[A file could not be fetched from %(channel)s: %(error)s]")
                        % {"channel": self.name, "error": exc}
                    )
                    continue
                name = os.path.basename(urlsplit(url).path) or f"{kind}-{number}"
                files.append((name, content))
            else:
                texts.append(self._attachment_text(kind, item, payload))
        if message.get("is_unsupported"):
            texts.append(unsupported_text(self.name, "unsupported"))
        attachments, notes = accepted_files(files)
        text = "\n".join(part for part in (*texts, *notes) if part)
        if not text and not attachments:
            text = unsupported_text(self.name, "empty")
        inbound = InboundMessage(
            inbox_id=inbox.pk,
            identity_kind=self.kind,
            identity_value=sender,
            name=self._name(inbox, sender),
            text=text,
            external_id=mid,
            sent_at=sent_at,
            attachments=attachments,
            metadata={"channel": self.kind},
        )
        try:
            receive_message(inbound, inbox=inbox)
        except ActionError as exc:
            logger.warning("inbox %s: %s message refused: %s", inbox.pk, self.name, exc.detail)

    def _attachment_text(self, kind: str, item: dict[str, Any], payload: dict[str, Any]) -> str:
        """An attachment that is not a file to keep, as a line."""
        url = str(payload.get("url", ""))
        title = str(item.get("title") or payload.get("title") or "")
        if kind == "location":  # Messenger's (older) shared location
            point = payload.get("coordinates") or {}
            return location_text(point.get("lat"), point.get("long"), title, "", url)
        if kind == "story_mention":
            # Meta's terms: the story's media is not to be stored, only its (expiring) address.
            return _("[Mentioned you in their story %(url)s]") % {"url": url}
        if kind == "template":  # a shared product or card: its titles and links
            elements = dicts((payload.get("generic") or payload).get("elements"))
            lines = [
                " ".join(str(e.get(f)) for f in ("title", "subtitle", "item_url") if e.get(f))
                for e in elements
            ]
            return "\n".join(line for line in lines if line) or title or url
        if url:  # fallback (a shared link), share, ig_reel, reel, ig_post, ...: title and address
            return " ".join(part for part in (title, url) if part)
        if kind == "like_heart":
            return "❤️"
        return unsupported_text(self.name, kind)

    def _store(
        self, inbox: Inbox, sender: str, text: str, external_id: str, sent_at: datetime | None
    ) -> None:
        """An event that is not a message of its own (a button tap, a reaction, an edit, a
        deletion) as a line in the conversation, with an id that makes it unique."""
        if not sender:
            raise ValueError(_("an event without sender"))
        inbound = InboundMessage(
            inbox_id=inbox.pk,
            identity_kind=self.kind,
            identity_value=sender,
            name=self._name(inbox, sender),
            text=text,
            external_id=external_id[:255],
            sent_at=sent_at,
            metadata={"channel": self.kind},
        )
        try:
            receive_message(inbound, inbox=inbox)
        except ActionError as exc:
            logger.warning("inbox %s: %s event refused: %s", inbox.pk, self.name, exc.detail)

    def _name(self, inbox: Inbox, sender: str) -> str:
        """The sender's name from their profile (webhooks carry none), asked once per person:
        not again when their contact has a name. Any refusal leaves the name empty."""
        named = ContactIdentity.objects.filter(
            kind=self.kind, value=sender, contact__name__gt=""
        ).exists()
        if named:
            return ""
        fields = "first_name,last_name" if self.kind == ChannelKind.MESSENGER else "name,username"
        try:
            response = meta.get(inbox, sender, fields=fields)
        except DeliveryError:
            return ""
        if not response.is_success:
            logger.info("inbox %s: no profile for %s: %s", inbox.pk, sender, response.status_code)
            return ""
        profile = client.json_of(response)
        parts = [profile.get("first_name"), profile.get("last_name")]
        name = " ".join(str(part) for part in parts if part) or str(profile.get("name") or "")
        return (name or str(profile.get("username") or ""))[:200]

    # Replies

    def send(self, inbox: Inbox, message: OutboundMessage) -> DeliveryResult:
        if not message.identity_value:
            raise PermanentDeliveryError(
                _("The customer has no %(channel)s id.") % {"channel": self.name}
            )
        limit = MAX_TEXT[self.kind]
        if len(message.text) > limit:
            raise PermanentDeliveryError(
                _("%(channel)s messages hold at most %(count)d characters.")
                % {"channel": self.name, "count": limit}
            )
        if message.attachments and self.kind == ChannelKind.INSTAGRAM:
            raise PermanentDeliveryError(_("Instagram replies from atiende cannot carry files."))
        require_window(inbox, message.conversation_id)
        recipient = {"id": message.identity_value}
        sent: list[str] = []
        if message.text.strip():
            answer = meta.post(
                inbox,
                "me/messages",
                json={
                    "recipient": recipient,
                    "messaging_type": "RESPONSE",
                    "message": {"text": message.text.strip()},
                },
            )
            sent.append(str(answer.get("message_id", "")))
        for attachment in message.attachments:
            sent.append(self._send_file(inbox, recipient, attachment))
        return DeliveryResult(external_id=sent[0] if sent else "", status="sent")

    def _send_file(
        self, inbox: Inbox, recipient: dict[str, str], attachment: OutboundAttachment
    ) -> str:
        kind = "image" if attachment.content_type in IMAGE_TYPES else "file"
        with open(attachment.path, "rb") as handle:
            answer = meta.post(
                inbox,
                "me/messages",
                data={
                    "recipient": json.dumps(recipient),
                    "messaging_type": "RESPONSE",
                    "message": json.dumps(
                        {"attachment": {"type": kind, "payload": {"is_reusable": False}}}
                    ),
                },
                files={"filedata": (attachment.filename, handle, attachment.content_type)},
            )
        return str(answer.get("message_id", ""))

    def test_connection(self, inbox: Inbox) -> Report:
        fields = "id,name" if self.kind == ChannelKind.MESSENGER else "id,name,username"
        return meta.test_connection(inbox, "me", fields)
