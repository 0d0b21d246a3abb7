"""Inbox list and search latency at support-desk scale, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_inbox_search.py [--conversations 100000] [--messages 1000000]
                                                 [--engine sqlite|postgres|both] [--runs 200]

For each engine, in a throwaway database (a SQLite file in a temporary directory; the
PostgreSQL database `atiende_bench_search`, created and dropped), it generates teams, agents,
contacts and conversations with multilingual support text (raw multi-row inserts, COPY on
PostgreSQL), builds the search documents with the same code as `python -m atiende reindex`, then
measures with the application's own functions:

- inbox list: what the inbox view runs for a page (visible conversations filtered by view —
  mine, unassigned, all open, a team — newest first, 50 rows with their related objects and
  tags) plus the navigation counts, for an admin and for an agent of one team;
- search: `search_conversations` for common words, rare words, prefixes and word pairs, for the
  same two users; `search_customer_conversations` for a customer.

Writes bench/results/inbox_list.json and bench/results/search.json (one entry per engine,
merged with what an earlier run wrote for the other engine) and prints a summary table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "atiende_bench_search"
SEED = 20_261_123
TEAMS = 8
AGENTS_PER_TEAM = 5
BATCH = 5_000
PAGE_SIZE = 50

# Support vocabulary, most frequent first (the draw is Zipf-like over this order): fillers,
# then Spanish (with its accents), English and Portuguese support words.
COMMON = str.split(
    "de la que el en y a los se no por un mi me con para es una lo pero hola gracias favor "
    "the to and i my is it you for please thanks hello hi not este ya muy cuando porque "
    "cuenta pedido pago tarjeta problema ayuda compra correo aplicación error factura "
    "account order payment card help issue email app invoice não obrigado olá conta ajuda"
)
TOPICAL = str.split(
    "crédito débito reembolso devolución envío entrega suscripción facturación contraseña "
    "sesión código número teléfono dirección información atención actualización móvil "
    "pantalla cobro doble cancelar renovación transferencia rechazada bloqueada caducada "
    "descuento cupón promoción garantía reparación técnico instalación configuración "
    "refund delivery shipping subscription billing password login reset charged twice "
    "cancel renewal declined blocked expired discount coupon warranty repair install "
    "cobrança assinatura senha cartão bloqueado atualização "
    "urgente inmediatamente mañana ayer semana mes año llamada chat whatsapp instagram"
)
SYLLABLES = str.split("ka lo mi ne su ta ri po ze vu da fe gi jo lu ma no pe qui ro sa te vi xo")
FIRST_NAMES = str.split(
    "Lucía María José Ana Carlos Sofía Mateo Valentina Joao Emma Liam Noah Inés"
)
LAST_NAMES = str.split("García Martínez López Núñez Pérez Gómez Souza Silva Smith Brown Muñoz Díaz")
DOMAINS = str.split("gmail.com hotmail.com yahoo.es outlook.com empresa.test correo.mx")
STATUSES = (("new", 5), ("open", 15), ("pending", 10), ("solved", 30), ("closed", 40))
DIRECTIONS = (("inbound", 50), ("outbound", 40), ("note", 10))
CHANNELS = ("email", "chat", "whatsapp", "webform", "messenger", "telegram")


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 2)

    return {
        "n": len(ordered),
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1], 2),
    }


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


class Progress:
    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.shown, self.started = label, total, -10, time.monotonic()

    def __call__(self, done: int) -> None:
        percent = 100 * done // max(self.total, 1)
        if percent >= self.shown + 10 or done == self.total:
            self.shown = percent
            elapsed = time.monotonic() - self.started
            print(
                f"  {self.label}: {done:,}/{self.total:,} ({percent} %) {elapsed:.1f} s", flush=True
            )


class Text:
    """Support-like text: Zipf-distributed common and topical words, rare invented product
    names and order numbers, so that searches have common, rare and prefix targets."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.rare = sorted(
            {"".join(rng.choices(SYLLABLES, k=rng.randint(3, 4))) for _ in range(3_000)}
        )
        self.words = [*COMMON, *TOPICAL]
        weights = [1 / (rank + 3) for rank in range(len(self.words))]
        total = 0.0
        self.cumulative: list[float] = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def sentence(self, low: int, high: int) -> str:
        words = self.rng.choices(
            self.words, cum_weights=self.cumulative, k=self.rng.randint(low, high)
        )
        if self.rng.random() < 0.3:
            words.insert(self.rng.randrange(len(words)), self.rng.choice(self.rare))
        if self.rng.random() < 0.2:
            words.append(f"#{self.rng.randint(10_000, 99_999)}")
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Bulk insert: COPY on PostgreSQL, multi-row executemany on SQLite. Table and column
    names are this script's constants, never data."""
    from django.db import connection

    count = 0
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    adapt = connection.ops.adapt_datetimefield_value
    rows = (
        tuple(adapt(value) if isinstance(value, datetime) else value for value in row)
        for row in rows
    )
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (constants only)
    chunk: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= BATCH:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def generate(conversations: int, messages: int) -> dict[str, Any]:
    """Teams, agents, inboxes, contacts, conversations and messages; returns who is who."""
    from django.db import transaction

    from atiende.inboxes.models import Inbox
    from atiende.people.models import Role, Team, User

    rng = random.Random(SEED)
    text = Text(rng)
    now = datetime.now(UTC)
    started = time.monotonic()
    with transaction.atomic():
        teams = [Team.objects.create(name=f"Equipo {n}", slug=f"equipo-{n}") for n in range(TEAMS)]
        admin = User.objects.create(username="bench-admin", role=Role.ADMIN)
        agents_by_team: dict[int, list[int]] = {}
        first_agent: User | None = None
        for team in teams:
            members = []
            for n in range(AGENTS_PER_TEAM):
                user = User.objects.create(username=f"agent-{team.pk}-{n}", role=Role.AGENT)
                user.teams.add(team)
                members.append(user.pk)
                first_agent = first_agent or user
            agents_by_team[team.pk] = members
        assert first_agent is not None
        inboxes = [Inbox.objects.create(name=f"Bandeja {c}", channel=c).pk for c in CHANNELS]

        contacts = max(1, conversations // 3)
        contact_rows = []
        identity_rows = []
        for pk in range(1, contacts + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{first.lower()}.{last.lower()}{pk}@{rng.choice(DOMAINS)}"
            contact_rows.append((pk, f"{first} {last}", email, "es", now))
            identity_rows.append((pk, pk, "email", email, True, now))
        insert_rows(
            "people_contact", ("id", "name", "email", "language", "created_at"), contact_rows
        )
        insert_rows(
            "people_contactidentity",
            ("id", "contact_id", "kind", "value", "verified", "created_at"),
            identity_rows,
        )

        statuses = [s for s, _ in STATUSES]
        status_weights = [w for _, w in STATUSES]
        team_ids = [t.pk for t in teams]
        # Message counts per conversation: random, summing to `messages`.
        per_conversation = [1] * conversations
        for _ in range(max(0, messages - conversations)):
            per_conversation[rng.randrange(conversations)] += 1
        span = timedelta(days=730)
        conversation_rows = []
        for pk in range(1, conversations + 1):
            created = now - span + span * (pk / conversations) - timedelta(hours=rng.random() * 4)
            status = rng.choices(statuses, status_weights)[0]
            team_id = None if rng.random() < 0.1 else rng.choice(team_ids)
            assignee = (
                None
                if team_id is None or rng.random() < 0.3 or status == "new"
                else rng.choice(agents_by_team[team_id])
            )
            last_at = created + timedelta(minutes=7 * per_conversation[pk - 1])
            conversation_rows.append(
                (
                    pk,
                    rng.choice(inboxes),
                    rng.randint(1, contacts),
                    text.sentence(2, 6),
                    status,
                    rng.choice(("low", "normal", "normal", "high", "urgent")),
                    team_id,
                    assignee,
                    "es",
                    created,
                    last_at,
                    last_at,
                    per_conversation[pk - 1],
                )
            )
        insert_rows(
            "conversations_conversation",
            (
                "id",
                "inbox_id",
                "contact_id",
                "subject",
                "status",
                "priority",
                "team_id",
                "assignee_id",
                "language",
                "created_at",
                "updated_at",
                "last_message_at",
                "last_seq",
            ),
            conversation_rows,
        )
        print(f"  people and {conversations:,} conversations: {time.monotonic() - started:.1f} s")

        directions = [d for d, _ in DIRECTIONS]
        direction_weights = [w for _, w in DIRECTIONS]
        progress = Progress("messages", messages)

        def message_rows() -> Iterator[tuple[object, ...]]:
            pk = 0
            for conversation in conversation_rows:
                conversation_id, inbox_id, contact_id = (
                    conversation[0],
                    conversation[1],
                    conversation[2],
                )
                created = conversation[9]
                for seq in range(1, per_conversation[conversation_id - 1] + 1):
                    pk += 1
                    direction = (
                        "inbound" if seq == 1 else rng.choices(directions, direction_weights)[0]
                    )
                    yield (
                        pk,
                        conversation_id,
                        inbox_id,
                        uuid.UUID(int=rng.getrandbits(128), version=4).hex,
                        seq,
                        direction,
                        contact_id if direction == "inbound" else None,
                        text.sentence(6, 40),
                        "",
                        "",
                        "",
                        "",
                        created + timedelta(minutes=7 * seq),
                    )
                    if pk % 50_000 == 0:
                        progress(pk)
            progress(pk)

        insert_rows(
            "conversations_message",
            (
                "id",
                "conversation_id",
                "inbox_id",
                "uuid",
                "seq",
                "direction",
                "author_contact_id",
                "body_text",
                "body_html",
                "external_id",
                "delivery_status",
                "delivery_error",
                "created_at",
            ),
            message_rows(),
        )
    reset_sequences()
    return {
        "admin": admin.pk,
        "agent": first_agent.pk,
        "rare_words": text.rare,
        "generate_s": round(time.monotonic() - started, 1),
    }


def reset_sequences() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from atiende.conversations.models import Conversation, Message
    from atiende.people.models import Contact, ContactIdentity

    statements = connection.ops.sequence_reset_sql(
        no_style(), [Contact, ContactIdentity, Conversation, Message]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("ANALYZE")


def inbox_queries(user: Any, view: str, team_id: int) -> Callable[[], None]:
    """The list query of the inbox view (src/atiende/conversations/views/inbox.py) for one
    view: visible conversations, filtered, newest first, a page of 50 (+1 to know whether there
    is a next page) with related rows and tags."""
    from django.db.models import Q

    from atiende.conversations.access import visible_conversations
    from atiende.conversations.models import ACTIVE_STATUSES

    active = Q(status__in=ACTIVE_STATUSES)
    filters = {
        "mine": active & Q(assignee=user),
        "unassigned": active & Q(assignee__isnull=True),
        "open": active,
        "team": active & Q(team_id=team_id),
    }

    def page() -> None:
        queryset = visible_conversations(user).filter(filters[view])
        rows = list(
            queryset.order_by("-last_message_at", "-id")
            .select_related("contact", "inbox", "assignee", "team")
            .prefetch_related("tags")[: PAGE_SIZE + 1]
        )
        assert rows or view == "mine"

    return page


def navigation_counts(user: Any) -> None:
    """The navigation counts of the inbox view, by the view's own function."""
    from atiende.conversations.views.inbox import Selection, navigation

    navigation(user, Selection("open", None, ""))


def measure_inbox(user_id: int, runs: int) -> dict[str, Any]:
    """One inbox page: the list for a view, then the navigation counts."""
    from atiende.people.models import Team, User

    user = User.objects.get(pk=user_id)
    team = (Team.objects.all() if user.sees_everything else user.teams.all()).first()
    assert team is not None
    views = ("mine", "unassigned", "open", "team")
    pages = {view: inbox_queries(user, view, team.pk) for view in views}
    lists: dict[str, list[float]] = {view: [] for view in views}
    counts: list[float] = []
    totals: list[float] = []
    for run in range(runs + 10):
        view = views[run % len(views)]
        list_ms = timed(pages[view])
        nav_ms = timed(lambda: navigation_counts(user))
        if run >= 10:  # the first rounds warm the caches
            lists[view].append(list_ms)
            counts.append(nav_ms)
            totals.append(list_ms + nav_ms)
    return {
        "page": percentiles(totals),
        "list": {view: percentiles(samples) for view, samples in lists.items()},
        "navigation_counts": percentiles(counts),
    }


def search_queries(rare_words: list[str]) -> dict[str, list[str]]:
    rng = random.Random(SEED + 1)
    rare = rng.sample(rare_words, 6)
    return {
        "common word": ["hola", "cuenta", "the", "pedido", "gracias", "problema"],
        "topical word": ["reembolso", "credito", "contraseña", "devolucion", "refund", "senha"],
        "rare word": rare,
        "prefix": ["reem", "fact", "tarj", "sus", "devol", rare[0][:4]],
        "two words": [
            "tarjeta rechazada",
            "cobro doble",
            "refund charged",
            "pedido envio",
            "hola credito",
            f"{rare[1]} cuenta",
        ],
        "contact": ["garcia", "maria lopez", "gmail", "nunez", "lucia.garcia", "smith brown"],
    }


def measure_search(user_id: int, rare_words: list[str], rounds: int) -> dict[str, Any]:
    from atiende.people.models import User
    from atiende.search.query import search_conversations

    user = User.objects.get(pk=user_id)
    by_kind: dict[str, list[float]] = {}
    found: dict[str, int] = {}
    everything: list[float] = []
    queries = search_queries(rare_words)
    for round_ in range(rounds + 1):
        for kind, texts in queries.items():
            for text in texts:
                started = time.perf_counter()
                found[text] = len(search_conversations(user, text))
                ms = (time.perf_counter() - started) * 1000
                if round_ > 0:
                    by_kind.setdefault(kind, []).append(ms)
                    everything.append(ms)
    return {
        "all": percentiles(everything),
        "by_kind": {kind: percentiles(samples) for kind, samples in by_kind.items()},
        "results_per_query": found,
    }


def measure_customer_search(rounds: int) -> dict[str, Any]:
    from django.db.models import Count

    from atiende.people.models import Contact
    from atiende.search.query import search_customer_conversations

    contact = Contact.objects.annotate(n=Count("conversations")).order_by("-n", "pk").first()
    assert contact is not None
    samples = []
    for _ in range(rounds):
        for text in ("hola", "reembolso", "tarj", "cobro doble"):
            started = time.perf_counter()
            search_customer_conversations(contact, text)
            samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def machine() -> dict[str, Any]:
    import sqlite3

    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        memory = meminfo.read_text().splitlines()[0].split(":")[1].strip()
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def setup_django(engine: str, tmp: str, database: str) -> None:
    """Point Django at a fresh database (PostgreSQL `database`, created anew, or a SQLite file in
    `tmp`) with its files under `tmp`, and set it up: once per process."""
    os.environ["ATIENDE_VAR_DIR"] = tmp
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    if engine == "postgres":
        os.environ["DATABASE_URL"] = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{database}"
        pg_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {database}")
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["ATIENDE_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "atiende.settings"
    import django

    django.setup()


def run_engine(engine: str, conversations: int, messages: int, runs: int, out: Path) -> None:
    """In this process (a child of main): set up the database, fill it, measure, write `out`."""
    with tempfile.TemporaryDirectory(prefix="atiende-bench-search-") as tmp:
        setup_django(engine, tmp, PG_DATABASE)
        from django.core.management import call_command
        from django.db import connection

        from atiende.search.rebuild import reindex

        try:
            call_command("migrate", verbosity=0)
            print(f"[{engine}] generating {conversations:,} conversations, {messages:,} messages")
            people = generate(conversations, messages)
            print(f"[{engine}] indexing")
            started = time.monotonic()
            stages: dict[str, Progress] = {}

            def progress(stage: str, done: int, total: int) -> None:
                stages.setdefault(stage, Progress(stage, total))(done)

            reindex(progress, batch=BATCH)
            index_s = round(time.monotonic() - started, 1)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"[{engine}] measuring")
            inbox = {
                "admin": measure_inbox(people["admin"], runs),
                "agent_one_team": measure_inbox(people["agent"], runs),
            }
            rounds = max(3, runs // 40)
            search = {
                "admin": measure_search(people["admin"], people["rare_words"], rounds),
                "agent_one_team": measure_search(people["agent"], people["rare_words"], rounds),
                "customer_own": measure_customer_search(rounds * 5),
            }
            sizes = {
                "conversations": conversations,
                "messages": messages,
                "teams": TEAMS,
                "agents": TEAMS * AGENTS_PER_TEAM,
                "generate_s": people["generate_s"],
                "index_s": index_s,
            }
            if engine == "sqlite":
                database_mb = Path(os.environ["ATIENDE_SQLITE_PATH"]).stat().st_size / 2**20
            else:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_database_size(current_database()), version()")
                    size, version = cursor.fetchone()
                database_mb = size / 2**20
                sizes["postgres"] = version.split(",")[0]
            sizes["database_mb"] = round(database_mb)
            out.write_text(json.dumps({"sizes": sizes, "inbox_list": inbox, "search": search}))
        finally:
            connection.close()
            if engine == "postgres":
                pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def merge(name: str, engine: str, entry: dict[str, Any]) -> None:
    path = RESULTS / name
    data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    data["machine"] = machine()
    data.setdefault("engines", {})[engine] = {**entry, "measured_at": datetime.now(UTC).isoformat()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def summary(engine: str, result: dict[str, Any]) -> None:
    sizes = result["sizes"]
    print(
        f"\n== {engine}: {sizes['conversations']:,} conversations, {sizes['messages']:,} messages,"
        f" {sizes['database_mb']:,} MB; generated in {sizes['generate_s']} s,"
        f" indexed in {sizes['index_s']} s"
    )
    print(f"{'measure':<44}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    rows: list[tuple[str, dict[str, float]]] = []
    for who, inbox in result["inbox_list"].items():
        rows.append((f"inbox page (list+counts), {who}", inbox["page"]))
        rows.append((f"  navigation counts, {who}", inbox["navigation_counts"]))
        rows += [(f"  list {view}, {who}", p) for view, p in inbox["list"].items()]
    for who in ("admin", "agent_one_team"):
        search = result["search"][who]
        rows.append((f"search, {who}", search["all"]))
        rows += [(f"  {kind}, {who}", p) for kind, p in search["by_kind"].items()]
    rows.append(("customer search, own conversations", result["search"]["customer_own"]))
    for label, p in rows:
        print(f"{label:<44}{p['p50_ms']:>9.1f}{p['p95_ms']:>9.1f}{p['p99_ms']:>9.1f}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--runs", type=int, default=200, help="inbox pages measured per user")
    parser.add_argument("--child-output", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.messages < args.conversations:
        parser.error("--messages must be at least --conversations")
    if args.child_output:
        run_engine(
            args.engine, args.conversations, args.messages, args.runs, Path(args.child_output)
        )
        return 0
    engines = ("sqlite", "postgres") if args.engine == "both" else (args.engine,)
    for engine in engines:
        # One process per engine: Django's settings pick the database once per process.
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [
                sys.executable,
                __file__,
                "--engine",
                engine,
                "--conversations",
                str(args.conversations),
                "--messages",
                str(args.messages),
                "--runs",
                str(args.runs),
                "--child-output",
                out.name,
            ]
            subprocess.run(command, check=True, cwd=ROOT)
            result = json.loads(Path(out.name).read_text())
        merge("inbox_list.json", engine, {"sizes": result["sizes"], **result["inbox_list"]})
        merge("search.json", engine, {"sizes": result["sizes"], **result["search"]})
        summary(engine, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
