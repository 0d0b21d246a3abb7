"""The visitor's websocket (`ws/chat/?session=...`): protocol version 1 of docs/chat.md.

One consumer per visitor socket. It listens on three channel-layer groups: the visitor's own
(`chat-v-<visitor>`: "your conversation changed"), the conversation's visitor group
(`chat-visitor-<conversation>`: message frames and whatever other apps send to visitors) and
the conversation's core group (`conversation-<id>`: agents' presence, i.e. typing and reading).
Writes go through `chat.actions` in a thread; acks are sent after the commit. Frames from the
layer are deduplicated by sequence number, since a live push and a replay can overlap. One task
per process and event loop (`Silence`) closes the sockets that stopped sending heartbeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _
from django.utils.translation import override

from atiende.chat import actions, limits
from atiende.chat.extensions import conversation_visitors_group
from atiende.chat.hops import (
    CLOSE_SILENT,
    REPLAY_BATCH,
    client_address,
    error_code,
    mark_read,
    moved,
    open_socket,
    replay,
    run_action,
    set_page,
    store,
)
from atiende.chat.sessions import VisitorContext
from atiende.core.errors import ActionError, NotFound
from atiende.core.events import conversation_group
from atiende.realtime.dispatch import dispatch as direct_dispatch

logger = logging.getLogger(__name__)

REMEMBERED_SEQS = 2048
TYPING_EVERY = 1.0
MAX_PREVIEW = 200


class Silence:
    """The visitor sockets of one event loop, and one task that closes those silent for
    `limits.SILENT_CLOSE_SECONDS` (a sleeping task per socket cost a wake-up per socket every
    few seconds; this costs one, plus a pass over the sockets). It ends when no socket is left."""

    def __init__(self) -> None:
        self.sockets: set[VisitorConsumer] = set()
        self.task: asyncio.Task[None] | None = None

    def add(self, socket: VisitorConsumer) -> None:
        self.sockets.add(socket)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.watch())

    def discard(self, socket: VisitorConsumer) -> None:
        self.sockets.discard(socket)

    async def watch(self) -> None:
        loop = asyncio.get_running_loop()
        while self.sockets:
            await asyncio.sleep(limits.SILENT_CLOSE_SECONDS / 4)
            limit = loop.time() - limits.SILENT_CLOSE_SECONDS
            for socket in [each for each in self.sockets if each.last_heard < limit]:
                self.sockets.discard(socket)
                with contextlib.suppress(Exception):  # one failed close never stops the rest
                    await socket.close(code=CLOSE_SILENT)


_silence: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Silence] = (
    weakref.WeakKeyDictionary()
)


def silence() -> Silence:
    loop = asyncio.get_running_loop()
    found = _silence.get(loop)
    if found is None:
        found = _silence[loop] = Silence()
    return found


class VisitorConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels is untyped
    context: VisitorContext | None = None
    conversation_id: int | None = None

    async def connect(self) -> None:
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        session = (query.get("session") or [""])[0]
        self.address = client_address(self.scope)
        opened = await open_socket(session, self.address)
        if isinstance(opened, int):
            await self.close(code=opened)
            return
        self.context = opened.context
        self.language = opened.context.language or "en"
        self.seen: OrderedDict[int, None] = OrderedDict()
        self.max_seq = 0
        self.agent_read_sent = 0
        self.page_url = ""
        self.last_typing = 0.0
        self.bucket = limits.TokenBucket()
        loop = asyncio.get_running_loop()
        self.last_heard = loop.time()
        await self.join(opened.conversation_id, also=self.context.group)
        # What the conversation held when this socket opened is what the visitor has in view.
        self.max_seq = opened.last_seq or 0
        await self.send_json(
            {
                "type": "ready",
                "conversation_id": opened.conversation_id,
                "last_seq": opened.last_seq,
                "heartbeat": limits.HEARTBEAT_SECONDS,
            }
        )
        silence().add(self)

    async def disconnect(self, code: int) -> None:
        if self.context is None:
            return
        silence().discard(self)
        await self.channel_layer.group_discard(self.context.group, self.channel_name)
        previous = self.conversation_id
        await self.leave()
        await moved(previous, None)

    async def join(self, conversation_id: int | None, also: str | None = None) -> None:
        """Subscribe to the conversation's visitors' group (and `also`, the visitor's own group
        when the socket opens), all at once: after a restart every dropped visitor comes back
        within seconds, and each round trip to the channel layer awaited in turn waits behind
        all the other sockets' work on the event loop.

        Not to the agents' conversation group: every event of the conversation goes there (two
        or three per message) and a visitor's socket only dropped them; agents announce their
        presence to the visitors' group too (`realtime.consumers.announce`)."""
        self.conversation_id = conversation_id
        self.seen.clear()
        self.max_seq = 0
        groups = [also] if also is not None else []
        if conversation_id is not None:
            groups.append(conversation_visitors_group(conversation_id))
        await asyncio.gather(
            *(self.channel_layer.group_add(group, self.channel_name) for group in groups)
        )
        if conversation_id is not None:
            # Agents who have this conversation open say so again, so that a visitor who
            # (re)joins learns that what they wrote has been seen without waiting for the
            # agents' next heartbeat.
            await self.channel_layer.group_send(
                conversation_group(conversation_id),
                {"type": "atiende.roll_call", "conversation_id": conversation_id},
            )

    async def leave(self) -> None:
        if self.conversation_id is not None:
            await self.channel_layer.group_discard(
                conversation_visitors_group(self.conversation_id), self.channel_name
            )
        self.conversation_id = None

    async def switch(self, conversation_id: int) -> None:
        """Follow the visitor to another conversation (a closed one got a follow-up)."""
        previous = self.conversation_id
        await self.leave()
        await self.join(conversation_id)
        await moved(previous, conversation_id)

    # --- from the visitor -------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.context is None:
            return
        loop = asyncio.get_running_loop()
        self.last_heard = loop.time()
        if text_data is None:
            await self.error("bad_frame", _("Frames are JSON text."))
            return
        if len(text_data) > limits.MAX_FRAME:
            await self.error("too_large", _("This frame is too large."))
            return
        if not self.bucket.take(loop.time()):
            await self.error("rate_limited", _("You are sending too fast. Wait a moment."))
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.error("bad_frame", _("This frame is not valid JSON."))
            return
        if not isinstance(frame, dict):
            await self.error("bad_frame", _("A frame is a JSON object with a type."))
            return
        handler = FRAME_HANDLERS.get(str(frame.get("type")))
        if handler is None:
            await self.error("bad_frame", _("Unknown frame type."))
            return
        with override(self.language):
            await handler(self, frame)

    async def error(self, code: str, detail: str, client_id: object = None) -> None:
        payload: dict[str, Any] = {"type": "error", "code": code, "detail": str(detail)}
        if isinstance(client_id, str):
            payload["client_id"] = client_id
        await self.send_json(payload)

    async def on_ping(self, frame: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

    async def on_message(self, frame: dict[str, Any]) -> None:
        assert self.context is not None
        client_id = frame.get("client_id")
        try:
            actions.check_client_id(client_id)
            text = actions.check_text(frame.get("text", ""))
            if not text.strip():
                await self.error("empty", _("The message is empty."), client_id)
                return
            sent = await store(self.context, client_id=client_id, text=text, address=self.address)
        except ActionError as exc:
            await self.error(error_code(exc), exc.detail, client_id)
            return
        except Exception:
            # Not stored (the database is busy or down): the client keeps the message and sends
            # it again with the same client id; this socket and everyone else's go on.
            logger.exception("could not store a visitor message")
            await self.error("unavailable", _("Not sent yet; trying again."), client_id)
            return
        if sent.conversation_id != self.conversation_id:
            await self.switch(sent.conversation_id)
            await self.send_json({"type": "conversation", "conversation_id": sent.conversation_id})
            if self.page_url:
                # The page was announced before there was a conversation to keep it on.
                await set_page(self.context, self.page_url)
        self.max_seq = max(self.max_seq, sent.seq)
        await self.send_json(
            {
                "type": "ack",
                "client_id": sent.client_id,
                "seq": sent.seq,
                "conversation_id": sent.conversation_id,
            }
        )

    async def on_resume(self, frame: dict[str, Any]) -> None:
        assert self.context is not None
        after = frame.get("last_seq", 0)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            await self.error("bad_frame", _("last_seq must be a number."))
            return
        await self.replay_from(after)

    async def replay_from(self, after: int) -> None:
        assert self.context is not None
        last = after
        while True:
            conversation_id, frames = await replay(self.context, last)
            if conversation_id is not None and conversation_id != self.conversation_id:
                # The client's sequence numbers belong to an older conversation: start over.
                await self.switch(conversation_id)
                await self.send_json({"type": "conversation", "conversation_id": conversation_id})
                last = 0
                continue
            for frame in frames:
                await self.forward(frame)
                last = max(last, int(frame["seq"]))
            if len(frames) < REPLAY_BATCH:
                break
        self.max_seq = max(self.max_seq, last)
        await self.send_json({"type": "resumed", "last_seq": last})

    async def on_typing(self, frame: dict[str, Any]) -> None:
        now = asyncio.get_running_loop().time()
        if self.conversation_id is None or now - self.last_typing < TYPING_EVERY:
            return
        self.last_typing = now
        preview = frame.get("text", "")
        preview = preview[-MAX_PREVIEW:] if isinstance(preview, str) else ""
        await self.channel_layer.group_send(
            conversation_group(self.conversation_id),
            {
                "type": "atiende.visitor_typing",
                "conversation_id": self.conversation_id,
                "preview": mask_preview(preview),
                "page_url": self.page_url,
            },
        )

    async def on_read(self, frame: dict[str, Any]) -> None:
        assert self.context is not None
        seq = frame.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            await self.error("bad_frame", _("seq must be a number."))
            return
        moved_to = await mark_read(self.context, seq)
        if moved_to is not None:
            conversation_id, read = moved_to
            await self.channel_layer.group_send(
                conversation_visitors_group(conversation_id),
                {
                    "type": "atiende.visitor",
                    "payload": {"type": "read", "seq": read, "by": "visitor"},
                },
            )

    async def on_page(self, frame: dict[str, Any]) -> None:
        assert self.context is not None
        url = frame.get("url")
        if not isinstance(url, str):
            await self.error("bad_frame", _("url must be a string."))
            return
        self.page_url = url[: actions.MAX_URL]
        await set_page(self.context, url)

    async def on_action(self, frame: dict[str, Any]) -> None:
        assert self.context is not None
        seq, name = frame.get("seq"), frame.get("action")
        if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(name, str):
            await self.error("bad_frame", _("An action needs a seq and an action name."))
            return
        try:
            await run_action(self.context, seq, name)
        except NotFound as exc:
            await self.error("unknown_action", exc.detail)
        except ActionError as exc:
            await self.error(error_code(exc), exc.detail)
        except Exception:
            logger.exception("the handler of button %r failed", name)
            await self.error("unavailable", _("Something went wrong. Try again."))

    # --- from the channel layer -------------------------------------------------------------

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Other apps may add message kinds to the conversation group; a socket that does not
        # know one ignores it instead of crashing.
        name = str(message.get("type", "")).replace(".", "_")
        if name.startswith("atiende_") and not hasattr(self, name):
            return
        await direct_dispatch(self, message)

    async def forward(self, frame: dict[str, Any]) -> None:
        seq = frame.get("seq")
        if not isinstance(seq, int) or seq in self.seen:
            return
        self.seen[seq] = None
        if len(self.seen) > REMEMBERED_SEQS:
            self.seen.popitem(last=False)
        self.max_seq = max(self.max_seq, seq)
        await self.send_json(frame)

    async def atiende_chat_message(self, message: dict[str, Any]) -> None:
        frame = message.get("frame") or {}
        if frame.get("conversation_id") == self.conversation_id:
            await self.forward(frame)

    async def atiende_chat_switch(self, message: dict[str, Any]) -> None:
        conversation_id = message.get("conversation_id")
        if not isinstance(conversation_id, int) or conversation_id == self.conversation_id:
            return
        await self.switch(conversation_id)
        await self.send_json({"type": "conversation", "conversation_id": conversation_id})
        await self.replay_from(0)

    async def atiende_visitor(self, message: dict[str, Any]) -> None:
        payload = message.get("payload")
        if isinstance(payload, dict):
            await self.send_json(payload)

    async def atiende_presence(self, message: dict[str, Any]) -> None:
        if message.get("conversation_id") != self.conversation_id:
            return
        state = message.get("state")
        if state == "typing":
            await self.send_json({"type": "typing", "name": str(message.get("name", ""))})
        if state in {"typing", "viewing"} and self.max_seq > self.agent_read_sent:
            # An agent has the conversation open: what the visitor wrote so far has been seen.
            self.agent_read_sent = self.max_seq
            await self.send_json({"type": "read", "seq": self.max_seq, "by": "agent"})

    async def atiende_event(self, message: dict[str, Any]) -> None:
        """Agents' events reach visitors as message frames only (pushed by the chat app); a
        socket of a version that still listened to the conversation group may get some."""

    async def atiende_visitor_typing(self, message: dict[str, Any]) -> None:
        """The visitor's typing is for agents only (sent to the conversation group)."""


def mask_preview(text: str) -> str:
    from atiende.core.masking import mask_secrets

    return mask_secrets(text).text


FRAME_HANDLERS: dict[str, Callable[[VisitorConsumer, dict[str, Any]], Awaitable[None]]] = {
    "message": VisitorConsumer.on_message,
    "resume": VisitorConsumer.on_resume,
    "typing": VisitorConsumer.on_typing,
    "read": VisitorConsumer.on_read,
    "ping": VisitorConsumer.on_ping,
    "page": VisitorConsumer.on_page,
    "action": VisitorConsumer.on_action,
}
