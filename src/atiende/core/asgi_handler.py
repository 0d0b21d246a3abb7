"""Django's ASGI handler, running the whole middleware chain and view in one thread hop.

atiende's views and middleware are synchronous. Django's own ASGI handler builds an async
middleware chain: every async-capable middleware then runs its sync `process_request` and
`process_response` through a thread hop of its own, and the chain switches back to the event
loop around sync-only ones: about fifteen hops per request, measured as several milliseconds of
CPU per request here. This handler loads the chain in sync mode and enters it once.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase = await sync_to_async(self.get_response, thread_sensitive=True)(
            request
        )
        return response
