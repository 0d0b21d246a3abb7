"""The server's own overhead around the actions, measured in one process: what a group message
costs on the Redis channel layer, and what an HTTP request costs through the ASGI handler.

    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/chat_layer.py
    PYTHONPATH=<older tree>/src .venv/bin/python bench/chat_layer.py --out /tmp/before.json

1. **Group messages** (needs REDIS_URL; its own channel prefix, flushed at the end): six groups
   of two process-local channels, each message sent to three groups, the way `core.events`
   publishes an event (the inbox, the conversation, the contact). channels_redis'
   `group_send` per group against `realtime.fanout.send_batch` for batches of 1, 8 and 32
   messages (what the server's loop finds waiting when it takes a batch), alternated, CPU
   seconds of this process per group message. The queues are drained between runs.
2. **HTTP requests**: a trivial view (a small JSON body) through atiende's ASGI handler with
   the project's middleware chain, 1 and 8 requests at a time on one event loop, CPU per
   request. Run it over an older tree (`PYTHONPATH`) for the handler as it was.

Writes a JSON report (default bench/results/chat_layer.json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup_django(folder: str, prefix: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    os.environ.setdefault("ATIENDE_SQLITE_PATH", str(Path(folder) / "layer.sqlite3"))
    os.environ.setdefault("ATIENDE_VAR_DIR", str(Path(folder) / "var"))
    os.environ["ATIENDE_CHANNEL_PREFIX"] = prefix
    os.environ.pop("DATABASE_URL", None)  # the handler's view needs no database
    import django

    django.setup()


async def group_messages(rounds: int, per_batch: int) -> dict[str, list[float]]:
    from channels.layers import get_channel_layer

    from atiende.realtime import fanout

    layer = get_channel_layer()
    layer.capacity = 1_000_000  # never over capacity: every message is added
    groups = [f"bench-group-{n}" for n in range(6)]
    channels: list[str] = []

    async def subscribe() -> None:
        channels[:] = [await layer.new_channel() for _ in groups]
        for n, group in enumerate(groups):
            await layer.group_add(group, channels[n])
            await layer.group_add(group, channels[(n + 1) % len(groups)])

    message = {"type": "atiende.event", "event_id": 1, "kind": "message.created",
               "conversation_id": 5, "actor_user_id": None}  # fmt: skip
    batch = [([groups[j % 6], groups[(j + 1) % 6], groups[(j + 2) % 6]], message)
             for j in range(per_batch)]  # fmt: skip
    found: dict[str, list[float]] = {"group_send": [], "send_batch": []}
    for way in ("group_send", "send_batch") * 3:
        await subscribe()
        began = time.process_time()
        for _ in range(rounds):
            if way == "group_send":
                for names, each in batch:
                    for name in names:
                        await layer.group_send(name, each)
            else:
                await fanout.send_batch(layer, batch)
        spent = time.process_time() - began
        found[way].append(round(spent / (rounds * per_batch * 3) * 1000, 4))
        await layer.flush()
    return found


def http_requests(requests: int) -> dict[str, Any]:
    from django.conf import settings
    from django.http import HttpRequest, HttpResponse
    from django.urls import path

    import atiende.core.asgi_handler as module

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(b'{"ok": true}', content_type="application/json")

    urls = types.ModuleType("chat_layer_urls")
    urls.urlpatterns = [path("x/", view)]  # type: ignore[attr-defined]
    sys.modules["chat_layer_urls"] = urls
    settings.ROOT_URLCONF = "chat_layer_urls"
    settings.ALLOWED_HOSTS = ["testserver"]
    handler = module.SyncChainASGIHandler()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": "/x/", "raw_path": b"/x/",
             "query_string": b"", "root_path": "", "headers": [(b"host", b"testserver")],
             "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}  # fmt: skip

    async def one() -> None:
        incoming = [{"type": "http.request", "body": b"", "more_body": False}]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            if incoming:
                return incoming.pop()
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await handler(scope, receive, send)
        assert sent[0]["status"] == 200, sent

    async def measure(at_once: int) -> list[float]:
        for _ in range(50):
            await one()
        runs = []
        for _ in range(3):
            began = time.process_time()
            for _ in range(requests // at_once):
                await asyncio.gather(*(one() for _ in range(at_once)))
            runs.append(round((time.process_time() - began) / requests * 1000, 4))
        return runs

    return {
        "handler_source": module.__file__,
        "cpu_ms_per_request_1_at_a_time": asyncio.run(measure(1)),
        "cpu_ms_per_request_8_at_a_time": asyncio.run(measure(8)),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100, help="batches per run")
    parser.add_argument("--requests", type=int, default=1000, help="HTTP requests per run")
    parser.add_argument("--out", type=Path, default=RESULTS / "chat_layer.json")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join(["bench/chat_layer.py", *argv]),
        "load_average_1_5_15": list(os.getloadavg()),
    }
    with tempfile.TemporaryDirectory(prefix="chat-layer-") as folder:
        setup_django(folder, f"atiende-bench-layer-{secrets.token_hex(4)}")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the session middleware may look at its table
        if os.environ.get("REDIS_URL"):
            report["cpu_ms_per_group_message"] = {
                f"batches_of_{size}": asyncio.run(group_messages(args.rounds, size))
                for size in (1, 8, 32)
            }
        report["http"] = http_requests(args.requests)
    report["load_average_at_end"] = list(os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
