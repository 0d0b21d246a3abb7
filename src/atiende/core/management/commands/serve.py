"""`python -m atiende serve`: HTTP and websockets with uvicorn, plus the embedded worker."""

from __future__ import annotations

from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from atiende.core.logs import uvicorn_log_config

WS_PING_SECONDS = 60.0
# Connections the kernel holds for the server while it starts or is busy: a restart drops every
# visitor's socket at once and they come back together (the widget backs off with jitter, but
# 2,000 of them still arrive within seconds). Linux caps it at net.core.somaxconn (4096 by
# default since 5.4); uvicorn's default is 2048.
BACKLOG = 4096


class Command(BaseCommand):
    help = "Serve atiende (HTTP + websockets) with uvicorn; the worker runs inside unless disabled."
    # Django's system checks (≈ 0.6 s: every URL pattern, model and template setting) are for
    # development and `python -m atiende check --deploy`; a server restarting under load gets
    # to its port without them. Each uvicorn process imports the application itself after this.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=1, help="server processes (more than 1 needs REDIS_URL)"
        )
        parser.add_argument("--log-level", default="info")
        parser.add_argument(
            "--backlog", type=int, default=BACKLOG, help="connections queued while busy/starting"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"]
        if workers > 1 and not settings.REDIS_URL:
            raise CommandError(
                "Several processes need a shared channel layer: set REDIS_URL (and DATABASE_URL)."
            )
        self.stdout.write(
            f"atiende on http://{options['host']}:{options['port']}/ "
            f"({'PostgreSQL' if settings.DATABASE_URL.startswith('postgres') else 'SQLite'}, "
            f"{'Redis' if settings.REDIS_URL else 'in-process'} channel layer, "
            f"worker {'embedded' if settings.ATIENDE_EMBEDDED_WORKER else 'external'})"
        )
        uvicorn.run(
            "atiende.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=workers,
            lifespan="on",
            log_level=options["log_level"],
            backlog=options["backlog"],
            access_log=options["log_level"] == "debug",
            # The chat socket's session token travels in its query string: never logged.
            log_config=uvicorn_log_config(),
            proxy_headers=False,
            server_header=False,
            # uvicorn pings every socket at the transport level (default every 20 s): one such
            # ping cost more server CPU than ten of the chat widget's heartbeat frames, and was
            # most of what 2,000 idle sockets cost (docs/chat-scaling.md, third pass). Visitor
            # sockets silent for 60 s are closed by the chat heartbeat; this ping still finds
            # any dead socket, agents' included, within WS_PING_SECONDS + 20 s.
            ws_ping_interval=WS_PING_SECONDS,
        )
