"""What an inbox event costs when the agent's socket is in two of its groups: the fan-out that
sends a copy per group (before the seventh pass) against the one that sends a channel one copy
per message (`realtime.fanout.audience`), in the same minutes.

    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/chat_copies.py \\
        --old /tmp/chatperf2-old/src/atiende/realtime/fanout.py

The chat bench's agent answers every chat, so each chat is assigned to them and their inbox
socket joins its conversation group (to hear the visitor typing): every event of the chat is
published to the inbox group, the conversation group and the contact group, and reached that
socket twice. Here one agent channel is in the inbox group and in `--chats` conversation
groups, each chat's visitor channel in its contact group; `--events` events (one per chat in
turn) are published in batches of `--batch` through each fan-out's `send_batch` (as the
server's loop does), then the agent channel's queue is read through atiende's channel layer
and every message handed to a real `InboxConsumer.atiende_event` (an admin, visibility
cached: no query; frames counted, not sent). Reported per event: CPU ms publishing
(`time.process_time`), CPU ms receiving and handling, messages the agent's channel received,
frames forwarded. The two fan-outs alternate `--runs` times. Needs REDIS_URL; uses a channel
prefix of its own, flushed at the end.

Writes a JSON report (default bench/results/chat_copies.json).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import secrets
import statistics
import sys
import time
from collections import OrderedDict
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "src"))


def load_fanout(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("fanout_under_test", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def socket(user_id: int) -> Any:
    """An admin's inbox socket, set up as `connect` leaves it, sending nowhere."""
    from atiende.realtime.consumers import AgentFacts, InboxConsumer, Visibility

    consumer = InboxConsumer()
    consumer.user_id = user_id
    consumer.watching = None
    consumer.seen = OrderedDict()
    consumer.chats = set()
    consumer.visibility = Visibility(user_id, seconds=1e9)
    consumer.visibility.agent = (AgentFacts(True, True, frozenset()), time.monotonic())
    consumer.frames = 0

    async def send_json(content: Any, close: bool = False) -> None:
        json.dumps(content)  # what AsyncJsonWebsocketConsumer.encode_json does
        consumer.frames += 1

    consumer.send_json = send_json
    return consumer


async def one_run(fanout: Any, args: argparse.Namespace) -> dict[str, float]:
    from atiende.realtime.layer import BatchingRedisChannelLayer

    layer = BatchingRedisChannelLayer(
        hosts=[os.environ["REDIS_URL"]],
        prefix=f"bench-copies-{secrets.token_hex(4)}",
        capacity=1_000_000,
    )
    try:
        agent = await layer.new_channel()
        await layer.group_add("inbox", agent)
        for chat in range(args.chats):
            await layer.group_add(f"conversation-{chat}", agent)
            await layer.group_add(f"contact-{chat}", await layer.new_channel())
        sends = [
            (
                ["inbox", f"conversation-{n % args.chats}", f"contact-{n % args.chats}"],
                {
                    "type": "atiende.event",
                    "event_id": n + 1,
                    "kind": "message.created",
                    "conversation_id": n % args.chats,
                    "actor_user_id": None,
                },
            )
            for n in range(args.events)
        ]
        started = time.process_time()
        for at in range(0, len(sends), args.batch):
            await fanout.send_batch(layer, sends[at : at + args.batch])
        publish = time.process_time() - started
        consumer = socket(1)
        received = 0
        started = time.process_time()
        while consumer.frames < args.events:
            message = await asyncio.wait_for(layer.receive(agent), 10)
            received += 1
            await consumer.atiende_event(message)
        # The second copy of the last events, if any, still queued.
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(agent), 0.5)
            except TimeoutError:
                break
            received += 1
            await consumer.atiende_event(message)
        receive = time.process_time() - started
        assert consumer.frames == args.events, consumer.frames
        return {
            "publish_cpu_ms_per_event": round(publish * 1000 / args.events, 4),
            "receive_cpu_ms_per_event": round(receive * 1000 / args.events, 4),
            "agent_messages_per_event": round(received / args.events, 3),
            "frames_per_event": round(consumer.frames / args.events, 3),
        }
    finally:
        await layer.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="the fan-out module to compare")
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS / "chat_copies.json")
    args = parser.parse_args(argv)
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is needed")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    import django

    django.setup()
    from atiende.realtime import fanout

    trees = {"copy per group (old)": load_fanout(args.old), "copy per channel (new)": fanout}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    loads = [os.getloadavg()[0]]
    for _ in range(args.runs):
        for name, module in trees.items():
            runs[name].append(asyncio.run(one_run(module, args)))
            loads.append(os.getloadavg()[0])
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join(["bench/chat_copies.py", *(argv or sys.argv[1:])]),
        "settings": {k: v for k, v in vars(args).items() if k not in {"out", "old"}},
        "machine_load_1min": [round(load, 2) for load in loads],
        "runs": runs,
        "median": {
            name: {key: statistics.median(r[key] for r in each) for key in each[0]}
            for name, each in runs.items()
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["median"], indent=2))


if __name__ == "__main__":
    main()
