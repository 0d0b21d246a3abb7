"""Meta's Graph API and Telegram's Bot API, as small as their documented contracts allow.

The server runs on 127.0.0.1 in a thread of the test; adapters reach it over real HTTP through
the inbox's `api_base_url`. It checks the access token the way the providers do (Graph: a
Bearer header, code 190 when wrong; Telegram: the token in the path, 401 when wrong), serves
media by id and files by path, accepts sends and uploads (multipart parsed for real), and can
be told to fail the next sends with a status and the provider's error body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlsplit

VERSION = "v21.0"
GRAPH_TOKEN = "EAAG-test-token"
BOT_TOKEN = "123456:ABC-test-bot-token"
PHONE_NUMBER_ID = "106540352242922"
X_CONSUMER_KEY = "xvz1evFS4wEEPTGEFPHBog"
X_CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
X_TOKEN = "4337869213-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"
X_TOKEN_SECRET = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
X_USER_ID = "4337869213"
PAGE_ID = "1127409233"
# 1x1 PNG and a small PDF: real magic bytes, so attachment sniffing sees what it would.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c"
    "6360000002000154a24f5d0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The starts of an Ogg/Opus voice note and an MP4 video note, as Telegram stores them.
OGG = b"OggS\x00\x02" + bytes(20) + b"\x01\x13OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(16)


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    json: dict[str, Any] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    body: dict[str, Any]


class Provider:
    """State shared by the handler threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.media: dict[str, tuple[bytes, str]] = {
            "media-image-1": (PNG, "image/png"),
            "media-doc-1": (PDF, "application/pdf"),
        }
        self.files: dict[str, bytes] = {
            "photos/file_7.jpg": PNG,
            "documents/file_8.pdf": PDF,
            "voice/file_9.oga": OGG,
            "video_notes/file_10.mp4": MP4,
        }
        self.ids = itertools.count(1)
        self.url = ""
        self.webhook: dict[str, Any] = {}
        # Bot API: the callback queries Telegram sent the bot (the fixtures' tap), each to be
        # answered once; the answers received, in order.
        self.callback_queries: set[str] = {"4382bfdwdsb323b2d9"}
        self.answered: list[dict[str, Any]] = []

    def sends(self, path_end: str) -> list[Call]:
        return [call for call in self.calls if call.path.endswith(path_end)]


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, Any]]:
    parsed = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    form: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    assert isinstance(parsed, EmailMessage)
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(name, str)
        assert isinstance(payload, bytes)
        filename = part.get_filename()
        if filename:
            files[name] = (filename, payload)
        else:
            form[name] = payload.decode()
    return form, files


class Handler(BaseHTTPRequestHandler):
    provider: Provider

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self, status: int, body: dict[str, Any] | bytes, content_type: str = "") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", content_type or "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _call(self) -> Call:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        content_type = self.headers.get("content-type", "")
        headers = {name.lower(): value for name, value in self.headers.items()}
        call = Call(self.command, urlsplit(self.path).path, headers)
        if content_type.startswith("application/json"):
            call.json = json.loads(raw)
        elif content_type.startswith("multipart/form-data"):
            call.form, call.files = _multipart(content_type, raw)
        elif raw:
            call.form = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
        with self.provider.lock:
            self.provider.calls.append(call)
        return call

    def do_GET(self) -> None:
        self._route(self._call())

    def do_POST(self) -> None:
        self._route(self._call())

    def _route(self, call: Call) -> None:
        if call.path.startswith("/bot") or call.path.startswith("/file/bot"):
            self._telegram(call)
        elif call.path.startswith("/2/"):
            self._x(call)
        else:
            self._graph(call)

    # Graph API

    def _graph(self, call: Call) -> None:
        parts = call.path.strip("/").split("/")
        if parts[0] == "cdn":  # attachment URLs in Messenger webhooks are signed, no token
            content, mime = self.provider.media[parts[1]]
            self._answer(200, content, mime)
            return
        if call.headers.get("authorization") != f"Bearer {GRAPH_TOKEN}":
            error = {
                "message": "Invalid OAuth access token - Cannot parse access token",
                "type": "OAuthException",
                "code": 190,
                "fbtrace_id": "Atest",
            }
            self._answer(401, {"error": error})
            return
        if parts[0] == "media-files":
            content, mime = self.provider.media[parts[1]]
            self._answer(200, content, mime)
            return
        if parts[0] != VERSION:
            self._answer(404, {"error": {"message": "Unknown path", "code": 803}})
            return
        target = parts[1:]
        if call.method == "POST" and target[-1] in {"messages", "media"} and self._failing():
            return
        number = next(self.provider.ids)
        if call.method == "GET" and target == [PHONE_NUMBER_ID]:
            self._answer(
                200,
                {
                    "display_phone_number": "+1 555-010-0100",
                    "verified_name": "Atiende Test",
                    "id": PHONE_NUMBER_ID,
                },
            )
        elif call.method == "GET" and target == ["6789012345678901"]:  # a PSID's profile
            self._answer(200, {"first_name": "Sam", "last_name": "Rivera", "id": target[0]})
        elif call.method == "GET" and target == ["5432109876543210"]:  # an IGSID's profile
            self._answer(200, {"name": "Noa Levi", "username": "noa.l", "id": target[0]})
        elif call.method == "GET" and target == ["me"]:
            self._answer(200, {"id": PAGE_ID, "name": "Atiende Test Page"})
        elif call.method == "GET" and len(target) == 1 and target[0] in self.provider.media:
            if self._failing():  # Graph having a bad moment while asked for a media URL
                return
            _content, mime = self.provider.media[target[0]]
            self._answer(
                200,
                {
                    "messaging_product": "whatsapp",
                    "url": f"{self.provider.url}/media-files/{target[0]}",
                    "mime_type": mime,
                    "id": target[0],
                },
            )
        elif call.method == "POST" and target == [PHONE_NUMBER_ID, "media"]:
            assert call.form["messaging_product"] == "whatsapp"
            assert "file" in call.files
            self._answer(200, {"id": f"uploaded-{number}"})
        elif call.method == "POST" and target == [PHONE_NUMBER_ID, "messages"]:
            to = call.json["to"]
            self._answer(
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": f"wamid.out{number}"}],
                },
            )
        elif call.method == "POST" and target == ["me", "messages"]:
            recipient = call.json.get("recipient") or json.loads(call.form["recipient"])
            self._answer(200, {"recipient_id": recipient["id"], "message_id": f"m_out{number}"})
        else:
            self._answer(400, {"error": {"message": "Unsupported request", "code": 100}})

    def _failing(self) -> bool:
        with self.provider.lock:
            failure = self.provider.failures.pop(0) if self.provider.failures else None
        if failure is not None:
            self._answer(failure.status, failure.body)
        return failure is not None

    # X API v2

    def _x(self, call: Call) -> None:
        url = f"{self.provider.url}{self.path}"
        if not _oauth_valid(call.method, url, call.headers.get("authorization", "")):
            self._answer(
                401,
                {"title": "Unauthorized", "type": "about:blank", "status": 401,
                 "detail": "Unauthorized"},
            )  # fmt: skip
            return
        parts = call.path.strip("/").split("/")
        if call.method == "GET" and parts == ["2", "users", "me"]:
            user = {"id": X_USER_ID, "name": "Atiende Support", "username": "atiende_help"}
            self._answer(200, {"data": user})
        elif call.method == "POST" and parts[:3] == ["2", "dm_conversations", "with"]:
            if self._failing():
                return
            number = next(self.provider.ids)
            data = {
                "dm_conversation_id": f"{parts[3]}-{X_USER_ID}",
                "dm_event_id": str(1_800_000_000_000_000_000 + number),
            }
            self._answer(201, {"data": data})
        else:
            self._answer(404, {"title": "Not Found Error", "status": 404, "detail": "no route"})

    # Bot API

    def _telegram(self, call: Call) -> None:
        file_download = call.path.startswith("/file/bot")
        prefix = f"/file/bot{BOT_TOKEN}/" if file_download else f"/bot{BOT_TOKEN}/"
        if not call.path.startswith(prefix):
            self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        rest = call.path[len(prefix) :]
        if file_download:
            self._answer(200, self.provider.files[rest], "application/octet-stream")
            return
        params = {**call.form, **call.json}
        if rest in {"sendMessage", "sendDocument"} and self._failing():
            return
        number = next(self.provider.ids)
        if rest == "getMe":
            bot = {"id": 123456, "is_bot": True, "first_name": "Atiende", "username": "atiende_bot"}
            self._answer(200, {"ok": True, "result": bot})
        elif rest == "getWebhookInfo":
            info = {"url": self.provider.webhook.get("url", ""), "pending_update_count": 0}
            self._answer(200, {"ok": True, "result": info})
        elif rest == "setWebhook":
            if not str(params.get("url", "")).startswith("https://"):
                self._answer(
                    400,
                    {"ok": False, "error_code": 400, "description": "Bad Request: bad webhook: "
                     "An HTTPS URL must be provided for webhook"},
                )  # fmt: skip
                return
            self.provider.webhook = params
            self._answer(200, {"ok": True, "result": True, "description": "Webhook was set"})
        elif rest == "getFile":
            path = {
                "photo-big": "photos/file_7.jpg",
                "doc-1": "documents/file_8.pdf",
                "voice-1": "voice/file_9.oga",
                "video-note-1": "video_notes/file_10.mp4",
            }.get(str(params["file_id"]))
            if path is None:
                self._answer(
                    400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid "
                          "file_id"}
                )  # fmt: skip
                return
            found = {"file_id": params["file_id"], "file_unique_id": "u1", "file_path": path}
            self._answer(200, {"ok": True, "result": found})
        elif rest == "answerCallbackQuery":
            self._answer_callback_query(params)
        elif rest in {"sendMessage", "sendDocument"}:
            chat = {"id": int(params["chat_id"]), "type": "private"}
            sent = {"message_id": 1000 + number, "chat": chat, "date": 1765152000}
            self._answer(200, {"ok": True, "result": sent})
        else:
            self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _answer_callback_query(self, params: dict[str, Any]) -> None:
        """answerCallbackQuery: `callback_query_id` required; optional `text` (0-200
        characters), `show_alert`, `url`, `cache_time`; `true` on success. An unknown query, or
        one answered already, is refused as Telegram refuses it."""
        query_id = str(params.get("callback_query_id", ""))
        if not query_id:
            self._answer(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: parameter "
                      "\"callback_query_id\" is required"}
            )  # fmt: skip
            return
        if len(str(params.get("text", ""))) > 200:
            self._answer(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: "
                      "MESSAGE_TOO_LONG"}
            )  # fmt: skip
            return
        with self.provider.lock:
            known = query_id in self.provider.callback_queries
            self.provider.callback_queries.discard(query_id)
            if known:
                self.provider.answered.append(params)
        if not known:
            self._answer(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: query is too "
                      "old and response timeout expired or query ID is invalid"}
            )  # fmt: skip
            return
        self._answer(200, {"ok": True, "result": True})


def _oauth_valid(method: str, url: str, header: str) -> bool:
    """RFC 5849: recompute the HMAC-SHA1 over method, URL and the oauth_* and query parameters
    with the consumer secret and token secret this server knows."""
    if not header.startswith("OAuth "):
        return False
    given: dict[str, str] = {}
    for item in header[len("OAuth ") :].split(","):
        key, _, value = item.strip().partition("=")
        given[unquote(key)] = unquote(value.strip('"'))
    signature = given.pop("oauth_signature", "")
    if given.get("oauth_consumer_key") != X_CONSUMER_KEY or given.get("oauth_token") != X_TOKEN:
        return False
    parts = urlsplit(url)
    params = {**dict(parse_qsl(parts.query)), **given}
    encode = partial(quote, safe="-._~")
    normalized = "&".join(
        f"{k}={v}" for k, v in sorted((encode(k), encode(v)) for k, v in params.items())
    )
    bare = f"{parts.scheme}://{parts.netloc}{parts.path}"
    base = f"{method}&{encode(bare)}&{encode(normalized)}"
    key = f"{encode(X_CONSUMER_SECRET)}&{encode(X_TOKEN_SECRET)}"
    expected = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest())
    return hmac.compare_digest(expected.decode(), signature)


@contextmanager
def running() -> Iterator[Provider]:
    provider = Provider()
    handler = type("BoundHandler", (Handler,), {"provider": provider})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
