"""`python -m atiende import_mail PATH ...`: bring existing mail into an email inbox.

For a move from another help desk or mail client, or to replay a corpus: each PATH is an mbox
file, a Maildir, a single message file (`.eml` or any RFC 5322 file) or a folder of them (read
recursively, hidden files skipped). Every message goes through the same pipeline as IMAP, SMTP
and uploads (`pipeline.ingest`: raw bytes stored first, then processed by the worker), under the
source key `import:<sha256>`, so importing the same files again stores nothing new and a
message that also came by another path is recognised as a duplicate by its Message-ID.

Progress is printed as it goes; `--process` also runs the processing here and reports what
became of the messages (processed, duplicate, quarantined ...).

Shapes read: mbox in its mboxo and mboxrd flavours (a message starts at a "From " line that
opens the file or follows a blank line and carries a date, so an unescaped "From " inside a
paragraph stays in its message; ">From " lines lose one ">"), LF or CRLF line ends, mbox files
and single messages compressed with gzip, bzip2 or xz, Maildirs (cur/ and new/, even without an
empty tmp/ that an archive tool dropped; the server's index files are not mail; Maildir++
subfolders such as .Sent are named, not imported). Zip and tar archives are refused with a
clear message; empty files are skipped.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from io import BufferedIOBase
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atiende.core import tasks
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.mail import pipeline
from atiende.mail.models import RawEmail, RawStatus

PROGRESS_SECONDS = 2.0


_OPENERS: dict[bytes, Callable[[Path], BufferedIOBase]] = {
    b"\x1f\x8b": gzip.GzipFile,
    b"BZh": bz2.BZ2File,
    b"\xfd7zXZ\x00": lzma.LZMAFile,
}
_REFUSED = {b"PK\x03\x04": "a zip archive", b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive"}
# "From sender@example.com Mon Dec  7 10:00:00 2026": the separator carries a weekday and a
# time (some writers add a time zone, or put "-" for the sender), or an ISO date and time.
_FROM_LINE = re.compile(
    rb"^From \S*\s+(.*\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b.*\b\d{1,2}:\d{2}"
    rb"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d)",
    re.IGNORECASE,
)
_ESCAPED_FROM = re.compile(rb"^>+From ")
_NOT_MAIL = frozenset({".msf", ".dat", ".db", ".sqlite", ".index", ".log"})


class Unreadable(Exception):
    """A path that is not mail in a shape this command reads (with the reason)."""


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


def _open(path: Path) -> BufferedIOBase:
    """The file, decompressed on the fly when gzip, bzip2 or xz; zip and 7-Zip refused."""
    with path.open("rb") as handle:
        head = handle.read(8)
    for magic, reason in _REFUSED.items():
        if head.startswith(magic):
            raise Unreadable(f"{reason}: extract it first and import the folder")
    opener = next((item for magic, item in _OPENERS.items() if head.startswith(magic)), None)
    return opener(path) if opener is not None else path.open("rb")


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob(pattern)
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.suffix.lower() not in _NOT_MAIL
    )


def _mbox(handle: Iterable[bytes]) -> Iterator[bytes]:
    """The messages of an mbox (mboxo or mboxrd, LF or CRLF), without their "From " lines."""
    current: list[bytes] = []
    previous_blank = True
    started = False
    for line in handle:
        if previous_blank and line.startswith(b"From ") and _FROM_LINE.match(line):
            if started:
                yield _message(current)
            current, started, previous_blank = [], True, False
            continue
        previous_blank = not line.strip()
        if _ESCAPED_FROM.match(line):
            line = line[1:]
        current.append(line)
    if started:
        yield _message(current)


def _message(lines: list[bytes]) -> bytes:
    """One message's bytes: the blank line mbox writers put before the next "From " removed."""
    if lines and not lines[-1].strip():
        lines = lines[:-1]
    return b"".join(lines)


def maildir_subfolders(path: Path) -> list[str]:
    """The Maildir++ subfolders (.Sent, .Trash ...) of a Maildir, which are not imported."""
    return sorted(
        child.name
        for child in path.iterdir()
        if child.name.startswith(".") and child.is_dir() and _is_maildir(child)
    )


def messages(
    path: Path, pattern: str = "*", skipped: Callable[[Path, str], None] | None = None
) -> Iterator[tuple[str, bytes]]:
    """(where, raw bytes) of every message under `path`, in a stable order; in a plain folder
    only the files whose name matches `pattern`. Raises Unreadable for an archive named
    directly; inside a folder, an archive or unreadable file is passed to `skipped` and the
    walk goes on (it raises when `skipped` is None)."""
    if path.is_dir():
        if _is_maildir(path):
            for folder in ("new", "cur"):
                if (path / folder).is_dir():
                    for file in _files(path / folder, "*"):
                        yield f"{path}:{folder}/{file.name}", file.read_bytes()
            return
        for file in _files(path, pattern):
            try:
                yield from messages(file)
            except (OSError, EOFError, lzma.LZMAError, Unreadable) as exc:
                if skipped is None:
                    raise
                skipped(file, str(exc))
        return
    with _open(path) as handle:
        head = handle.read(5)
        if head == b"From ":
            yield from (
                (f"{path}#{index + 1}", raw)
                for index, raw in enumerate(_mbox(_Prefixed(head, handle)))
            )
            return
        data = head + handle.read()
        if data[257:262] == b"ustar":
            raise Unreadable("a tar archive: extract it first and import the folder")
        yield str(path), data


class _Prefixed:
    """The lines of a stream whose first bytes were already read."""

    def __init__(self, head: bytes, handle: BufferedIOBase) -> None:
        self.head = head
        self.handle = handle

    def __iter__(self) -> Iterator[bytes]:
        first = self.head + self.handle.readline()
        if first:
            yield first
        yield from self.handle


class Command(BaseCommand):
    skipped = 0
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
        self.skipped = 0
        ids: dict[int, None] = {}
        started = last = time.monotonic()
        for path in paths:
            if path.is_dir() and _is_maildir(path) and maildir_subfolders(path):
                self.stdout.write(
                    f"{path}: Maildir subfolders not imported (name them to import them): "
                    + ", ".join(maildir_subfolders(path))
                )
        for where, raw in self._each(paths, limit, options["glob"]):
            if not raw.strip():
                counts["empty, skipped"] += 1
                continue
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
        if self.skipped:
            self.stdout.write(f"{self.skipped} file(s) skipped (archives or unreadable, see above)")
        if options["process"] and ids:
            self._process(list(ids))

    def _each(self, paths: list[Path], limit: int, pattern: str) -> Iterator[tuple[str, bytes]]:
        count = 0
        for path in paths:
            try:
                for item in messages(path, pattern, self._skipped):
                    yield item
                    count += 1
                    if limit and count >= limit:
                        return
            except (OSError, EOFError, lzma.LZMAError, Unreadable) as exc:
                raise CommandError(f"{path}: cannot be read: {exc}") from exc

    def _skipped(self, path: Path, reason: str) -> None:
        self.skipped += 1
        self.stderr.write(f"{path}: skipped: {reason}")

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
