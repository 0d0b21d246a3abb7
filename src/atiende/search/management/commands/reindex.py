"""`python -m atiende reindex`: rebuild every search document from the data, with progress."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from atiende.search.rebuild import BATCH, reindex


class Command(BaseCommand):
    help = "Rebuild the search documents and the engine's full-text index from the data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=BATCH, help="rows per batch")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        shown: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            percent = 100 * done // total if total else 100
            # One line per stage and 5 %, so a million rows make a readable log.
            if done == total or percent >= shown.get(stage, -5) + 5:
                shown[stage] = percent
                elapsed = time.monotonic() - started
                self.stdout.write(
                    f"{stage:>13}: {done:>9,}/{total:,} ({percent:3d} %) {elapsed:6.1f} s"
                )

        counts = reindex(progress, batch=options["batch"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {counts.contacts:,} contacts, {counts.conversations:,} conversations "
                f"and {counts.messages:,} messages in {time.monotonic() - started:.1f} s."
            )
        )
