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

Django's `handle` also makes three hops per request (the `request_started` signal's receivers,
the response, `response.close()` with `request_finished`) and runs two tasks (the response and
a listener for the client's disconnect). Here a request whose response is in memory (any but a
streaming or file response) is one hop: the signal, the middleware chain and view, and the
close all run in it, then the bytes are sent. A streaming response is closed in a second hop
after it has been sent, as Django does. A client that disconnects meanwhile is not listened
for: a synchronous view cannot be stopped anyway, and what is sent to a closed connection is
dropped by the server.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import IO, Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

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

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with closing(body_file):
            set_script_prefix(get_script_prefix(scope))
            response, closed = await sync_to_async(self.serve, thread_sensitive=True)(
                scope, body_file
            )
            await self.send_response(response, send)
            if not closed:
                await sync_to_async(response.close, thread_sensitive=True)()

    def serve(self, scope: dict[str, Any], body_file: IO[bytes]) -> tuple[HttpResponseBase, bool]:
        """In the request's thread: `request_started`, the request, and for a response held in
        memory its close (`request_finished`); whether it was closed."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            assert error_response is not None  # Django returns one of the two
            response: HttpResponseBase = error_response
        else:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]  # as Django
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if response.streaming:
            return response, False
        response.close()  # the content is bytes already: sending it needs nothing closed
        return response, True
