"""`python -m atiende worker`: run background tasks in a process of its own (scale-out)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from atiende.core import worker


class Command(BaseCommand):
    help = "Run the background worker: outbox deliveries and other queued tasks."
    # The checks cost about a second of CPU per start; `make run`, `migrate` and CI run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run what is due, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        worker.run_forever(stop, once=options["once"])
