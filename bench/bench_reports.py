"""The reports page's queries at 100,000 conversations, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_reports.py [--conversations 100000] [--engine sqlite|postgres]
                                            [--runs 5]

In a throwaway database (a SQLite file in a temporary directory, or the PostgreSQL database
`atiende_bench_reports`, created and dropped) it inserts conversations spread over the last
365 days (so a 30-day report reads about 8,200 of them, a 90-day one about 24,700), each with a
customer message and, for most, an agent reply; seven in ten solved (a status event), eight in
ten triaged into one of 15 categories, and a survey for most solves, six in ten answered. Then
it times `reports.queries.build_report` (every figure on the page: one query each) for 7, 30
and 90 days: wall time and this process's CPU (on SQLite that includes the database engine).
Writes bench/results/reports.json (one entry per engine, merged with an earlier run's).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_URL = "postgres://postgres@127.0.0.1:5432/atiende_bench_reports"
SEED = 20_261_207
BATCH = 5_000


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql],
        check=True,
        capture_output=True,
    )


def seed(total: int) -> None:
    from django.utils import timezone

    from atiende.assistant.models import Category, Triage
    from atiende.conversations.models import Conversation, Direction, Message, Status
    from atiende.core.models import Event
    from atiende.inboxes.models import ChannelKind, Inbox
    from atiende.people.models import Contact, Team, User
    from atiende.satisfaction.models import Rating, Survey

    rng = random.Random(SEED)
    now = timezone.now()
    teams = [Team.objects.create(name=f"Team {n}", slug=f"team-{n}") for n in range(6)]
    agents = [
        User.objects.create(username=f"agent{n}", role="agent", password="!") for n in range(30)
    ]
    inboxes = [
        Inbox.objects.create(name=str(kind.label), channel=kind)
        for kind in (ChannelKind.WEBFORM, ChannelKind.EMAIL, ChannelKind.CHAT, ChannelKind.API)
    ]
    categories = [Category.objects.create(slug=f"c{n}", name=f"Category {n}") for n in range(15)]
    contacts = Contact.objects.bulk_create(
        [Contact(name=f"Customer {n}", email=f"c{n}@example.test") for n in range(20_000)],
        batch_size=BATCH,
    )
    for start in range(0, total, BATCH):
        size = min(BATCH, total - start)
        conversations = []
        for _ in range(size):
            created = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
            solved = rng.random() < 0.7
            conversations.append(
                Conversation(
                    inbox=rng.choice(inboxes),
                    contact=rng.choice(contacts),
                    subject="Help",
                    status=Status.SOLVED if solved else Status.OPEN,
                    team=rng.choice(teams),
                    assignee=rng.choice(agents),
                    created_at=created,
                    updated_at=created,
                    last_message_at=created,
                    last_seq=2,
                )
            )
        conversations = Conversation.objects.bulk_create(conversations, batch_size=BATCH)
        messages, events, triages = [], [], []
        for conversation in conversations:
            created = conversation.created_at
            messages.append(
                Message(
                    conversation=conversation,
                    inbox=conversation.inbox,
                    seq=1,
                    direction=Direction.INBOUND,
                    body_text="Hello",
                    created_at=created,
                )
            )
            if rng.random() < 0.9:
                messages.append(
                    Message(
                        conversation=conversation,
                        inbox=conversation.inbox,
                        seq=2,
                        direction=Direction.OUTBOUND,
                        body_text="On it",
                        created_at=created + timedelta(minutes=rng.expovariate(1 / 90)),
                    )
                )
            if conversation.status == Status.SOLVED:
                events.append(
                    Event(
                        kind="conversation.status_changed",
                        conversation=conversation,
                        contact_id=conversation.contact_id,
                        created_at=created + timedelta(hours=rng.expovariate(1 / 20)),
                        data={"from": "open", "to": "solved"},
                    )
                )
            if rng.random() < 0.8:
                category = categories[min(int(rng.expovariate(0.3)), 14)]
                triages.append(Triage(conversation=conversation, category=category))
        Message.objects.bulk_create(messages, batch_size=BATCH)
        events = Event.objects.bulk_create(events, batch_size=BATCH)
        Triage.objects.bulk_create(triages, batch_size=BATCH)
        by_id = {conversation.pk: conversation for conversation in conversations}
        surveys = []
        for event in events:
            if event.conversation_id is not None and rng.random() < 0.8:
                conversation = by_id[event.conversation_id]
                answered = rng.random() < 0.6
                surveys.append(
                    Survey(
                        conversation=conversation,
                        solve_event=event,
                        agent_id=conversation.assignee_id,
                        team_id=conversation.team_id,
                        language="en",
                        sent_at=event.created_at,
                        rating=(Rating.GOOD if rng.random() < 0.8 else Rating.BAD)
                        if answered
                        else "",
                        rated_at=event.created_at if answered else None,
                    )
                )
        Survey.objects.bulk_create(surveys, batch_size=BATCH)


def measure(runs: int) -> dict[str, Any]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from atiende.reports.queries import build_report

    figures: dict[str, Any] = {}
    for days in (7, 30, 90):
        build_report(days)  # warm the caches once
        walls, cpus = [], []
        for _ in range(runs):
            reset_queries()
            wall, cpu = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as queries:
                report = build_report(days)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        figures[f"{days}d"] = {
            "conversations_in_period": report.total.conversations,
            "queries": len(queries),
            "wall_ms_median": round(statistics.median(walls), 1),
            "wall_ms_max": round(max(walls), 1),
            "cpu_ms_median": round(statistics.median(cpus), 1),
        }
    return figures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    folder = tempfile.mkdtemp(prefix="atiende-bench-reports-")
    os.environ["ATIENDE_VAR_DIR"] = folder
    os.environ.pop("REDIS_URL", None)
    if args.engine == "postgres":
        _psql("DROP DATABASE IF EXISTS atiende_bench_reports WITH (FORCE)")
        _psql("CREATE DATABASE atiende_bench_reports")
        os.environ["DATABASE_URL"] = PG_URL
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["ATIENDE_SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django
    from django.core.management import call_command

    django.setup()
    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        seed(args.conversations)
        seeded = time.perf_counter() - started
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        figures = measure(args.runs)
    finally:
        from django.db import connections

        connections.close_all()
        if args.engine == "postgres":
            _psql("DROP DATABASE IF EXISTS atiende_bench_reports WITH (FORCE)")
    result = {
        "engine": args.engine,
        "conversations": args.conversations,
        "seed_seconds": round(seeded, 1),
        "runs": args.runs,
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "reports": figures,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "reports.json"
    merged = json.loads(path.read_text()) if path.exists() else {}
    merged[args.engine] = result
    path.write_text(json.dumps(merged, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
