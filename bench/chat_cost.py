"""Where a chat round trip's CPU goes, measured in one thread with nothing else running.

    .venv/bin/python bench/chat_cost.py [--rounds 200] [--out bench/results/chat_cost.json]

Over its own SQLite database (a temporary folder), it repeats what the server does for one
visitor message and its answer, each part timed in CPU seconds (`time.process_time`) and in SQL
queries: the visitor's message (`chat.actions.send_message`, with its after-commit pushes), the
inbox websocket's visibility check for each event (`realtime.consumers._may_see`), the agent's
reading (`GET /api/conversations/{id}/messages`) and reply (`POST …/messages`) through Django's
test client (middleware, token auth, validation, JSON), and the outbox delivery
(`tasks.run_pending`; since 7 December's third pass a chat reply is delivered right after its
commit, inside the POST; the worker claims only when something woke it, which a chat reply no
longer does: `enqueue(wake=False)`). Channel-layer sends go to an event loop in a thread, bound
as the server binds its own (`server_loop`), so publishing costs what it costs in the server;
every part waits for its sends. A cProfile of the whole loop (CPU timer) lists the functions
that cost most. This is the per-message budget that bounds one server process: its Python runs
under one GIL whatever the threads (the chat hops run in a pool, the ASGI handler reuses its
threads), so messages/s per process ≤ 1 / (CPU seconds per round trip).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup_django(folder: Path) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "PYTEST_VERSION"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "atiende.settings",
            "ATIENDE_VAR_DIR": str(folder / "var"),
            "ATIENDE_FILES_DIR": str(folder / "files"),
            "ATIENDE_SQLITE_PATH": str(folder / "cost.sqlite3"),
            "ATIENDE_RATE_LIMIT_ENABLED": "0",
        }
    )
    (folder / "var" / "static").mkdir(parents=True)  # whitenoise warns about a missing one
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


class Meter:
    """CPU seconds and SQL queries per named part."""

    def __init__(self, settle: Callable[[], None] = lambda: None) -> None:
        self.settle = settle
        self.cpu: dict[str, float] = {}
        self.queries: dict[str, int] = {}
        self.last_sql: dict[str, list[str]] = {}

    def __call__(self, name: str, work: Callable[[], Any]) -> Any:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            began = time.process_time()
            result = work()
            self.settle()
            spent = time.process_time() - began
        self.cpu[name] = self.cpu.get(name, 0.0) + spent
        self.queries[name] = self.queries.get(name, 0) + len(captured.captured_queries)
        self.last_sql[name] = [q["sql"] for q in captured.captured_queries]
        return result


def server_loop() -> Callable[[], None]:
    """An event loop in a thread, bound as the server binds its own (`asgi.py`): after-commit
    publishing hands its channel-layer sends to it, as in the server, instead of running each
    through `async_to_sync` (which costs the request thread more than the send itself). Returns
    a function that waits until what was handed over has run, so each part's CPU includes its
    sends (`time.process_time` counts every thread of the process)."""
    import asyncio
    import threading

    from atiende.core import events

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="cost-server-loop", daemon=True).start()
    events.bind_server_loop(loop)

    def settle() -> None:
        # Queued behind the sends handed over before it: when it has run, so have they.
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result()

    return settle


def run(rounds: int) -> dict[str, Any]:
    from django.test import Client

    from atiende.api.tokens import create_token
    from atiende.chat import actions as chat_actions
    from atiende.chat.models import ChatWidget
    from atiende.chat.sessions import open_session
    from atiende.core import tasks
    from atiende.core.events import WATCHERS_ONLY
    from atiende.core.models import Event
    from atiende.inboxes.models import Inbox
    from atiende.people.models import User
    from atiende.realtime.consumers import Visibility

    agent = User.objects.create_user(username="cost-agent", password="x-not-secret", role="admin")
    inbox = Inbox.objects.create(name="Cost chat", channel="chat")
    widget = ChatWidget.objects.create(inbox=inbox, suggest_articles=False)
    _, token = create_token(agent, "cost")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    visitors = [open_session(widget, name=f"Visitor {n}").context for n in range(20)]
    settle = server_loop()
    meter = Meter(settle)
    known: dict[int, int] = {}
    # The agent's inbox socket: its visibility cache lives as long as the socket.
    socket = Visibility(agent.pk)

    def worker_tick() -> int:
        # The worker's work for this round trip: a claim when something woke it (its poll
        # twice a second is a cost per process, not per message).
        if not tasks._wakeup.is_set():
            return 0
        tasks.wait_for_work(0)
        return tasks.run_pending()

    def one_round(n: int) -> None:
        context = visitors[n % len(visitors)]
        client_id = str(uuid.uuid4())
        first_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        sent = meter(
            "1 visitor message (send_message)",
            lambda: chat_actions.send_message(
                context, client_id=client_id, text=f"Hello, order {client_id}"
            ),
        )
        conversation_id = sent.conversation_id
        path = f"/api/conversations/{conversation_id}/messages"
        page = meter(
            "2 agent reads (GET messages, API)",
            lambda: client.get(f"{path}?after_seq={known.get(conversation_id, 0)}"),
        )
        assert page.status_code == 200, page.content[:300]
        posted = meter(
            "3 agent replies (POST messages, API)",
            lambda: client.post(
                path,
                data=json.dumps({"kind": "reply", "text": f"re {client_id}"}),
                content_type="application/json",
            ),
        )
        assert posted.status_code == 201, posted.content[:300]
        known[conversation_id] = int(posted.json()["seq"])
        meter("4 outbox delivery (worker tick)", worker_tick)
        events = list(
            Event.objects.filter(pk__gt=first_event).values_list("conversation_id", "kind")
        )
        # What reaches an agent's inbox socket that does not have the conversation open: the
        # delivery ticks go to the conversation's watchers only.
        forwarded = [(c, kind) for c, kind in events if c is not None and kind not in WATCHERS_ONLY]
        meter(
            "5 inbox socket visibility checks (one per event)",
            lambda: [socket.check(c, kind) for c, kind in forwarded],
        )
        meter.cpu.setdefault("events per round trip", 0.0)
        meter.cpu["events per round trip"] += len(events)
        meter.cpu.setdefault("events forwarded to an agent socket", 0.0)
        meter.cpu["events forwarded to an agent socket"] += len(forwarded)

    for n in range(min(20, rounds)):  # warm-up: conversations exist, caches are filled
        one_round(n)
    meter.cpu.clear()
    meter.queries.clear()
    for n in range(rounds):
        one_round(n)
    events_per_round = meter.cpu.pop("events per round trip") / rounds
    forwarded_per_round = meter.cpu.pop("events forwarded to an agent socket") / rounds
    parts = {
        name: {
            "cpu_ms": round(meter.cpu[name] * 1000 / rounds, 2),
            "queries": round(meter.queries[name] / rounds, 1),
        }
        for name in sorted(meter.cpu)
    }
    # Then the same again under cProfile (CPU timer), for the names of the costly functions;
    # the profiler's own overhead inflates these times, so the parts above are measured without.
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for n in range(max(20, rounds // 4)):
        one_round(n)
    profile.disable()
    setup = visitor_setup(widget, rounds, settle)
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats("tottime").print_stats(30)
    hotspots = shares(stats)
    total_ms = sum(part["cpu_ms"] for part in parts.values())
    return {
        "rounds": rounds,
        "per_round_trip": parts,
        "events_per_round_trip": round(events_per_round, 1),
        "events_forwarded_to_an_agent_socket": round(forwarded_per_round, 1),
        "total_cpu_ms": round(total_ms, 2),
        "total_queries": round(sum(part["queries"] for part in parts.values()), 1),
        # Not part of the round trip: what each new visitor costs before its first message.
        "per_new_visitor": setup,
        "ceiling_round_trips_per_s_one_thread": round(1000 / total_ms, 1) if total_ms else None,
        "profile_share_of_cpu": hotspots,
        "profile_top_tottime": text.getvalue().splitlines()[:60],
        "queries_of_the_last_round": meter.last_sql,
    }


def visitor_setup(
    widget: Any, count: int, settle: Callable[[], None]
) -> dict[str, dict[str, float]]:
    """A new visitor's session (`POST /api/chat/{key}/sessions`, test client) and its socket's
    authentication (`chat.hops._open`: session -> visitor context, current conversation)."""
    from django.test import Client

    from atiende.chat import hops

    client = Client()
    meter = Meter(settle)
    path = f"/api/chat/{widget.key}/sessions"

    def one(n: int) -> None:
        opened = meter(
            "open session (POST sessions)",
            lambda: client.post(path, data={"name": f"New {n}"}, content_type="application/json"),
        )
        assert opened.status_code == 200, opened.content[:300]
        socket = meter(
            "socket connect (session -> context)",
            lambda: hops._open(opened.json()["session"], "127.0.0.1"),
        )
        assert not isinstance(socket, int), socket

    for n in range(10):  # warm-up
        one(n)
    meter.cpu.clear()
    meter.queries.clear()
    for n in range(count):
        one(n)
    return {
        name: {
            "cpu_ms": round(meter.cpu[name] * 1000 / count, 2),
            "queries": round(meter.queries[name] / count, 1),
        }
        for name in sorted(meter.cpu)
    }


# Where the CPU of a round trip goes, by cumulative time of a few well-known functions.
HOTSPOTS = {
    "building SQL (SQLCompiler.as_sql)": ("sql/compiler.py", "as_sql"),
    "running queries, Django side included (SQLCompiler.execute_sql)": (
        "sql/compiler.py",
        "execute_sql",
    ),
    "the database itself (SQLite's cursor execute)": ("~", "<function SQLiteCursorWrapper.execute"),
    "model instances (Model.__init__)": ("db/models/base.py", "__init__"),
    "JSON (json.dumps/loads)": ("json/__init__.py", ""),
    "django-ninja (operation run)": ("ninja/operation.py", "run"),
    "event publishing (core.events.record)": ("core/events.py", "record"),
}


def shares(stats: pstats.Stats) -> dict[str, float]:
    """Each hotspot's cumulative time as a share of the whole profiled CPU time."""
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]  # pstats keeps it untyped
    total = sum(row[2] for row in table.values()) or 1.0
    found = {}
    for label, (where, name) in HOTSPOTS.items():
        cumulative = sum(
            row[3]
            for (filename, _, function), row in table.items()
            if filename.endswith(where) and (not name or function.startswith(name))
        )
        found[label] = round(cumulative / total, 3)
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS / "chat_cost.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-chat-cost-") as folder:
        setup_django(Path(folder))
        result = run(args.rounds)
    result["when"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    result["command"] = " ".join(["bench/chat_cost.py", *argv])
    # The machine's load when it ended (other work on the cores makes CPU times noisier).
    result["load_average_1_5_15"] = [round(value, 2) for value in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    hidden = ("profile_top_tottime", "queries_of_the_last_round")
    summary = {k: v for k, v in result.items() if k not in hidden}
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
