"""A websocket test client speaking ASGI to the application in-process.

Channels' own `channels.testing` imports Daphne, which atiende does not depend on (uvicorn
serves it); this is the small part of it the tests need: the application runs as a task on the
test's event loop, fed and drained through two queues, exactly as a server would drive it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

Message = dict[str, Any]


class WebsocketClient:
    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        self.application = application
        self.scope: Message = {
            "type": "websocket",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.to_app: asyncio.Queue[Message] = asyncio.Queue()
        self.from_app: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def send_input(self, message: Message) -> None:
        if self.task is None:
            self.task = asyncio.ensure_future(
                self.application(self.scope, self.to_app.get, self.from_app.put)
            )
        await self.to_app.put(message)

    async def receive_output(self, timeout: float) -> Message:
        getter = asyncio.ensure_future(self.from_app.get())
        assert self.task is not None
        done, _pending = await asyncio.wait(
            {getter, self.task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if getter in done:
            return getter.result()
        getter.cancel()
        if self.task in done:
            self.task.result()  # re-raises what crashed the application
            raise AssertionError("the application ended without answering")
        raise AssertionError(f"nothing received within {timeout} s")

    async def receive_nothing(self, timeout: float = 0.3) -> bool:
        """True when the application sends nothing for `timeout` seconds."""
        try:
            await asyncio.wait_for(self.from_app.get(), timeout)
        except TimeoutError:
            return True
        return False

    async def connect(self, timeout: float = 5) -> tuple[bool, int | None]:
        """(True, None) when accepted; (False, close code) when refused."""
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept", response
        return True, None

    async def send_json_to(self, data: dict[str, Any]) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout: float = 5) -> Any:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self, code: int = 1000, timeout: float = 5) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout)
