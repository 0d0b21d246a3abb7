"""Django's ASGI handler, running the whole middleware chain and view in one thread hop, on a
thread reused from one request to the next.

atiende's views and middleware are synchronous. Django's own ASGI handler builds an async
middleware chain: every async-capable middleware then runs its sync `process_request` and
`process_response` through a thread hop of its own, and the chain switches back to the event
loop around sync-only ones: about fifteen hops per request, measured as several milliseconds of
CPU per request here. This handler loads the chain in sync mode and enters it once.

Django also gives every request a thread-sensitive context of its own, whose executor starts a
new thread for the request and, when it ends, one more thread to join it: two threads started
per request (under load, starting them and handing them work was a tenth of the process's CPU
while 2,000 chat visitors opened their sessions). Here each request takes a one-thread executor
from a free list and gives it back at the end: a request's synchronous parts (the
`request_started` signal, the view, `request_finished`) still all run on one thread, requests
still run side by side, and the threads live on.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase

# Idle request threads kept per process; more run while more requests are in flight.
KEEP_THREADS = 16


class RequestThreads:
    """One-thread executors, each serving one request at a time (used from the event loop)."""

    def __init__(self, keep: int = KEEP_THREADS) -> None:
        self.keep = keep
        self.free: list[ThreadPoolExecutor] = []

    def take(self) -> ThreadPoolExecutor:
        if self.free:
            return self.free.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="atiende-request")

    def give(self, executor: ThreadPoolExecutor) -> None:
        if len(self.free) < self.keep:
            self.free.append(executor)
        else:
            executor.shutdown(wait=False)


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.threads = RequestThreads()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self.threads.take()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give(executor)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase = await sync_to_async(self.get_response, thread_sensitive=True)(
            request
        )
        return response
