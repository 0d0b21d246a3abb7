"""What SLAs cost the inbox list, at 100,000 conversations, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_sla_inbox.py [--conversations 100000] [--runs 200]
                                              [--engine sqlite|postgres|both]

Fills a throwaway database with `bench_inbox_search.generate` (teams, agents, contacts,
conversations, one message each), gives every active conversation an SLA state (10 % breached,
3 % due within the hour, 60 % due later, the rest paused), then measures, for an admin and for
an agent of one team, alternating run by run:

- the inbox list query as it was before SLAs (`select_related` without `sla`) and as the view
  runs it now (`conversations.views.inbox.with_related`: one more LEFT JOIN), for the views
  mine, unassigned, all open and a team;
- the two SLA views (`?view=sla_breached`, `?view=sla_soon`) with the view's own filter and
  order (earliest due time first), and with the order they had before (newest activity);
- the navigation's SLA counts (`sla.inbox.counts`: one aggregate query);
- the whole page through the view (`GET /inbox/?view=open`, rendering and badges included).

PostgreSQL: the database `atiende_bench_sla` (or `BENCH_SLA_PG_DATABASE`) is created and
dropped (`BENCH_PG_ADMIN_URL`).
Prints a table; writes bench/results/sla_inbox.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_inbox_search import (  # noqa: E402
    PAGE_SIZE,
    generate,
    machine,
    percentiles,
    pg_admin,
    setup_django,
    timed,
)

RESULTS = ROOT / "bench" / "results"
# A session with its own database gives its name (it is dropped and created again).
PG_DATABASE = os.environ.get("BENCH_SLA_PG_DATABASE", "atiende_bench_sla")
VIEWS = ("mine", "unassigned", "open", "team")


def add_sla_states() -> int:
    """A policy and an SLA state for every active conversation; returns how many."""
    from django.db import connection, transaction

    from atiende.conversations.models import ACTIVE_STATUSES, Conversation
    from atiende.sla.models import ConversationSLA, Policy

    now = datetime.now(UTC)
    with transaction.atomic():
        policy = Policy.objects.create(name="Bench")
        ids = list(
            Conversation.objects.filter(status__in=ACTIVE_STATUSES).values_list("pk", flat=True)
        )
        rows = []
        for n, pk in enumerate(ids):
            share = n % 100
            if share < 10:
                due: datetime | None = now - timedelta(minutes=5 + share * 30)
            elif share < 13:
                due = now + timedelta(minutes=5 + (share - 10) * 15)
            elif share < 73:
                due = now + timedelta(hours=2 + share)
            else:
                due = None
            rows.append(
                ConversationSLA(
                    conversation_id=pk, policy=policy, priority="normal", next_due_at=due
                )
            )
        ConversationSLA.objects.bulk_create(rows, batch_size=5_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(rows)


def measure(user_id: int, runs: int) -> dict[str, Any]:
    from django.test import Client
    from django.utils import timezone

    from atiende.conversations.access import visible_conversations
    from atiende.conversations.views.inbox import Selection, filter_for, order_for, with_related
    from atiende.people.models import Team, User
    from atiende.sla import inbox as sla_inbox

    user = User.objects.get(pk=user_id)
    team = (Team.objects.all() if user.sees_everything else user.teams.all()).first()
    assert team is not None

    def page(view: str, with_sla: bool, by_activity: bool = False) -> None:
        selection = Selection(view, team.pk if view == "team" else None, "")
        queryset = visible_conversations(user).filter(filter_for(selection, user))
        order = ("-last_message_at", "-id") if by_activity else order_for(selection)
        queryset = queryset.order_by(*order)
        if with_sla:
            queryset = with_related(queryset)
        else:  # the list as the view read it before SLAs
            queryset = queryset.select_related(
                "contact", "inbox", "assignee", "team"
            ).prefetch_related("tags")
        list(queryset[: PAGE_SIZE + 1])

    client = Client()
    client.force_login(user)
    samples: dict[str, list[float]] = {}
    for run in range(runs + 10):
        view = VIEWS[run % len(VIEWS)]
        before = timed(partial(page, view, with_sla=False))
        after = timed(partial(page, view, with_sla=True))
        breached = timed(lambda: page("sla_breached", with_sla=True))
        soon = timed(lambda: page("sla_soon", with_sla=True))
        breached_before = timed(lambda: page("sla_breached", with_sla=True, by_activity=True))
        soon_before = timed(lambda: page("sla_soon", with_sla=True, by_activity=True))
        counted = timed(lambda: sla_inbox.counts(user, timezone.now()))
        whole = timed(lambda: client.get("/inbox/?view=open"))
        if run < 10:  # warm-up
            continue
        for key, value in (
            ("list before SLAs", before),
            ("list with SLAs", after),
            (f"  {view} before", before),
            (f"  {view} with SLAs", after),
            ("view SLA breached", breached),
            ("view SLA due within 1 h", soon),
            ("view SLA breached, by activity (before)", breached_before),
            ("view SLA due within 1 h, by activity (before)", soon_before),
            ("nav SLA counts", counted),
            ("GET /inbox/?view=open (page)", whole),
        ):
            samples.setdefault(key, []).append(value)
    return {key: percentiles(values) for key, values in samples.items()}


def run_engine(engine: str, conversations: int, runs: int, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="atiende-bench-sla-") as tmp:
        os.environ["ATIENDE_EMBEDDED_WORKER"] = "0"
        os.environ["ATIENDE_STATIC_FINDERS"] = "1"  # the page's static files, not collected
        setup_django(engine, tmp, PG_DATABASE)
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()  # the test client's hosts
        try:
            call_command("migrate", verbosity=0)
            print(f"[{engine}] generating {conversations:,} conversations")
            people = generate(conversations, conversations)
            states = add_sla_states()
            print(f"[{engine}] {states:,} SLA states; measuring")
            result = {
                "conversations": conversations,
                "sla_states": states,
                "admin": measure(people["admin"], runs),
                "agent_one_team": measure(people["agent"], runs),
            }
            out.write_text(json.dumps(result))
        finally:
            connection.close()
            if engine == "postgres":
                pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--child-output", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_output:
        run_engine(args.engine, args.conversations, args.runs, Path(args.child_output))
        return 0
    engines = ("sqlite", "postgres") if args.engine == "both" else (args.engine,)
    results: dict[str, Any] = {"machine": machine(), "load_average": os.getloadavg()}
    for engine in engines:
        with tempfile.NamedTemporaryFile(suffix=".json") as child_out:
            command = [sys.executable, __file__, "--engine", engine]
            command += ["--conversations", str(args.conversations), "--runs", str(args.runs)]
            subprocess.run([*command, "--child-output", child_out.name], check=True)
            results[engine] = json.loads(Path(child_out.name).read_text())
    results["load_average_after"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sla_inbox.json").write_text(json.dumps(results, indent=2) + "\n")
    for engine in engines:
        print(f"\n== {engine}: {args.conversations:,} conversations")
        print(f"{'measure':<60}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for who in ("admin", "agent_one_team"):
            for key, p in results[engine][who].items():
                label = f"{key}, {who}"
                print(f"{label:<60}{p['p50_ms']:>9.1f}{p['p95_ms']:>9.1f}{p['p99_ms']:>9.1f}")
    print(f"load average before {results['load_average']}, after {results['load_average_after']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
