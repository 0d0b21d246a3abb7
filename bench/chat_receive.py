"""What receiving a channel-layer message costs a server process: channels_redis' own receive
against atiende's batching layer (`realtime/layer.py`), in the same minutes.

    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/chat_receive.py

One process holds `--sockets` process-local channels, each awaited in a loop as a websocket
consumer does (`channel_layer.receive`); another process sends them `--messages` messages in
bursts of `--burst` (one message to each of `--burst` channels, the way a fan-out reaches the
sockets of one process), `--rate` messages a second. Reported: CPU seconds of the receiving
process per message received (`time.process_time`, every thread), and Redis commands it sent
per message (`INFO commandstats`, this server's whole traffic: run it on a quiet Redis). Each
layer runs `--runs` times, alternated. Needs REDIS_URL; uses a channel prefix of its own.

Writes a JSON report (default bench/results/chat_receive.json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "src"))


def make_layer(kind: str, prefix: str) -> Any:
    from channels_redis.core import RedisChannelLayer

    from atiende.realtime.layer import BatchingRedisChannelLayer

    cls = BatchingRedisChannelLayer if kind == "batching" else RedisChannelLayer
    return cls(hosts=[os.environ["REDIS_URL"]], prefix=prefix, capacity=100_000)


def sender(prefix: str, channels: list[str], messages: int, burst: int, rate: float) -> None:
    async def send_all() -> None:
        layer = make_layer("channels_redis", prefix)
        sent = 0
        start = time.monotonic()
        while sent < messages:
            for n in range(burst):
                await layer.send(channels[(sent + n) % len(channels)], {"type": "b.m", "n": sent})
            sent += burst
            # Paced: the receiver sees the stream a server sees, not one backlog.
            delay = start + sent / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    asyncio.run(send_all())


def commands() -> int:
    import redis

    stats = redis.Redis.from_url(os.environ["REDIS_URL"]).info("commandstats")
    return sum(int(value["calls"]) for value in stats.values())


async def receive_run(kind: str, args: argparse.Namespace) -> dict[str, float]:
    prefix = f"bench-receive-{secrets.token_hex(4)}"
    layer = make_layer(kind, prefix)
    channels = [await layer.new_channel() for _ in range(args.sockets)]
    received = 0
    done = asyncio.Event()

    async def socket(channel: str) -> None:
        nonlocal received
        while True:
            await layer.receive(channel)
            received += 1
            if received >= args.messages:
                done.set()

    tasks = [asyncio.ensure_future(socket(channel)) for channel in channels]
    await asyncio.sleep(0.2)  # every socket waiting, as on a server
    context = multiprocessing.get_context("spawn")
    child = context.Process(
        target=sender, args=(prefix, channels, args.messages, args.burst, args.rate)
    )
    before_commands = commands()
    cpu = time.process_time()
    wall = time.monotonic()
    child.start()
    await asyncio.wait_for(done.wait(), timeout=args.messages / args.rate + 60)
    cpu = time.process_time() - cpu
    wall = time.monotonic() - wall
    child.join()
    sent_commands = commands() - before_commands
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await layer.flush()
    return {
        "cpu_ms_per_message": round(cpu * 1000 / args.messages, 4),
        # The sender's commands (about 4 per message: trim, count, add, expire) included.
        "redis_commands_per_message": round(sent_commands / args.messages, 2),
        "wall_s": round(wall, 2),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=300)
    parser.add_argument("--messages", type=int, default=6000)
    parser.add_argument("--burst", type=int, default=3)
    parser.add_argument("--rate", type=float, default=1500.0, help="messages per second")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS / "chat_receive.json")
    args = parser.parse_args(argv)
    if not os.environ.get("REDIS_URL"):
        print("REDIS_URL is needed", file=sys.stderr)
        return 2
    runs: dict[str, list[dict[str, float]]] = {"channels_redis": [], "batching": []}
    load = [os.getloadavg()[0]]
    for _ in range(args.runs):
        for kind in runs:
            runs[kind].append(asyncio.run(receive_run(kind, args)))
            print(kind, runs[kind][-1], flush=True)
        load.append(os.getloadavg()[0])
    report = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "command": "bench/chat_receive.py " + " ".join(argv),
        "settings": vars(args) | {"out": str(args.out)},
        "load_avg_1min": [round(value, 2) for value in load],
        "runs": runs,
        "median_cpu_ms_per_message": {
            kind: statistics.median(run["cpu_ms_per_message"] for run in results)
            for kind, results in runs.items()
        },
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["median_cpu_ms_per_message"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
