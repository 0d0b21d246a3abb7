"""The generative-answer client against a local server that follows the OpenAI
chat-completions contract (POST /v1/chat/completions, JSON in, `choices[0].message.content`
out), started by the test on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from atiende.assistant.generative import GenerationError, Passage, generate_answer

PASSAGES = (
    Passage("card-delivery", "When will my card arrive?", "Cards arrive in 5-7 days.", "/h/1"),
    Passage("card-activate", "Activate your card", "Open the app and tap Activate.", "/h/2"),
)


class ChatServer(BaseHTTPRequestHandler):
    reply: ClassVar[dict[str, Any]] = {}
    requests: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ChatServer.requests.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        reply = ChatServer.reply
        time.sleep(reply.get("delay", 0))
        if self.path != "/v1/chat/completions":
            self.send_response(404)
            self.end_headers()
            return
        payload = json.dumps(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply.get("content", "")},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
        ).encode()
        self.send_response(reply.get("status", 200))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # The timeout test's client hangs up before the slow reply: a broken pipe is expected.
        return


@pytest.fixture
def server() -> Iterator[str]:
    ChatServer.requests = []
    ChatServer.reply = {}
    httpd = QuietServer(("127.0.0.1", 0), ChatServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_grounded_answer_with_citations(server: str) -> None:
    ChatServer.reply = {"content": "Your card arrives in 5-7 days [1]. Then activate it [2][7]."}
    answer = generate_answer(
        "When does my card come?", "en", PASSAGES, url=server, model="llama3", api_key="k-123"
    )
    assert answer.citations == ("card-delivery", "card-activate")
    assert "[7]" not in answer.text
    assert "[1]" in answer.text
    request = ChatServer.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer k-123"
    body = request["body"]
    assert body["model"] == "llama3"
    assert body["stream"] is False
    assert body["messages"][0]["role"] == "system"
    assert "ONLY" in body["messages"][0]["content"]
    assert "[1] When will my card arrive?" in body["messages"][1]["content"]
    assert "[2] Activate your card" in body["messages"][1]["content"]


def test_url_may_already_end_in_v1_and_no_key_sends_no_header(server: str) -> None:
    ChatServer.reply = {"content": "Llega en 5-7 días [1]."}
    answer = generate_answer("¿Cuándo llega?", "es", PASSAGES, url=server + "/v1/", model="m")
    assert answer.citations == ("card-delivery",)
    assert ChatServer.requests[0]["path"] == "/v1/chat/completions"
    assert ChatServer.requests[0]["auth"] is None
    assert "'es'" in ChatServer.requests[0]["body"]["messages"][0]["content"]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"content": "Cards usually arrive within a week."}, "cites none"),
        ({"content": "NO_ANSWER"}, "no answer"),
        ({"content": "x [1]", "status": 500}, "answered 500"),
        ({"content": "x [1]", "status": 429}, "answered 429"),
    ],
)
def test_untrustworthy_or_failed_answers_raise(
    server: str, reply: dict[str, Any], message: str
) -> None:
    ChatServer.reply = reply
    with pytest.raises(GenerationError, match=message):
        generate_answer("q", "en", PASSAGES, url=server, model="m")


def test_timeout_and_refused_connection_raise(server: str) -> None:
    ChatServer.reply = {"content": "late [1]", "delay": 1.0}
    with pytest.raises(GenerationError, match="ReadTimeout"):
        generate_answer("q", "en", PASSAGES, url=server, model="m", timeout=0.2)
    with pytest.raises(GenerationError, match="ConnectError"):
        generate_answer("q", "en", PASSAGES, url="http://127.0.0.1:9", model="m", timeout=1)


def test_no_passages_is_an_error() -> None:
    with pytest.raises(GenerationError):
        generate_answer("q", "en", (), url="http://127.0.0.1:9", model="m")
