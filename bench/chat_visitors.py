"""Chat visitors for the bench: many websocket visitors in one asyncio process.

Reads a JSON spec on standard input, prints one JSON result as its last line:

    {"host": "127.0.0.1", "port": 8000, "widget_key": "...", "visitors": 500, "prefix": "a",
     "interval_s": 4, "start_at": <epoch>, "send_until": <epoch>, "drain_until": <epoch>}

Each visitor opens a chat session (`POST /api/chat/{widget_key}/sessions`; skipped when
`widget_key` is empty: the floor needs none), connects to `/ws/chat/?session=…`, and from
`start_at` to `send_until` sends `{"type":"message","client_id":<uuid>,"text":"… <uuid>"}`
every `interval_s` (first send at a random phase). With `ping_s` (the widget's heartbeat, 20 s)
each visitor also sends `{"type":"ping"}` that often while connected, as the widget does. The
agent bot answers `re <uuid>`. The visitor measures send → ack and send → reply, keeps the
highest sequence number it saw, and when its socket drops it reconnects as the widget does
(`frame.js`: waits 0.25 s, doubling to 5 s after each failed attempt, each wait ±50 % at
random, the count reset once a socket opens), sends `resume` with that number and then the
messages still unacknowledged, with their original `client_id` (the server stores each once).
After `send_until` it waits for what is outstanding until `drain_until`, then closes.

Latencies of messages whose socket dropped before the ack or reply are kept apart
(`*_reconnected`), so a restart does not blur the steady-state figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Origin

# The widget's reconnect policy (frame.js, docs/chat.md): the bench must model the real client,
# whose jittered backoff is what a restarting server sees from thousands of dropped visitors.
RECONNECT_FIRST_S = 0.25
RECONNECT_CAP_S = 5.0


def reconnect_delay(attempt: int) -> float:
    """Seconds before reconnect attempt `attempt` (0 = the first after a drop), as frame.js."""
    base: float = min(RECONNECT_CAP_S, RECONNECT_FIRST_S * 2.0 ** min(attempt, 10))
    return base * (0.5 + random.random())


ERROR_SAMPLES = 5


@dataclass
class Outstanding:
    sent_at: float
    generation: int
    acked: bool = False


@dataclass
class Totals:
    sent: int = 0
    acked: int = 0
    replies: int = 0
    # Replies that came only with the final full `resume` (not pushed live in time).
    replies_on_final_resume: int = 0
    duplicates: int = 0
    stray_replies: int = 0
    connect_failures: int = 0
    disconnects: int = 0
    ack_latencies: list[float] = field(default_factory=list)
    reply_latencies: list[float] = field(default_factory=list)
    ack_latencies_reconnected: list[float] = field(default_factory=list)
    reply_latencies_reconnected: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    acked_tokens: list[str] = field(default_factory=list)
    reply_tokens: list[str] = field(default_factory=list)
    unacked_tokens: list[str] = field(default_factory=list)
    unreplied_tokens: list[str] = field(default_factory=list)
    # Acked, unreplied, and the final `resume` did not complete in time: neither seen nor lost.
    unverified_tokens: list[str] = field(default_factory=list)
    # (when the socket dropped, when "resumed" came back), wall clock.
    resumes: list[tuple[float, float]] = field(default_factory=list)
    connected_at: list[float] = field(default_factory=list)
    # Per visitor, its first connection: session request + websocket handshake, in seconds
    # (the wait for a turn of the connect gate not included), and when it was done (epoch).
    connect_latencies: list[float] = field(default_factory=list)
    first_connected_at: list[float] = field(default_factory=list)
    pings: int = 0
    pongs: int = 0

    def problem(self, key: str, sample: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1
        if len(self.error_samples) < ERROR_SAMPLES:
            self.error_samples.append(sample[:300])


class Visitor:
    def __init__(self, spec: dict[str, Any], number: int, totals: Totals) -> None:
        self.spec = spec
        self.number = number
        self.totals = totals
        self.session = ""
        self.last_seq = 0
        self.generation = 0
        self.socket: ClientConnection | None = None
        self.outstanding: dict[str, Outstanding] = {}  # client_id -> state, until replied
        self.seen_replies: set[int] = set()
        self.dropped_at: float | None = None
        self.verifying = False
        self.verified = asyncio.Event()

    async def open_session(self) -> None:
        key = self.spec.get("widget_key") or ""
        if not key:
            self.session = f"{self.spec['prefix']}-{self.number}-{uuid.uuid4().hex[:8]}"
            return
        body = json.dumps({"name": f"Visitor {self.spec['prefix']}{self.number}"}).encode()
        reader, writer = await asyncio.open_connection(self.spec["host"], self.spec["port"])
        try:
            head = (
                f"POST /api/chat/{key}/sessions HTTP/1.1\r\n"
                f"Host: {self.spec['host']}:{self.spec['port']}\r\n"
                f"Origin: {self.origin()}\r\n"
                "Content-Type: application/json\r\nConnection: close\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        status_line, _, rest = raw.partition(b"\r\n")
        _, _, payload = rest.partition(b"\r\n\r\n")
        if b" 200 " not in status_line and b" 201 " not in status_line:
            raise RuntimeError(f"session: {status_line!r} {payload[:200]!r}")
        answer = json.loads(payload)
        self.session = str(answer["session"])
        self.last_seq = int(answer.get("last_seq") or 0)

    def origin(self) -> str:
        return f"http://{self.spec['host']}:{self.spec['port']}"

    def url(self) -> str:
        return f"ws://{self.spec['host']}:{self.spec['port']}/ws/chat/?session={self.session}"

    async def connect(self, deadline: float) -> bool:
        """Connect (again), resume and resend what is unacknowledged; False past `deadline`.
        After a drop, every attempt (the first included) waits `reconnect_delay` first."""
        attempt = 0
        while time.time() < deadline:
            if self.dropped_at is not None:
                await asyncio.sleep(reconnect_delay(attempt))
                attempt += 1
            try:
                self.socket = await connect(
                    self.url(),
                    origin=Origin(self.origin()),
                    compression=None,
                    ping_interval=None,
                    open_timeout=30,
                    max_queue=None,
                )
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                status = exc.response.status_code if isinstance(exc, InvalidStatus) else 0
                self.totals.connect_failures += 1
                self.totals.problem(f"connect {status or type(exc).__name__}", repr(exc))
                if self.dropped_at is None:  # a first connect that failed: back off too
                    await asyncio.sleep(reconnect_delay(attempt))
                    attempt += 1
                continue
            self.generation += 1
            self.totals.connected_at.append(time.time())
            if self.dropped_at is not None or self.last_seq:
                # A socket the server closes at once (a SIGTERM still draining) ends the
                # receive loop, which reconnects: the drop keeps its first time.
                with contextlib.suppress(ConnectionClosed):
                    await self.socket.send(
                        json.dumps({"type": "resume", "last_seq": self.last_seq})
                    )
            for client_id, state in list(self.outstanding.items()):
                if not state.acked:
                    await self.send_frame(client_id)
            return True
        return False

    async def send_frame(self, client_id: str) -> None:
        frame = {
            "type": "message",
            "client_id": client_id,
            "text": f"Hello, I need help with my order {client_id}",
        }
        if self.socket is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.socket.send(json.dumps(frame))

    async def send_new(self) -> None:
        client_id = str(uuid.uuid4())
        self.outstanding[client_id] = Outstanding(time.perf_counter(), self.generation)
        self.totals.sent += 1
        await self.send_frame(client_id)

    def on_frame(self, raw: str | bytes) -> None:
        frame = json.loads(raw)
        kind = frame.get("type")
        now = time.perf_counter()
        totals = self.totals
        if kind == "ack":
            client_id = frame.get("client_id")
            state = self.outstanding.get(client_id) if isinstance(client_id, str) else None
            if state is None or state.acked:
                return  # a second ack of a resent message
            state.acked = True
            totals.acked += 1
            totals.acked_tokens.append(str(client_id))
            latencies = (
                totals.ack_latencies
                if state.generation == self.generation
                else totals.ack_latencies_reconnected
            )
            latencies.append(now - state.sent_at)
            self.last_seq = max(self.last_seq, int(frame.get("seq") or 0))
        elif kind == "message":
            seq = int(frame.get("seq") or 0)
            self.last_seq = max(self.last_seq, seq)
            if frame.get("direction") == "inbound":
                return
            if seq in self.seen_replies:
                totals.duplicates += 1
                return
            self.seen_replies.add(seq)
            token = str(frame.get("text", "")).rsplit(" ", 1)[-1]
            state = self.outstanding.pop(token, None)
            if state is None:
                totals.stray_replies += 1
                return
            totals.replies += 1
            totals.reply_tokens.append(token)
            if self.verifying:
                totals.replies_on_final_resume += 1
                return
            latencies = (
                totals.reply_latencies
                if state.generation == self.generation
                else totals.reply_latencies_reconnected
            )
            latencies.append(now - state.sent_at)
        elif kind == "resumed":
            if self.verifying:
                self.verified.set()
            if self.dropped_at is not None:
                totals.resumes.append((self.dropped_at, time.time()))
                self.dropped_at = None
        elif kind == "pong":
            totals.pongs += 1
        elif kind == "error":
            totals.problem(f"error {frame.get('code')}", json.dumps(frame))

    async def receive(self, socket: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in socket:
                self.on_frame(raw)

    async def run(self, gate: asyncio.Semaphore) -> None:
        spec = self.spec
        drain_until = float(spec["drain_until"])
        async with gate:
            began = time.perf_counter()
            try:
                await self.open_session()
            except (OSError, RuntimeError, ValueError, KeyError) as exc:
                self.totals.problem("session", repr(exc))
                return
            if not await self.connect(drain_until):
                return
            self.totals.connect_latencies.append(time.perf_counter() - began)
            self.totals.first_connected_at.append(time.time())
        sender = asyncio.create_task(self.send_loop())
        pinger = asyncio.create_task(self.ping_loop()) if spec.get("ping_s") else None
        while self.socket is not None:
            receiving = asyncio.create_task(self.receive(self.socket))
            while not receiving.done() and time.time() < drain_until and not self.finished():
                send_until = float(spec["send_until"])
                wait = send_until - time.time() if time.time() < send_until else 0.25
                await asyncio.wait(
                    [receiving], timeout=max(0.05, min(wait, drain_until - time.time()))
                )
            if not receiving.done():
                receiving.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await receiving
                break
            # The socket dropped: reconnect and resume.
            self.totals.disconnects += 1
            if self.dropped_at is None:  # not yet resumed since the last drop: keep that time
                self.dropped_at = time.time()
            self.socket = None
            if not await self.connect(drain_until):
                break
        for task in (sender, pinger):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.socket is not None and self.outstanding:
            # Unanswered messages, acknowledged or not (an unacknowledged one may be stored and
            # answered too): the final full `resume` says what the server holds.
            await self.verify(self.socket)
        if self.socket is not None:
            with contextlib.suppress(ConnectionClosed, OSError):
                await self.socket.close()
        for client_id, state in self.outstanding.items():
            target = self.totals.unreplied_tokens if state.acked else self.totals.unacked_tokens
            target.append(client_id)

    async def verify(self, socket: ClientConnection) -> None:
        """Replies still missing: ask for the whole conversation again (`resume` from 0), as the
        protocol promises every stored message then; what comes only now was not lost but late."""
        self.verifying = True
        receiving = asyncio.create_task(self.receive(socket))
        with contextlib.suppress(ConnectionClosed, TimeoutError):
            await socket.send(json.dumps({"type": "resume", "last_seq": 0}))
            await asyncio.wait_for(self.verified.wait(), float(self.spec.get("verify_s", 10)))
        if not self.verified.is_set():
            self.totals.unverified_tokens.extend(self.outstanding)
        receiving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await receiving

    def finished(self) -> bool:
        return time.time() >= float(self.spec["send_until"]) and not self.outstanding

    async def send_loop(self) -> None:
        interval = float(self.spec["interval_s"])
        start = float(self.spec["start_at"]) + random.random() * interval
        until = float(self.spec["send_until"])
        await asyncio.sleep(max(0.0, start - time.time()))
        while time.time() < until:
            await self.send_new()
            await asyncio.sleep(interval)

    async def ping_loop(self) -> None:
        """The widget's heartbeat: a `ping` frame every `ping_s` on whatever socket is open."""
        interval = float(self.spec["ping_s"])
        await asyncio.sleep(random.random() * interval)
        while True:
            socket = self.socket
            if socket is not None:
                with contextlib.suppress(ConnectionClosed):
                    await socket.send('{"type":"ping"}')
                    self.totals.pings += 1
            await asyncio.sleep(interval)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    if not ipaddress.ip_address(spec["host"]).is_loopback:
        raise SystemExit("visitors connect to loopback addresses only")
    totals = Totals()
    gate = asyncio.Semaphore(int(spec.get("connect_concurrency", 32)))
    visitors = [Visitor(spec, number, totals) for number in range(int(spec["visitors"]))]
    await asyncio.gather(*(visitor.run(gate) for visitor in visitors))
    result = {
        name: getattr(totals, name)
        for name in Totals.__dataclass_fields__  # a plain dict of every counter and list
    }
    result["visitors"] = len(visitors)
    result["connected"] = sum(1 for visitor in visitors if visitor.generation > 0)
    return result


def main() -> int:
    spec = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(run(spec))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
