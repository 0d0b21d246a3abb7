"""X direct messages through the Account Activity API; replies with the v2 DM endpoint.

The webhook's CRC (`GET ?crc_token=`) is answered with `{"response_token": "sha256=<base64
HMAC-SHA256(consumer secret, crc_token)>"}`; every POST carries `x-twitter-webhooks-signature:
sha256=<base64 HMAC-SHA256(consumer secret, body)>`, checked constant-time against the current
and previous consumer secret. `direct_message_events` of type `message_create` from someone other
than the account become messages (the account's own DMs come back too: ignored);
`direct_message_mark_read_events` mark our reply read. Replies:
`POST /2/dm_conversations/with/{participant_id}/messages`, signed with OAuth 1.0a (RFC 5849,
HMAC-SHA1) with the account's access token. Media in DMs (in or out) is not supported: an
incoming image arrives as its link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import httpx
from django.utils.translation import gettext as _

from atiende.conversations.actions import receive_message
from atiende.conversations.models import DeliveryStatus
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
from atiende.social.common import (
    Batch,
    Report,
    credentials,
    dicts,
    record_delivery,
    unsupported_text,
)
from atiende.social.messenger import from_millis

logger = logging.getLogger(__name__)

API = "https://api.x.com"
MAX_TEXT = 10_000


def _encode(value: str) -> str:
    """RFC 3986 percent-encoding, as OAuth 1.0a wants it (only unreserved characters kept)."""
    return quote(value, safe="-._~")


def oauth_signature(
    method: str, url: str, params: dict[str, str], consumer_secret: str, token_secret: str
) -> str:
    """The HMAC-SHA1 signature of RFC 5849 section 3.4 over the method, URL and parameters."""
    pairs = sorted((_encode(key), _encode(value)) for key, value in params.items())
    normalized = "&".join(f"{key}={value}" for key, value in pairs)
    base = "&".join((method.upper(), _encode(url), _encode(normalized)))
    key = f"{_encode(consumer_secret)}&{_encode(token_secret)}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def oauth_header(
    method: str,
    url: str,
    *,
    consumer_key: str,
    consumer_secret: str,
    token: str,
    token_secret: str,
    nonce: str = "",
    timestamp: int | None = None,
) -> str:
    """The `Authorization: OAuth ...` header for a request whose body is not form-encoded (a
    JSON body is not signed; the query string is)."""
    parts = urlsplit(url)
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "oauth_token": token,
        "oauth_version": "1.0",
    }
    signed = {**dict(parse_qsl(parts.query, keep_blank_values=True)), **oauth}
    bare = urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, "", ""))
    oauth["oauth_signature"] = oauth_signature(method, bare, signed, consumer_secret, token_secret)
    return "OAuth " + ", ".join(f'{key}="{_encode(value)}"' for key, value in sorted(oauth.items()))


def body_signature(consumer_secret: str, body: bytes) -> str:
    """`sha256=<base64 HMAC-SHA256>`: the CRC answer (over the token) and the POST signature."""
    digest = hmac.new(consumer_secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response(consumer_secret: str, crc_token: str) -> str:
    return body_signature(consumer_secret, crc_token.encode())


def _detail(response: httpx.Response) -> str:
    answer = client.json_of(response)
    errors = answer.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return str(first.get("detail") or first.get("message") or first)
    if answer.get("detail") or answer.get("title"):
        return str(answer.get("detail") or answer.get("title"))
    return response.reason_phrase or str(response.status_code)


class XAdapter:
    kind = ChannelKind.X.value
    capabilities = Capabilities(
        attachments=False, html=False, max_length=MAX_TEXT, safety_notice=True
    )

    def _request(self, inbox: Inbox, method: str, path: str, **kwargs: Any) -> httpx.Response:
        found = credentials(inbox)
        if not (found.consumer_key and found.app_secret and found.access_token):
            raise PermanentDeliveryError(_("The inbox has no X keys and tokens."))
        url = f"{client.base_url(inbox, API)}/{path.lstrip('/')}"
        header = oauth_header(
            method,
            url,
            consumer_key=found.consumer_key,
            consumer_secret=found.app_secret,
            token=found.access_token,
            token_secret=found.access_token_secret,
        )
        hide = (found.access_token, found.access_token_secret, found.app_secret)
        return client.call(method, url, headers={"authorization": header}, hide=hide, **kwargs)

    # Webhooks (see social/webhook.py)

    def verify_signature(self, inbox: Inbox, headers: dict[str, str], body: bytes) -> bool:
        given = headers.get("x-twitter-webhooks-signature", "")
        found = credentials(inbox)
        return any(
            hmac.compare_digest(body_signature(secret, body), given)
            for secret in (found.app_secret, found.previous_app_secret)
            if secret
        )

    def handshake(self, inbox: Inbox, query: dict[str, str]) -> dict[str, str] | None:
        token = query.get("crc_token", "")
        secret = credentials(inbox).app_secret
        if not token or not secret:
            return None
        return {"response_token": crc_response(secret, token)}

    def accepts(self, payload: dict[str, Any]) -> bool:
        return isinstance(payload.get("for_user_id"), str)

    def event_key(self, payload: dict[str, Any], digest: str) -> str:
        return f"sha256:{digest}"

    def process(self, inbox: Inbox, payload: dict[str, Any]) -> list[str]:
        """DMs and read receipts; the other Account Activity events (tweets, likes, follows,
        blocks, typing indicators) are not messages to this inbox: left out on purpose."""
        batch = Batch(inbox)
        account = str(payload["for_user_id"])
        own = str(inbox.config.get("x_user_id") or "")
        if own and account != own:
            logger.warning("inbox %s: webhook for X account %s ignored", inbox.pk, account)
            return []
        users = payload.get("users") if isinstance(payload.get("users"), dict) else {}
        for event in batch.each(payload.get("direct_message_events"), "DM"):
            if event.get("type") == "message_create":
                label = f"DM {event.get('id', '?')}"
                batch.run(label, self._receive, inbox, account, event, users or {})
        for event in dicts(payload.get("direct_message_mark_read_events")):
            if str(event.get("sender_id", "")) != account:
                read = str(event.get("last_read_event_id", ""))
                if read:
                    batch.run(f"read {read}", record_delivery, inbox, read, DeliveryStatus.READ)
        return batch.done()

    def _receive(
        self, inbox: Inbox, account: str, event: dict[str, Any], users: dict[str, Any]
    ) -> None:
        created = event.get("message_create") or {}
        sender = str(created.get("sender_id", ""))
        if not sender or not event.get("id"):
            raise ValueError(_("a DM without sender or id"))
        if sender == account:
            return  # the account's own DM, echoed back
        data = created.get("message_data") or {}
        text = str(data.get("text", ""))
        notes = []
        attachment = data.get("attachment") or {}
        media = attachment.get("media") if isinstance(attachment, dict) else None
        if isinstance(media, dict):
            # The t.co link in the text points at the file; X serves it only to signed requests.
            link = str(media.get("expanded_url") or media.get("media_url_https") or "")
            if media.get("url"):
                text = text.replace(str(media["url"]), "").strip()
            kind = str(media.get("type") or "photo")
            notes.append(_("[Media (%(type)s): %(url)s]") % {"type": kind, "url": link})
        elif isinstance(attachment, dict) and attachment.get("type"):
            notes.append(unsupported_text("X", str(attachment["type"])))
        # Other t.co links as the customer wrote them.
        for url in dicts((data.get("entities") or {}).get("urls")):
            if url.get("url") and url.get("expanded_url"):
                text = text.replace(str(url["url"]), str(url["expanded_url"]))
        lines = [text, *notes]
        # A quick-reply answer's text is the option's label; the option's metadata is ours.
        text = "\n".join(line for line in lines if line) or unsupported_text("X", "empty")
        profile = users.get(sender) if isinstance(users.get(sender), dict) else {}
        inbound = InboundMessage(
            inbox_id=inbox.pk,
            identity_kind=IdentityKind.X,
            identity_value=sender,
            name=str((profile or {}).get("name", "")),
            text=text,
            external_id=str(event["id"]),
            sent_at=from_millis(event.get("created_timestamp")),
            metadata={"channel": self.kind},
        )
        try:
            receive_message(inbound, inbox=inbox)
        except ActionError as exc:
            logger.warning("inbox %s: X message refused: %s", inbox.pk, exc.detail)

    # Replies

    def send(self, inbox: Inbox, message: OutboundMessage) -> DeliveryResult:
        if not message.identity_value:
            raise PermanentDeliveryError(_("The customer has no X user id."))
        if message.attachments:
            raise PermanentDeliveryError(_("X replies from atiende cannot carry files."))
        if len(message.text) > MAX_TEXT:
            raise PermanentDeliveryError(
                _("X messages hold at most %(count)d characters.") % {"count": MAX_TEXT}
            )
        response = self._request(
            inbox,
            "POST",
            f"2/dm_conversations/with/{message.identity_value}/messages",
            json={"text": message.text.strip()},
        )
        client.check_answer(response, _detail(response))
        data = client.json_of(response).get("data") or {}
        return DeliveryResult(external_id=str(data.get("dm_event_id", "")), status="sent")

    def test_connection(self, inbox: Inbox) -> Report:
        try:
            response = self._request(inbox, "GET", "2/users/me")
        except DeliveryError as exc:
            return Report(False, (str(exc),))
        if not response.is_success:
            return Report(False, (f"HTTP {response.status_code}", _detail(response)))
        user = client.json_of(response).get("data") or {}
        return Report(
            True,
            (f"HTTP {response.status_code}", f"@{user.get('username', '')} ({user.get('id', '')})"),
        )
