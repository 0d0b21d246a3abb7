"""kill -9 during ingestion: 0 lost and 0 duplicated (SECURITY.md "How we prove it", I1, I2).

Mail arrives two ways at once: APPENDed into a real Dovecot folder that a `fetch_mail` process
follows, and sent over SMTP to our `smtp_server` process by a client that, like any MTA, sends a
message again until it got `250`. A `worker` process turns the stored raw emails into
conversation messages. While the mail flows, one of the three processes, chosen by a seeded
random generator, is SIGKILLed every 0.5 to 2 s and started again. Afterwards the processes run to
completion and every message must be in exactly one conversation message.

The size is `MESSAGES` per source (CI); the full-size run of the brief is
`ATIENDE_KILL_TEST_MESSAGES=2000 .venv/bin/pytest tests/mail/test_kill.py`.
"""

from __future__ import annotations

import json
import os
import random
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import process_env
from tests.mail import imapserver
from tests.mail.imapserver import ImapServer, free_port, message

pytestmark = pytest.mark.xdist_group("imap")

MESSAGES = int(os.environ.get("ATIENDE_KILL_TEST_MESSAGES", "150"))
SEED = 20261123
ADDRESS = "support@atiende.example"
IMAP_DOMAIN = "imap.customers.example"
SMTP_DOMAIN = "smtp.customers.example"
# A budget to wait for the mail to settle, not a speed target: on a quiet machine the test ends
# as soon as every message is in (the answer bot and triage now also run on each message). On a
# machine shared with the rest of the suite a killed batch can take a while to be redone alone.
DEADLINE_SECONDS = 240 + MESSAGES * 0.8

SETUP = """
import django, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
django.setup()
from atiende.inboxes.models import Inbox
inbox = Inbox.objects.create(name="Support", channel="email", config=json.loads(sys.argv[1]))
print(inbox.pk)
"""

# The worker with a short lease for mail processing: a task whose worker was killed is taken
# again once its lease ran out, and the default lease (two minutes) would outlast the test.
WORKER = """
import os, signal, threading
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
os.environ["ATIENDE_TASK_LEASE_SECONDS"] = "3"
django.setup()
from atiende.core import worker
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
worker.run_forever(stop)
"""

# Waits (bounded) until every raw email is stored and handled, then reports what exists.
REPORT = """
import django, json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
django.setup()
from django.db.models import Count
from atiende.conversations.models import Message
from atiende.core.models import Task, TaskStatus
from atiende.mail.models import ImapFolderState, RawEmail, RawStatus
expected, deadline = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
imap_uids = int(sys.argv[3])
while time.monotonic() < deadline:
    stored = RawEmail.objects.count()
    waiting = RawEmail.objects.filter(status=RawStatus.RECEIVED).count()
    acknowledged = ImapFolderState.objects.filter(last_uid__gte=imap_uids).exists()
    if stored >= expected and not waiting and acknowledged:
        break
    time.sleep(0.5)
messages = Message.objects.exclude(external_id="")
state = ImapFolderState.objects.first()
print(json.dumps({
    "raw": RawEmail.objects.count(),
    "raw_by_status": dict(
        RawEmail.objects.values_list("status").annotate(n=Count("id")).order_by("status")
    ),
    "raw_by_source": dict(
        RawEmail.objects.values_list("source").annotate(n=Count("id")).order_by("source")
    ),
    "external_ids": sorted(messages.values_list("external_id", flat=True)),
    "failed_tasks": Task.objects.filter(status=TaskStatus.FAILED).count(),
    "last_uid": state.last_uid if state else 0,
}))
"""


@dataclass
class Service:
    """One restartable child process: the argv, its log, the current process."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@dataclass
class Sender:
    """An SMTP client that sends each message until it got 250, as an MTA would."""

    port: int
    messages: list[bytes]
    deadline: float
    sent: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)

    def run(self) -> None:
        client: smtplib.SMTP | None = None
        for raw in self.messages:
            while time.monotonic() < self.deadline:
                try:
                    if client is None:
                        client = smtplib.SMTP("127.0.0.1", self.port, timeout=10)
                    client.sendmail(f"sender@{SMTP_DOMAIN}", [ADDRESS], raw)
                    self.sent += 1
                    break
                except (OSError, smtplib.SMTPException) as exc:
                    self.retries += 1
                    self.errors = [*self.errors[-4:], f"{type(exc).__name__}: {exc}"]
                    client = None
                    time.sleep(0.05)
        if client is not None:
            client.quit()


def mailbox(domain: str, count: int) -> list[bytes]:
    """`count` distinct messages; every fifth is a reply naming its original in References."""
    result = []
    for n in range(1, count + 1):
        references = (f"<{n - 3}.imap-test@{domain}>",) if n % 5 == 0 else ()
        result.append(message(n, domain=domain, references=references))
    return result


def deliver_imap(server: ImapServer, messages: list[bytes]) -> Callable[[], None]:
    """APPEND the messages in 20 chunks over a few seconds, while the kills go on."""

    def run() -> None:
        size = max(1, len(messages) // 20)
        for start in range(0, len(messages), size):
            server.deliver(messages[start : start + size])
            time.sleep(0.25)

    return run


@pytest.mark.django_db(transaction=True)
def test_kill_9_during_ingestion_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    env = process_env(tmp_path)
    env["ATIENDE_WORKER_POLL_SECONDS"] = "0.2"
    python = sys.executable
    deadline = time.monotonic() + DEADLINE_SECONDS
    with imapserver.running() as server:
        inbox_config = {"address": ADDRESS, "imap": {**server.config, "poll_seconds": 2}}
        subprocess.run(
            [python, "-c", SETUP, json.dumps(inbox_config)], env=env, check=True, timeout=60
        )
        smtp_port = free_port()
        services = [
            Service("fetch_mail", [python, "-m", "atiende", "fetch_mail"], env, tmp_path / "f.log"),
            Service("worker", [python, "-c", WORKER], env, tmp_path / "w.log"),
            Service(
                "smtp_server",
                [python, "-m", "atiende", "smtp_server", "--port", str(smtp_port)],
                env,
                tmp_path / "s.log",
            ),
        ]
        for service in services:
            service.start()
        imap_mail = mailbox(IMAP_DOMAIN, MESSAGES)
        sender = Sender(smtp_port, mailbox(SMTP_DOMAIN, MESSAGES), deadline)
        feeders = [
            threading.Thread(target=sender.run),
            threading.Thread(target=deliver_imap(server, imap_mail)),
        ]
        for feeder in feeders:
            feeder.start()
        chaos = random.Random(SEED)
        try:
            # Kill while mail is flowing, and a little after.
            while any(feeder.is_alive() for feeder in feeders) and time.monotonic() < deadline:
                time.sleep(chaos.uniform(0.5, 2.0))
                victim = chaos.choice(services)
                victim.kill()
                victim.start()
            for feeder in feeders:
                feeder.join(timeout=max(1.0, deadline - time.monotonic()))
            report = json.loads(
                subprocess.run(
                    [
                        python,
                        "-c",
                        REPORT,
                        str(2 * MESSAGES),
                        str(deadline - time.monotonic()),
                        str(MESSAGES),
                    ],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=DEADLINE_SECONDS,
                ).stdout
            )
        finally:
            for service in services:
                service.stop()
        imap_flags = server.flags()

    kills = {service.name: service.kills for service in services}
    assert min(kills.values()) >= 1, kills
    assert sender.sent == MESSAGES, sender.errors
    expected = sorted(
        f"{n}.imap-test@{domain}"
        for domain in (IMAP_DOMAIN, SMTP_DOMAIN)
        for n in range(1, MESSAGES + 1)
    )
    assert report["external_ids"] == expected  # each message exactly once, none lost
    assert report["raw"] == 2 * MESSAGES
    assert report["raw_by_source"] == {"imap": MESSAGES, "smtp": MESSAGES}
    assert report["raw_by_status"] == {"processed": 2 * MESSAGES}
    assert report["failed_tasks"] == 0
    assert report["last_uid"] == MESSAGES
    assert len(imap_flags) == MESSAGES
    assert all(b"\\Seen" in flags for flags in imap_flags.values())
