"""Email push latency: from SMTP `250` (DATA accepted) to the agent's inbox websocket event.

    .venv/bin/python bench/bench_email_push.py [--messages 300] [--rate 10] [--postgres]

The deployment of docs/email.md on 127.0.0.1: `python -m atiende serve` (HTTP, websockets and
the embedded worker) and `python -m atiende smtp_server` (our inbound SMTP listener), each in
its own process, on SQLite (the default) or, with `--postgres`, on a fresh PostgreSQL database
with Redis. An admin agent is signed in (a Django session, as a browser has) and listens on
`/ws/inbox/`. A client delivers `--messages` mails over SMTP at a steady `--rate` per second,
one connection as an MTA keeps it, from customers of their own (one in five a reply to an
earlier mail of the same customer, threaded into its conversation). For each mail the clock
starts when the server answers `250` to DATA (its raw email id is in the answer) and stops when
the websocket delivers the `message.created` event of the message it became; the ids are joined
in the database afterwards. Writes bench/results/email_push.json (or email_push_postgres.json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.chat_setup import Server, database, manage, spawn, stop  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.typing import Origin  # noqa: E402

from bench import procs  # noqa: E402

RESULTS = ROOT / "bench" / "results"
ADDRESS = "support@atiende.example"
SETTLE_SECONDS = 60.0  # after the last mail, how long the events may take to arrive

SEED = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from atiende.inboxes.models import Inbox
from atiende.people.models import User
agent = User.objects.create_user(
    username="bench-agent", password="bench-password-not-secret", role="admin",
    email="bench-agent@example.test", first_name="Bench",
)
Inbox.objects.create(name="Support", channel="email", config={"address": %(address)r})
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(agent.pk)
store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
store[HASH_SESSION_KEY] = agent.get_session_auth_hash()
store.create()
print(json.dumps({"session_key": store.session_key, "cookie_name": settings.SESSION_COOKIE_NAME}))
"""

# event id -> raw email id, for the message.created events the socket delivered.
JOIN = """
import json
from atiende.core.models import Event
from atiende.mail.models import RawEmail
events = json.load(open(%(events)r))
message_of = {
    pk: data.get("message_id")
    for pk, data in Event.objects.filter(pk__in=events, kind="message.created").values_list(
        "pk", "data"
    )
}
raw_of = dict(
    RawEmail.objects.filter(message_id__in=[m for m in message_of.values() if m]).values_list(
        "message_id", "pk"
    )
)
statuses = {}
processed_at = {}
for pk, status, done in RawEmail.objects.values_list("pk", "status", "processed_at"):
    statuses[status] = statuses.get(status, 0) + 1
    processed_at[str(pk)] = done.timestamp() if done else None
json.dump({"raw_of_event": {str(e): raw_of.get(m) for e, m in message_of.items()},
           "raw_by_status": statuses, "processed_at": processed_at}, open(%(out)r, "w"))
"""


def mailbox(count: int) -> list[bytes]:
    """`count` mails; every fifth answers the previous mail of its customer (In-Reply-To)."""
    started = time.time()
    mails: list[bytes] = []
    last_id: dict[int, str] = {}
    for n in range(count):
        reply = n % 5 == 4 and n >= 5
        customer = n - 4 if reply else n
        mail = EmailMessage()
        mail["From"] = f"Cliente {customer} <cliente{customer}@clientes.example>"
        mail["To"] = ADDRESS
        mail["Date"] = format_datetime(datetime.fromtimestamp(started + n, UTC))
        message_id = make_msgid(domain="clientes.example")
        mail["Message-ID"] = message_id
        if reply:
            mail["Subject"] = f"Re: Pedido {customer}"
            mail["In-Reply-To"] = last_id[customer]
            mail["References"] = last_id[customer]
            mail.set_content("¿Alguna novedad? Sigue sin llegar.\n")
        else:
            mail["Subject"] = f"Pedido {customer}"
            mail.set_content(f"Hola, el pedido {customer} no llegó. ¿Pueden revisarlo?\n")
        last_id[customer] = message_id
        mails.append(bytes(mail))
    return mails


class Sender(threading.Thread):
    """Sends the mails at a steady rate on one SMTP connection; records when each got `250`."""

    def __init__(self, port: int, mails: list[bytes], rate: float, start_at: float) -> None:
        super().__init__(daemon=True)
        self.port, self.mails, self.rate, self.start_at = port, mails, rate, start_at
        self.accepted: dict[int, float] = {}  # raw email id -> perf_counter at 250
        self.accepted_wall: dict[int, float] = {}  # the same moment, epoch seconds
        self.errors: list[str] = []
        self.late = 0  # sends that started behind schedule (the server was slower than the rate)

    def run(self) -> None:
        client = smtplib.SMTP(procs.LOOPBACK, self.port, timeout=60)
        client.ehlo("bench.clientes.example")
        try:
            for n, raw in enumerate(self.mails):
                due = self.start_at + n / self.rate
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                elif wait < -0.05:
                    self.late += 1
                try:
                    client.mail(f"cliente{n}@clientes.example")
                    client.rcpt(ADDRESS)
                    code, answer = client.data(raw)
                    accepted, wall = time.perf_counter(), time.time()
                except smtplib.SMTPException as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                    client.rset()
                    continue
                if code != 250:
                    self.errors.append(f"{code} {answer[:200]!r}")
                    continue
                raw_id = int(answer.decode().rsplit(" ", 1)[-1])
                self.accepted[raw_id] = accepted
                self.accepted_wall[raw_id] = wall
        finally:
            client.quit()


async def listen(
    port: int, cookie: str, events: dict[int, float], ready: asyncio.Event, stop_at: list[float]
) -> None:
    """The agent's inbox socket: the arrival time of every message.created event."""
    async with connect(
        f"ws://{procs.LOOPBACK}:{port}/ws/inbox/",
        origin=Origin(f"http://{procs.LOOPBACK}:{port}"),
        additional_headers={"Cookie": cookie},
        compression=None,
        ping_interval=None,
        max_queue=None,
    ) as socket:
        while True:
            timeout = (stop_at[0] - time.perf_counter()) if stop_at else 5.0
            if stop_at and timeout <= 0:
                return
            try:
                raw = await asyncio.wait_for(socket.recv(), max(0.05, timeout))
            except TimeoutError:
                continue
            arrived = time.perf_counter()
            frame = json.loads(raw)
            if frame.get("type") == "hello":
                ready.set()
            elif frame.get("type") == "event" and frame.get("kind") == "message.created":
                events.setdefault(int(frame["event_id"]), arrived)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def measure(
    server_port: int, smtp_port: int, cookie: str, mails: list[bytes], rate: float
) -> tuple[Sender, dict[int, float]]:
    events: dict[int, float] = {}
    ready = asyncio.Event()
    stop_at: list[float] = []
    listener = asyncio.create_task(listen(server_port, cookie, events, ready, stop_at))
    await asyncio.wait_for(ready.wait(), 30)
    sender = Sender(smtp_port, mails, rate, time.perf_counter() + 0.5)
    sender.start()
    await asyncio.to_thread(sender.join)
    # Until every accepted mail has its event, or the settle time is over.
    deadline = time.perf_counter() + SETTLE_SECONDS
    while len(events) < len(sender.accepted) and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
    stop_at.append(time.perf_counter() + 1.0)  # a last second for stragglers
    await listener
    return sender, events


def run(messages: int, rate: float, postgres: bool) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="atiende-bench-email-push-"))
    with database(work, postgres) as env:
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        seeded = json.loads(
            manage(env, "shell", "-c", SEED % {"address": ADDRESS}).strip().splitlines()[-1]
        )
        server = Server(env, work / "server.log")
        smtp_port = procs.free_port()
        smtp = spawn(
            [
                sys.executable,
                "-m",
                "atiende",
                "smtp_server",
                "--host",
                procs.LOOPBACK,
                "--port",
                str(smtp_port),
            ],
            env,
            work / "smtp.log",
        )
        try:
            server.start()
            procs.wait_for_port(smtp_port, smtp, 60, work / "smtp.log")
            cookie = f"{seeded['cookie_name']}={seeded['session_key']}"
            load_before = os.getloadavg()
            began = time.perf_counter()
            sender, events = asyncio.run(
                measure(server.port, smtp_port, cookie, mailbox(messages), rate)
            )
            elapsed = time.perf_counter() - began
            load_after = os.getloadavg()
            events_file, joined_file = work / "events.json", work / "joined.json"
            events_file.write_text(json.dumps(list(events)))
            manage(env, "shell", "-c", JOIN % {"events": str(events_file), "out": str(joined_file)})
            joined = json.loads(joined_file.read_text())
        finally:
            stop(smtp)
            server.stop()
    latencies: dict[int, float] = {}
    for event_id, raw_id in joined["raw_of_event"].items():
        if raw_id is None or raw_id not in sender.accepted:
            continue
        seconds = events[int(event_id)] - sender.accepted[raw_id]
        latencies[raw_id] = min(latencies.get(raw_id, seconds), seconds)
    values = list(latencies.values())
    # The part of it until the worker's batch committed (queue wait and processing); the rest
    # is the publication to the socket.
    processing = [
        done - sender.accepted_wall[raw_id]
        for raw_id in latencies
        if (done := joined["processed_at"].get(str(raw_id))) is not None
    ]
    return {
        "database": "postgresql+redis" if postgres else "sqlite",
        "messages": messages,
        "rate_per_second": rate,
        "accepted": len(sender.accepted),
        "smtp_errors": sender.errors[:5],
        "sent_behind_schedule": sender.late,
        "events_received": len(events),
        "pushed": len(values),
        "missing": len(sender.accepted) - len(values),
        "raw_by_status": joined["raw_by_status"],
        "latency_ms": (
            {
                "p50": round(percentile(values, 0.50) * 1000, 1),
                "p90": round(percentile(values, 0.90) * 1000, 1),
                "p99": round(percentile(values, 0.99) * 1000, 1),
                "max": round(max(values) * 1000, 1),
                "mean": round(statistics.fmean(values) * 1000, 1),
            }
            if values
            else {}
        ),
        "until_processed_ms": (
            {
                "p50": round(percentile(processing, 0.50) * 1000, 1),
                "p99": round(percentile(processing, 0.99) * 1000, 1),
            }
            if processing
            else {}
        ),
        "seconds": round(elapsed, 1),
        "load_average_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="mails per second")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis")
    options = parser.parse_args()
    procs.install_cleanup()
    result = run(options.messages, options.rate, options.postgres)
    result["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "email_push_postgres.json" if options.postgres else "email_push.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
