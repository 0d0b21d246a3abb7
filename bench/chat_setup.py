"""The chat bench's set-up: its own database, the server process it can kill and restart, the
seed (a chat inbox and a signed-in agent), and the count of what the database holds afterwards.

Everything goes through atiende's own commands (`migrate`, `shell`) in the bench's environment;
the server is `python -m atiende serve` on 127.0.0.1, in its own process group.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.loadgen import descendants
from bench.procs import LOOPBACK, ROOT, free_port, rss_tree_bytes, tail, wait_for_port

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

# A chat inbox with its widget, and an admin agent signed in twice: a browser session (the inbox
# websocket) and an API token (reading and replying); with AGENT_ONLINE, an online agent with
# room for every chat. Prints one JSON line.
SEED = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from atiende.api.tokens import create_token
from atiende.chat.models import ChatWidget
from atiende.inboxes.models import Inbox
from atiende.people.models import User
agent = User.objects.create_user(
    username="bench-agent", password="bench-password-not-secret", role="admin",
    email="bench-agent@example.test", first_name="Bench",
)
inbox = Inbox.objects.create(name="Bench chat", channel="chat")
widget = ChatWidget.objects.create(inbox=inbox, suggest_articles=False)
_, token = create_token(agent, "chat bench")
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(agent.pk)
store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
store[HASH_SESSION_KEY] = agent.get_session_auth_hash()
store.create()
if AGENT_ONLINE:
    # Routing then assigns every new chat to this agent instead of queueing it (the agent bot
    # sends no presence heartbeat: its last sign of life is put a day ahead).
    from datetime import timedelta
    from django.utils import timezone
    from atiende.workflow.models import AgentProfile, PresenceStatus
    AgentProfile.objects.update_or_create(user=agent, defaults={
        "status": PresenceStatus.ONLINE, "capacity": 30000,
        "last_seen_at": timezone.now() + timedelta(days=1)})
print(json.dumps({"widget_key": widget.key, "token": token, "session_key": store.session_key,
                  "cookie_name": settings.SESSION_COOKIE_NAME, "inbox_id": inbox.pk}))
"""

# The chat inbox's messages after a given id: per direction, how many rows carry each token
# (the last word of the text) and when the first was stored (epoch seconds). Written to a file,
# since it can be large.
COUNT = """
import json
from atiende.conversations.models import Message
counts = {"inbound": {}, "outbound": {}, "other": 0, "max_id": 0}
rows = Message.objects.filter(conversation__inbox__channel="chat", pk__gt=%(after)d)
fields = ("pk", "direction", "body_text", "created_at")
for pk, direction, text, created in rows.values_list(*fields).iterator(2000):
    counts["max_id"] = max(counts["max_id"], pk)
    token = text.rsplit(" ", 1)[-1]
    if direction in ("inbound", "outbound"):
        side = counts[direction]
        seen = side.setdefault(token, [0, created.timestamp()])
        seen[0] += 1
        seen[1] = min(seen[1], created.timestamp())
    else:
        counts["other"] += 1
with open(%(path)r, "w") as out:
    json.dump(counts, out)
"""


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "atiende", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"atiende {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout


@contextlib.contextmanager
def database(tmp: Path, postgres: bool) -> Iterator[dict[str, str]]:
    """The bench's environment: a SQLite file, or a fresh PostgreSQL database + Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PYTEST_VERSION"}
    }
    env.update(
        {
            "ATIENDE_VAR_DIR": str(tmp / "var"),
            "ATIENDE_FILES_DIR": str(tmp / "files"),
            "ATIENDE_EMBEDDED_WORKER": "1",
            "ATIENDE_EMBEDDED_FETCH_MAIL": "0",
            # Every visitor comes from 127.0.0.1: the per-address limits would be the bench.
            "ATIENDE_RATE_LIMIT_ENABLED": "0",
            "ATIENDE_CHANNEL_PREFIX": f"atiende-bench-chat-{secrets.token_hex(4)}",
        }
    )
    if not postgres:
        env["ATIENDE_SQLITE_PATH"] = str(tmp / "chat.sqlite3")
        yield env
        return
    import psycopg  # only with --postgres

    name = f"atiende_bench_chat_{secrets.token_hex(4)}"
    parts = urlsplit(PG_URL)
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    env["REDIS_URL"] = REDIS_URL
    try:
        yield env
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(env: dict[str, str], agent_online: bool = False) -> dict[str, Any]:
    """By default the agent is not an online agent: routing queues every new chat (and the
    queue's positions are published as chats leave it); `agent_online` makes routing assign
    each new chat to the agent at once."""
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    code = f"AGENT_ONLINE = {agent_online!r}\n{SEED}"
    seeded: dict[str, Any] = json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])
    return seeded


def count_messages(env: dict[str, str], tmp: Path, after_id: int) -> dict[str, Any]:
    path = tmp / f"count-{after_id}.json"
    manage(env, "shell", "-c", COUNT % {"after": after_id, "path": str(path)})
    counts: dict[str, Any] = json.loads(path.read_text())
    path.unlink()
    return counts


def runqueue_wait_seconds(pids: list[int]) -> float:
    """How long the threads of these processes (and their children) waited for a CPU while
    runnable: the second field of /proc/<pid>/task/<tid>/schedstat, in nanoseconds. On a busy
    machine this is the time the server wanted to work and was not given a core."""
    total = 0
    for root in pids:
        for pid in descendants(root):
            with contextlib.suppress(OSError):
                for task in Path(f"/proc/{pid}/task").iterdir():
                    with contextlib.suppress(OSError, IndexError, ValueError):
                        total += int((task / "schedstat").read_text().split()[1])
    return total / 1e9


_started: list[subprocess.Popen[bytes]] = []


def _kill_everything() -> None:
    for proc in _started:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


atexit.register(_kill_everything)


def spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A child in its own process group, killed at exit whatever happens."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    _started.append(proc)
    return proc


def stop(proc: subprocess.Popen[bytes], signum: int = signal.SIGTERM, grace: float = 20) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signum)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


class Server:
    """`python -m atiende serve` on a fixed loopback port, which can be killed and restarted."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        argv_prefix: list[str] | None = None,
        workers: int = 1,
    ):
        self.env = env
        self.log = log
        self.port = free_port()
        self.argv = [
            *(argv_prefix or [sys.executable, "-m", "atiende"]),
            "serve",
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start and wait until it answers HTTP (with `--workers`, the port opens before the
        workers have loaded Django); the seconds that took."""
        began = time.monotonic()
        self.proc = spawn(self.argv, self.env, self.log)
        wait_for_port(self.port, self.proc, 90.0, self.log)
        deadline = time.monotonic() + 90.0
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:  # any HTTP answer will do (the bench sets up no static files)
                urllib.request.urlopen(f"http://{LOOPBACK}:{self.port}/login/", timeout=5).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        return time.monotonic() - began

    def stop(self, signum: int = signal.SIGTERM) -> None:
        if self.proc is not None:
            stop(self.proc, signum)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def rss(self) -> int:
        """Resident memory of the server and its worker processes (uvicorn's `--workers`)."""
        return rss_tree_bytes(self.pid) if self.proc is not None else 0

    def log_tail(self) -> str:
        return tail(self.log, 40)
