"""`python -m atiende import_mail PATH ...`: bring existing mail into an email inbox.

For a move from another help desk or mail client, or to replay a corpus: each PATH is an mbox
file, a Maildir, a single message file (`.eml` or any RFC 5322 file) or a folder of them (read
recursively, hidden files skipped). Every message goes through the same pipeline as IMAP, SMTP
and uploads (`pipeline.ingest`: raw bytes stored first, then processed by the worker), under the
source key `import:<sha256>`, so importing the same files again stores nothing new and a
message that also came by another path is recognised as a duplicate by its Message-ID.

Progress is printed as it goes; `--process` also runs the processing here and reports what
became of the messages (processed, duplicate, quarantined ...).
"""

from __future__ import annotations

import hashlib
import mailbox
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atiende.core import tasks
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.mail import pipeline
from atiende.mail.models import RawEmail, RawStatus

PROGRESS_SECONDS = 2.0


def _is_maildir(path: Path) -> bool:
    return all((path / part).is_dir() for part in ("cur", "new", "tmp"))


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob(pattern)
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def messages(path: Path, pattern: str = "*") -> Iterator[tuple[str, bytes]]:
    """(where, raw bytes) of every message under `path`, in a stable order; in a plain folder
    only the files whose name matches `pattern`."""
    if path.is_dir():
        if _is_maildir(path):
            box = mailbox.Maildir(path, factory=None, create=False)
            for key in sorted(box.keys()):
                yield f"{path}:{key}", box.get_bytes(key)
            return
        for file in _files(path, pattern):
            yield from messages(file)
        return
    if _is_mbox(path):
        mbox = mailbox.mbox(path, factory=None, create=False)
        try:
            for index, key in enumerate(mbox.iterkeys()):
                yield f"{path}#{index + 1}", mbox.get_bytes(key)
        finally:
            mbox.close()
        return
    yield str(path), path.read_bytes()


class Command(BaseCommand):
    help = "Import mail (mbox files, Maildirs, message files or folders of them) into an inbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="mbox, Maildir, file or folder")
        parser.add_argument(
            "--inbox", type=int, default=None, help="the email inbox's id (needed if several)"
        )
        parser.add_argument("--limit", type=int, default=0, help="stop after this many messages")
        parser.add_argument(
            "--glob",
            default="*",
            help="in folders, only files whose name matches, e.g. '*.eml' (default: all files)",
        )
        parser.add_argument(
            "--process",
            action="store_true",
            help="also process them here (otherwise the worker does) and report the outcome",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        inbox = self._inbox(options["inbox"])
        paths: list[Path] = [path.expanduser() for path in options["paths"]]
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"not found: {', '.join(missing)}")
        limit: int = options["limit"]
        self.stdout.write(f"importing into inbox {inbox.pk} ({inbox.name})")
        counts: Counter[str] = Counter()
        ids: dict[int, None] = {}
        started = last = time.monotonic()
        for where, raw in self._each(paths, limit, options["glob"]):
            key = f"import:{hashlib.sha256(raw).hexdigest()}"
            known = RawEmail.objects.filter(inbox=inbox, source_key=key).exists()
            try:
                raw_email = pipeline.ingest(inbox, raw, source="import", source_key=key)
            except OSError as exc:
                counts["not stored"] += 1
                self.stderr.write(f"{where}: not stored: {exc}")
                continue
            counts["already imported" if known or raw_email.pk in ids else "stored"] += 1
            ids[raw_email.pk] = None
            if time.monotonic() - last >= PROGRESS_SECONDS:
                last = time.monotonic()
                self.stdout.write(f"  {counts.total()} read, {counts['stored']} stored")
        seconds = time.monotonic() - started
        self.stdout.write(
            f"read {counts.total()} message(s) in {seconds:.1f} s: "
            + ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
        )
        if options["process"] and ids:
            self._process(list(ids))

    def _each(self, paths: list[Path], limit: int, pattern: str) -> Iterator[tuple[str, bytes]]:
        count = 0
        for path in paths:
            try:
                for item in messages(path, pattern):
                    yield item
                    count += 1
                    if limit and count >= limit:
                        return
            except (OSError, mailbox.Error) as exc:
                raise CommandError(f"{path}: cannot be read: {exc}") from exc

    def _inbox(self, inbox_id: int | None) -> Inbox:
        inboxes = Inbox.objects.filter(channel=ChannelKind.EMAIL).order_by("pk")
        if inbox_id is not None:
            inbox = inboxes.filter(pk=inbox_id).first()
            if inbox is None:
                raise CommandError(f"no email inbox {inbox_id}")
            return inbox
        found = list(inboxes[:2])
        if len(found) != 1:
            raise CommandError(
                "no email inbox exists" if not found else "several email inboxes: pass --inbox ID"
            )
        return found[0]

    def _process(self, ids: list[int]) -> None:
        started = last = time.monotonic()
        while True:
            ran = tasks.run_pending(batch=20)
            outcome = _statuses(ids)
            waiting = outcome.get(RawStatus.RECEIVED, 0)
            if time.monotonic() - last >= PROGRESS_SECONDS:
                last = time.monotonic()
                self.stdout.write(f"  processing: {len(ids) - waiting} of {len(ids)} done")
            if not waiting or not ran:
                break
        labels = dict(RawStatus.choices)
        self.stdout.write(
            f"processed in {time.monotonic() - started:.1f} s: "
            + ", ".join(
                f"{labels.get(name, name)} {count}" for name, count in sorted(outcome.items())
            )
        )
        if waiting:
            self.stdout.write(f"{waiting} wait for the worker (retried with backoff)")


def _statuses(ids: list[int], chunk: int = 5000) -> Counter[str]:
    """How many of the raw emails `ids` are in each status (queried in chunks)."""
    outcome: Counter[str] = Counter()
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        outcome.update(RawEmail.objects.filter(pk__in=part).values_list("status", flat=True))
    return outcome
