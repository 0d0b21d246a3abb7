"""What one visitor socket costs the server: per heartbeat frame, and per second while idle.

    .venv/bin/python bench/chat_frames.py --sockets 200 --pings 20 --idle 10

Starts `python -m atiende serve` (SQLite, one process; `chat_setup`), opens `--sockets` chat
sessions and sockets from this process, then measures the server's CPU (utime + stime, /proc):
  1. idle: every socket open, nothing sent for `--idle` seconds (uvicorn's keepalive pings
     and whatever runs per socket);
  2. heartbeats: each socket sends `--pings` `{"type":"ping"}` frames, one at a time, waiting
     for each `pong`; CPU per frame (the idle rate over the same time subtracted).
CPU seconds are what transfers across machines; wall times on a shared machine do not. Prints
one JSON line. Loopback only; everything stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.loadgen import cpu_seconds  # noqa: E402
from bench.procs import LOOPBACK  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.typing import Origin  # noqa: E402

from bench import chat_setup  # noqa: E402


async def session(port: int, key: str) -> str:
    reader, writer = await asyncio.open_connection(LOOPBACK, port)
    body = b'{"name": "Frames"}'
    writer.write(
        (
            f"POST /api/chat/{key}/sessions HTTP/1.1\r\nHost: {LOOPBACK}:{port}\r\n"
            f"Origin: http://{LOOPBACK}:{port}\r\nContent-Type: application/json\r\n"
            f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
    )
    await writer.drain()
    raw = await reader.read()
    writer.close()
    return str(json.loads(raw.partition(b"\r\n\r\n")[2])["session"])


async def open_socket(port: int, key: str, gate: asyncio.Semaphore) -> ClientConnection:
    async with gate:
        token = await session(port, key)
        socket = await connect(
            f"ws://{LOOPBACK}:{port}/ws/chat/?session={token}",
            origin=Origin(f"http://{LOOPBACK}:{port}"),
            compression=None,
            ping_interval=None,
            open_timeout=60,
        )
        ready = json.loads(await socket.recv())
        assert ready["type"] == "ready", ready
        return socket


async def pings(socket: ClientConnection, count: int) -> None:
    for _ in range(count):
        await socket.send('{"type":"ping"}')
        while json.loads(await socket.recv()).get("type") != "pong":
            pass


async def measure(port: int, key: str, pid: int, args: argparse.Namespace) -> dict[str, Any]:
    gate = asyncio.Semaphore(16)
    sockets = await asyncio.gather(*(open_socket(port, key, gate) for _ in range(args.sockets)))
    await asyncio.sleep(2)  # the last connections' work done
    began, cpu = time.monotonic(), cpu_seconds([pid])
    await asyncio.sleep(args.idle)
    idle_s, idle_cpu = time.monotonic() - began, cpu_seconds([pid]) - cpu
    began, cpu = time.monotonic(), cpu_seconds([pid])
    await asyncio.gather(*(pings(socket, args.pings) for socket in sockets))
    busy_s, busy_cpu = time.monotonic() - began, cpu_seconds([pid]) - cpu
    frames = args.sockets * args.pings
    idle_rate = idle_cpu / idle_s
    for socket in sockets:
        await socket.close()
    return {
        "sockets": args.sockets,
        "idle_s": round(idle_s, 1),
        "idle_cpu_ms_per_socket_per_s": round(idle_rate * 1000 / args.sockets, 4),
        "ping_frames": frames,
        "ping_window_s": round(busy_s, 1),
        "cpu_ms_per_ping_frame": round((busy_cpu - idle_rate * busy_s) * 1000 / frames, 3),
        "cpu_ms_per_ping_frame_gross": round(busy_cpu * 1000 / frames, 3),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--pings", type=int, default=20)
    parser.add_argument("--idle", type=float, default=10.0)
    args = parser.parse_args(argv)
    import os

    load = os.getloadavg()[0]
    with (
        tempfile.TemporaryDirectory(prefix="bench-chat-frames-") as folder,
        chat_setup.database(Path(folder), postgres=False) as env,
    ):
        seeded = chat_setup.seed(env)
        server = chat_setup.Server(env, Path(folder) / "server.log")
        server.start()
        try:
            result = asyncio.run(measure(server.port, seeded["widget_key"], server.pid, args))
        finally:
            server.stop()
    result["machine_load_1min"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
