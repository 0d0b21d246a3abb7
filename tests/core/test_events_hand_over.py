"""Publishing inside the server: channel-layer sends go to the server's loop in batches (one
wake-up of the loop and one task for everything published before the loop came for it), in
order, and a refused send never stops the others."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from atiende.core import events


class Recorder:
    """A channel layer that records what it is asked to send, and on which thread."""

    def __init__(self, refuse: str = "") -> None:
        self.sent: list[tuple[str, Any]] = []
        self.threads: set[str] = set()
        self.refuse = refuse

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.threads.add(threading.current_thread().name)
        if group == self.refuse:
            raise RuntimeError("over capacity")
        self.sent.append((group, message["n"]))


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-server-loop", daemon=True)
    thread.start()
    events.bind_server_loop(loop)
    try:
        yield loop
    finally:
        events.bind_server_loop(None)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def settle(loop: asyncio.AbstractEventLoop) -> None:
    """Wait until what was handed to the loop has been sent."""

    async def idle() -> None:
        while events._tasks:
            await asyncio.sleep(0.001)

    asyncio.run_coroutine_threadsafe(idle(), loop).result(5)


def test_sends_published_while_the_loop_is_busy_go_in_one_batch_in_order(
    loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = Recorder()
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    wake_ups: list[object] = []
    call_soon = loop.call_soon_threadsafe

    def counted(callback: Any, *args: Any) -> Any:
        if callback == events._hand_over.take:
            wake_ups.append(callback)
        return call_soon(callback, *args)

    monkeypatch.setattr(loop, "call_soon_threadsafe", counted)
    busy, release = threading.Event(), threading.Event()

    def hold() -> None:
        busy.set()
        release.wait(5)

    call_soon(hold)
    assert busy.wait(5)
    for n in range(3):
        events.broadcast(["inbox", f"conversation-{n}"], {"type": "atiende.event", "n": n})
    assert layer.sent == []  # handed over, not sent by this thread
    release.set()
    settle(loop)

    assert layer.sent == [
        ("inbox", 0),
        ("conversation-0", 0),
        ("inbox", 1),
        ("conversation-1", 1),
        ("inbox", 2),
        ("conversation-2", 2),
    ]
    assert len(wake_ups) == 1
    assert layer.threads == {"test-server-loop"}

    events.broadcast(["inbox"], {"type": "atiende.event", "n": 3})  # a new batch
    settle(loop)
    assert layer.sent[-1] == ("inbox", 3)
    assert len(wake_ups) == 2


def test_a_refused_send_does_not_stop_the_rest_of_the_batch(
    loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = Recorder(refuse="conversation-0")
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    events.broadcast(["conversation-0", "inbox"], {"type": "atiende.event", "n": 0})
    events.broadcast(["inbox"], {"type": "atiende.event", "n": 1})
    settle(loop)
    assert layer.sent == [("inbox", 0), ("inbox", 1)]


def test_without_a_running_loop_the_sends_run_in_the_calling_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    layer = Recorder()
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    events.bind_server_loop(None)
    events.broadcast(["inbox"], {"type": "atiende.event", "n": 7})
    assert layer.sent == [("inbox", 7)]


def test_a_new_server_loop_never_waits_behind_another_one_s_batch(
    loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = Recorder()
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    stuck = asyncio.new_event_loop()
    thread = threading.Thread(target=stuck.run_forever, daemon=True)
    thread.start()
    busy, release = threading.Event(), threading.Event()

    def hold() -> None:
        busy.set()
        release.wait(5)

    stuck.call_soon_threadsafe(hold)
    assert busy.wait(5)
    try:
        events.bind_server_loop(stuck)
        events.broadcast(["inbox"], {"type": "atiende.event", "n": 0})  # waits for `stuck`
        events.bind_server_loop(loop)
        events.broadcast(["inbox"], {"type": "atiende.event", "n": 1})
        settle(loop)
        assert layer.sent == [("inbox", 1)]
        release.set()
        settle(stuck)
        assert layer.sent == [("inbox", 1), ("inbox", 0)]  # the stuck loop sent its own at last
    finally:
        release.set()
        stuck.call_soon_threadsafe(stuck.stop)
        thread.join(5)
        stuck.close()
