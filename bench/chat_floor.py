"""The floor for the chat bench: a bare asyncio websocket server speaking atiende's chat protocol.

    .venv/bin/python bench/chat_floor.py serve --port 9001
    .venv/bin/python bench/chat_floor.py agent --port 9001

It carries the same load shape as the real server with nothing else: a visitor's
`{"type":"message","client_id","text"}` gets a sequence number in memory, an
`{"type":"ack",...}` at once, and is forwarded to the agent socket (`/ws/agent/`); the agent
(a separate process, like the real bench's agent bot) answers `{"type":"reply","session",
"text"}`, which the server numbers and forwards to the visitor as an outbound `message` frame.
`resume` replays what a visitor missed from memory, `ping` gets `pong`. No database, no
framework: what an asyncio websocket server costs on this machine, to divide the real figures by.

Visitors connect to `/ws/chat/?session=<any string>`: there is no REST session call here (the
bench's visitors skip it against the floor). Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

LOOPBACK = "127.0.0.1"


@dataclass
class Session:
    conversation_id: int
    last_seq: int = 0
    frames: list[tuple[int, str]] = field(default_factory=list)
    socket: ServerConnection | None = None


class Floor:
    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}
        self.agent: ServerConnection | None = None
        self.waiting: list[str] = []

    def session(self, key: str) -> Session:
        found = self.sessions.get(key)
        if found is None:
            found = self.sessions[key] = Session(conversation_id=len(self.sessions) + 1)
        return found

    async def handle(self, socket: ServerConnection) -> None:
        path = socket.request.path if socket.request is not None else ""
        parts = urlsplit(path)
        if parts.path == "/ws/agent/":
            await self.serve_agent(socket)
        elif parts.path == "/ws/chat/":
            key = parse_qs(parts.query).get("session", [""])[0]
            if not key:
                await socket.close(4400)
                return
            await self.serve_visitor(socket, key)
        else:
            await socket.close(4404)

    async def serve_visitor(self, socket: ServerConnection, key: str) -> None:
        session = self.session(key)
        session.socket = socket
        try:
            async for raw in socket:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message":
                    await self.visitor_message(key, session, frame)
                elif kind == "resume":
                    after = int(frame.get("last_seq") or 0)
                    for seq, text in session.frames:
                        if seq > after:
                            await socket.send(text)
                    await socket.send(json.dumps({"type": "resumed", "last_seq": session.last_seq}))
                elif kind == "ping":
                    await socket.send('{"type":"pong"}')
        except ConnectionClosed:
            pass
        finally:
            if session.socket is socket:
                session.socket = None

    async def visitor_message(self, key: str, session: Session, frame: dict[str, Any]) -> None:
        session.last_seq += 1
        seq = session.last_seq
        client_id = frame.get("client_id")
        echo = json.dumps(
            {
                "type": "message",
                "seq": seq,
                "direction": "inbound",
                "text": frame.get("text", ""),
                "client_id": client_id,
            }
        )
        session.frames.append((seq, echo))
        ack = {
            "type": "ack",
            "client_id": client_id,
            "seq": seq,
            "conversation_id": session.conversation_id,
        }
        if session.socket is not None:
            with contextlib.suppress(ConnectionClosed):
                await session.socket.send(json.dumps(ack))
        event = json.dumps({"type": "event", "session": key, "text": frame.get("text", "")})
        if self.agent is None:
            self.waiting.append(event)
            return
        with contextlib.suppress(ConnectionClosed):
            await self.agent.send(event)

    async def serve_agent(self, socket: ServerConnection) -> None:
        self.agent = socket
        for event in self.waiting:
            await socket.send(event)
        self.waiting.clear()
        try:
            async for raw in socket:
                frame = json.loads(raw)
                if frame.get("type") != "reply":
                    continue
                session = self.session(str(frame.get("session")))
                session.last_seq += 1
                text = json.dumps(
                    {
                        "type": "message",
                        "seq": session.last_seq,
                        "direction": "outbound",
                        "text": frame.get("text", ""),
                        "client_id": None,
                    }
                )
                session.frames.append((session.last_seq, text))
                if session.socket is not None:
                    with contextlib.suppress(ConnectionClosed):
                        await session.socket.send(text)
        except ConnectionClosed:
            pass
        finally:
            if self.agent is socket:
                self.agent = None


async def run_server(port: int) -> None:
    floor = Floor()
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set_result, None)
    async with serve(
        floor.handle, LOOPBACK, port, compression=None, ping_interval=None, max_queue=None
    ):
        print(f"floor listening on {LOOPBACK}:{port}", flush=True)
        await stop


async def run_agent(port: int) -> None:
    """The floor's agent: answers each visitor message with `re <last word of the text>`."""
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set_result, None)
    async with connect(
        f"ws://{LOOPBACK}:{port}/ws/agent/", compression=None, ping_interval=None, max_queue=None
    ) as socket:

        async def answer() -> None:
            async for raw in socket:
                event = json.loads(raw)
                if event.get("type") != "event":
                    continue
                token = str(event.get("text", "")).rsplit(" ", 1)[-1]
                reply = {"type": "reply", "session": event["session"], "text": f"re {token}"}
                await socket.send(json.dumps(reply))

        answering = asyncio.create_task(answer())
        await asyncio.wait([answering, stop], return_when=asyncio.FIRST_COMPLETED)
        answering.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
            await answering


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("role", choices=["serve", "agent"])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    asyncio.run(run_server(args.port) if args.role == "serve" else run_agent(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
