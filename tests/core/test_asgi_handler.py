"""The ASGI handler: a request whose response is in memory is one thread hop (the
`request_started` signal, the view and `request_finished` all on the request's thread, before
the bytes go out); a streaming response is closed after it has been sent."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from django.core import signals
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import override_settings
from django.urls import path

from atiende.core.asgi_handler import SyncChainASGIHandler

log: list[tuple[str, str]] = []


def plain(request: HttpRequest) -> HttpResponse:
    log.append(("view", threading.current_thread().name))
    return HttpResponse(b"plain " + request.body, content_type="text/plain")


def streamed(request: HttpRequest) -> StreamingHttpResponse:
    log.append(("view", threading.current_thread().name))

    async def parts() -> AsyncIterator[bytes]:
        yield b"one "
        log.append(("streaming", threading.current_thread().name))
        yield b"two"

    return StreamingHttpResponse(parts(), content_type="text/plain")


urlpatterns = [path("plain/", plain), path("streamed/", streamed)]


def started(sender: object, **kwargs: object) -> None:
    log.append(("started", threading.current_thread().name))


def finished(sender: object, **kwargs: object) -> None:
    log.append(("finished", threading.current_thread().name))


@pytest.fixture
def signals_logged() -> Iterator[None]:
    log.clear()
    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        yield
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)


def call(handler: SyncChainASGIHandler, url: str, body: bytes = b"") -> list[dict[str, Any]]:
    """One request through the handler; the ASGI messages it sent, in order."""
    sent: list[dict[str, Any]] = []
    incoming = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            log.append(("response sent", threading.current_thread().name))
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST" if body else "GET",
        "scheme": "http",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(handler(scope, receive, send))
    return sent


@override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], MIDDLEWARE=[])
def test_a_response_in_memory_is_one_hop(signals_logged: None) -> None:
    handler = SyncChainASGIHandler()
    sent = call(handler, "/plain/", b"body")
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"plain body"
    assert [step for step, _ in log] == ["started", "view", "finished", "response sent"]
    threads = {name for step, name in log if step != "response sent"}
    assert len(threads) == 1
    assert threads != {threading.current_thread().name}


@override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], MIDDLEWARE=[])
def test_a_streaming_response_is_closed_after_it_was_sent(signals_logged: None) -> None:
    handler = SyncChainASGIHandler()
    sent = call(handler, "/streamed/")
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"one two"
    steps = [step for step, _ in log]
    assert steps[:3] == ["started", "view", "response sent"]
    assert steps[-1] == "finished"
    assert "streaming" in steps
    request_threads = {name for step, name in log if step in {"started", "view", "finished"}}
    assert len(request_threads) == 1


@override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], MIDDLEWARE=[])
def test_requests_reuse_their_threads(signals_logged: None) -> None:
    handler = SyncChainASGIHandler()
    call(handler, "/plain/")
    first = {name for step, name in log if step == "view"}
    log.clear()
    call(handler, "/plain/")
    assert {name for step, name in log if step == "view"} == first
