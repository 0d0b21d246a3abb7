"""`python -m atiende smtp_server --host 127.0.0.1 --port 2525`: our inbound SMTP server."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from atiende.mail.smtp_server import controller


class Command(BaseCommand):
    help = "Receive mail for the email inboxes over SMTP (forwarding or relay to atiende)."
    # A daemon restarted on its own (and by the kill test every few seconds): the system checks
    # (~1 s of CPU importing every URL configuration) belong to deploys, not to each start.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args: Any, **options: Any) -> None:
        server = controller(options["host"], options["port"])
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        server.start()
        self.stdout.write(f"SMTP server listening on {options['host']}:{options['port']}")
        try:
            stop.wait()
        finally:
            server.stop()
