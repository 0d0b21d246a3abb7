"""`python -m atiende fetch_mail`: read the IMAP folders of the active email inboxes.

Without `--once` it follows every inbox in a thread of its own (IDLE or polling, see
`atiende.mail.imap`) until SIGTERM or Ctrl-C, and picks up inboxes configured later. With
`--once` it syncs each inbox once, one after the other, and prints what it fetched. With
`--process` it also processes each fetch once stored (`imap.sync_folder(process=True)`): one
process does the work, none competes with it for SQLite's writer; on a shared machine a worker
processing in parallel was faster (docs/email.md, Performance).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atiende.mail import imap


class Command(BaseCommand):
    help = "Fetch mail from the IMAP folders of the active email inboxes."
    # A long-running daemon started next to the server: the system checks (they import every
    # URL configuration, the API's schemas included: ~1 s of CPU) belong to deploys
    # (`migrate`, `check`), not to each start of the fetcher.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="sync each inbox once, then exit")
        parser.add_argument("--inbox", type=int, default=None, help="only this inbox (its id)")
        parser.add_argument(
            "--process",
            action="store_true",
            help="process what it fetched here too (a worker takes only what fails or is left "
            "by a crash); without it a worker processes the mail in parallel",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        inbox_id: int | None = options["inbox"]
        if options["once"]:
            self._once(inbox_id)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        imap.follow_all(stop, inbox_id, process=options["process"])

    def _once(self, inbox_id: int | None) -> None:
        inboxes = imap.imap_inboxes(inbox_id)
        if inbox_id is not None and not inboxes:
            raise CommandError(f"no active email inbox {inbox_id} with an IMAP configuration")
        failed = 0
        for inbox in inboxes:
            try:
                result = imap.sync_folder(inbox)
            except Exception as exc:
                failed += 1
                self.stderr.write(f"inbox {inbox.pk} ({inbox.name}): {type(exc).__name__}: {exc}")
                continue
            self.stdout.write(
                f"inbox {inbox.pk} ({inbox.name}): fetched {result.fetched}, "
                f"ingested {result.ingested}, duplicates {result.duplicates}, "
                f"errors {result.errors}"
            )
        if failed:
            raise CommandError(f"{failed} inbox(es) failed")
