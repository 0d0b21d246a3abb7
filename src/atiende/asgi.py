"""The ASGI application: HTTP (Django), websockets (Channels), and the embedded worker, which is
started by the server's lifespan so it shares the event loop and the in-process channel layer;
with it, the email fetcher (IMAP) in a thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
django.setup(set_prefix=False)

from atiende.core.asgi_handler import SyncChainASGIHandler  # noqa: E402  after Django is set up

django_application = SyncChainASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  after Django is set up
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from atiende.core import events, worker  # noqa: E402
from atiende.mail.imap import follow_all  # noqa: E402
from atiende.realtime.routing import websocket_urlpatterns  # noqa: E402

logger = logging.getLogger(__name__)

router = ProtocolTypeRouter(
    {
        "http": django_application,
        # The agents' route reads the Django session; the visitors' does not (routing.py).
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)

Scope = dict[str, Any]


async def lifespan(receive: Any, send: Any) -> None:
    stop = asyncio.Event()
    fetch_stop = threading.Event()
    worker_task: asyncio.Task[None] | None = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            events.bind_server_loop(asyncio.get_running_loop())
            if settings.ATIENDE_EMBEDDED_WORKER:
                worker_task = asyncio.create_task(worker.run_async(stop))
            if settings.ATIENDE_EMBEDDED_FETCH_MAIL:
                # IMAP is blocking I/O (IDLE waits for minutes): a thread of its own. What it
                # fetches is stored and queued; the embedded worker above processes it.
                threading.Thread(
                    target=follow_all, args=(fetch_stop,), name="atiende-fetch-mail", daemon=True
                ).start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            stop.set()
            fetch_stop.set()
            events.bind_server_loop(None)
            if worker_task is not None:
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(worker_task, timeout=5)
            await send({"type": "lifespan.shutdown.complete"})
            return


async def application(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    await router(scope, receive, send)
