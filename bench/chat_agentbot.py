"""The chat bench's agent: a signed-in agent who answers every visitor message at once.

    .venv/bin/python bench/chat_agentbot.py '{"host": "127.0.0.1", "port": 8000,
        "session_key": "<the agent's Django session>", "token": "atk_…", "pool": 8}'

It does what an agent's browser and hands do, with nothing in between: it listens on the inbox
websocket (`/ws/inbox/`, signed in with a session cookie), and for each `message.created` event
it reads the conversation's new messages (`GET /api/conversations/{id}/messages?after_seq=…`,
as the conversation view does) and answers each visitor message `… <token>` with a public reply
`re <token>` (`POST /api/conversations/{id}/messages`, which calls `send_reply`; the reply
reaches the visitor through the outbox and the chat adapter). HTTP goes over `pool` keep-alive
connections on raw asyncio streams (bench/loadgen.py's framing), so the bot costs little CPU.

A reply is never posted twice: a page's replies (`re <token>`) are read before its visitor
messages are answered, and the read position only moves past a message once it is answered.
When the websocket drops (a server restart) the bot reconnects and re-reads every conversation
it knows. It runs until SIGTERM/SIGINT, then prints one JSON line of counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from typing import Any

from bench.loadgen import HttpError, Response, build_request, read_response
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Origin

RETRY_S = 0.2
Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Http:
    """A fixed pool of keep-alive HTTP/1.1 connections to one loopback server."""

    def __init__(self, host: str, port: int, token: str, size: int) -> None:
        self.host, self.port = host, port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.idle: asyncio.Queue[Connection | None] = asyncio.Queue()
        for _ in range(size):
            self.idle.put_nowait(None)

    async def request(self, method: str, path: str, payload: Any = None) -> Response:
        body = json.dumps(payload).encode() if payload is not None else b""
        raw = build_request(method, f"{self.host}:{self.port}", path, self.headers, body)
        connection = await self.idle.get()
        try:
            if connection is not None:
                try:
                    return await self.exchange(connection, raw)
                except (OSError, asyncio.IncompleteReadError):
                    # The server closed this idle keep-alive connection: once more, on a new one.
                    connection[1].close()
                    connection = None
            connection = await asyncio.open_connection(self.host, self.port)
            return await self.exchange(connection, raw)
        except BaseException:
            if connection is not None:
                connection[1].close()
            connection = None
            raise
        finally:
            self.idle.put_nowait(
                connection if connection and not connection[1].is_closing() else None
            )

    @staticmethod
    async def exchange(connection: Connection, raw: bytes) -> Response:
        reader, writer = connection
        writer.write(raw)
        await writer.drain()
        response = await asyncio.wait_for(read_response(reader), 60)
        if response.headers.get("connection", "").lower() == "close":
            writer.close()
        return response


class Bot:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.http = Http(spec["host"], int(spec["port"]), spec["token"], int(spec.get("pool", 8)))
        self.known: dict[int, int] = {}  # conversation id -> last seq handled
        self.running: set[int] = set()
        self.dirty: set[int] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.counters: dict[str, Any] = {
            "events": 0,
            "message_events": 0,
            "reads": 0,
            "replies": 0,
            "http_errors": 0,
            "reconnects": 0,
            "reply_ms": [],
            "error_samples": [],
        }

    def problem(self, sample: str) -> None:
        self.counters["http_errors"] += 1
        if len(self.counters["error_samples"]) < 5:
            self.counters["error_samples"].append(sample[:300])

    def touch(self, conversation_id: int) -> None:
        """Read and answer this conversation (again, if a read is already under way)."""
        if conversation_id in self.running:
            self.dirty.add(conversation_id)
            return
        self.running.add(conversation_id)
        task = asyncio.create_task(self.work(conversation_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def work(self, conversation_id: int) -> None:
        try:
            while True:
                self.dirty.discard(conversation_id)
                try:
                    await self.answer(conversation_id)
                except (OSError, asyncio.IncompleteReadError, HttpError, TimeoutError) as exc:
                    self.problem(f"{type(exc).__name__}: {exc}")
                    self.dirty.add(conversation_id)
                    await asyncio.sleep(RETRY_S)
                if conversation_id not in self.dirty:
                    return
        finally:
            self.running.discard(conversation_id)

    async def answer(self, conversation_id: int) -> None:
        after = self.known.get(conversation_id, 0)
        path = f"/api/conversations/{conversation_id}/messages?after_seq={after}&limit=200"
        response = await self.http.request("GET", path)
        self.counters["reads"] += 1
        if response.status != 200:
            raise HttpError(f"GET {response.status} {response.body[:200]!r}")
        page = json.loads(response.body)["results"]
        answered = {
            str(item["text"]).rsplit(" ", 1)[-1]
            for item in page
            if item["direction"] == "outbound" and str(item["text"]).startswith("re ")
        }
        for item in page:
            if item["direction"] == "inbound":
                token = str(item["text"]).rsplit(" ", 1)[-1]
                if token not in answered:
                    began = time.perf_counter()
                    reply = {"kind": "reply", "text": f"re {token}"}
                    posted = await self.http.request(
                        "POST", f"/api/conversations/{conversation_id}/messages", reply
                    )
                    if posted.status != 201:
                        raise HttpError(f"POST {posted.status} {posted.body[:200]!r}")
                    self.counters["replies"] += 1
                    self.counters["reply_ms"].append(round((time.perf_counter() - began) * 1000, 2))
                    answered.add(token)
            self.known[conversation_id] = max(self.known.get(conversation_id, 0), int(item["seq"]))

    async def listen(self, stop: asyncio.Event) -> None:
        host, port = self.spec["host"], int(self.spec["port"])
        cookie = f"{self.spec.get('cookie_name', 'sessionid')}={self.spec['session_key']}"
        first = True
        while not stop.is_set():
            try:
                async with connect(
                    f"ws://{host}:{port}/ws/inbox/",
                    origin=Origin(f"http://{host}:{port}"),
                    additional_headers={"Cookie": cookie},
                    compression=None,
                    ping_interval=None,
                    max_queue=None,
                ) as socket:
                    if not first:
                        self.counters["reconnects"] += 1
                        for conversation_id in list(self.known):
                            self.touch(conversation_id)
                    first = False
                    async for raw in socket:
                        self.on_event(json.loads(raw))
            except (OSError, InvalidHandshake, ConnectionClosed, TimeoutError):
                await asyncio.sleep(RETRY_S)

    def on_event(self, frame: dict[str, Any]) -> None:
        if frame.get("type") != "event":
            return
        self.counters["events"] += 1
        conversation_id = frame.get("conversation_id")
        if frame.get("kind") == "message.created" and isinstance(conversation_id, int):
            self.counters["message_events"] += 1
            self.touch(conversation_id)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    bot = Bot(spec)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    listening = asyncio.create_task(bot.listen(stop))
    print("agent bot started", file=sys.stderr, flush=True)
    await stop.wait()
    listening.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await listening
    for task in list(bot.tasks):
        task.cancel()
    return bot.counters


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    print(json.dumps(asyncio.run(run(spec))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
