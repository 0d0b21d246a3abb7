"""Generative answers against a local server that follows the OpenAI chat-completions
contract (POST {base}/chat/completions, JSON `choices[0].message.content`): grounded in the
retrieved articles, and the extractive answer whenever the server fails."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from atiende.assistant.models import BotTurn
from atiende.conversations.models import Direction, Message
from atiende.inboxes.models import Inbox
from tests.assistant.conftest import HelpCenter, Live
from tests.factories import Factory


class CompletionServer:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.content = ""
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append({"path": self.path, "body": body})
                if server.status != 200 or not self.path.endswith("/chat/completions"):
                    self.send_response(server.status if server.status != 200 else 404)
                    self.end_headers()
                    self.wfile.write(b'{"error": {"message": "model not loaded"}}')
                    return
                answer = {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 1764489600,
                    "model": body.get("model", ""),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": server.content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
                }
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


@pytest.fixture
def completions(settings: Any) -> Iterator[CompletionServer]:
    server = CompletionServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    settings.ATIENDE_LLM_URL = server.url
    settings.ATIENDE_LLM_MODEL = "local-test-model"
    settings.ATIENDE_LLM_TIMEOUT = 5
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


Ask = Callable[[str], Message]


@pytest.fixture
def ask(factory: Factory, live: Live, inbox: Inbox, help_center: HelpCenter) -> Ask:
    def write(text: str) -> Message:
        with live():
            message = factory.inbound(inbox, text=text)
        return message.conversation.messages.get(direction=Direction.BOT)

    return write


def test_a_generated_answer_is_grounded_in_the_retrieved_articles(
    ask: Ask, completions: CompletionServer
) -> None:
    completions.content = (
        "Choose Forgot password on the sign-in page and follow the link we email you [1]."
    )
    answer = ask("How can I reset my password? I forgot it.")
    assert "Choose Forgot password on the sign-in page" in answer.body_text
    # The citation points at the article's link.
    assert "[1] Reset your password: http" in answer.body_text
    assert BotTurn.objects.get(reply=answer).generated
    [request] = completions.requests
    assert request["path"].endswith("/chat/completions")
    assert request["body"]["model"] == "local-test-model"
    prompt = json.dumps(request["body"]["messages"], ensure_ascii=False)
    assert "Open the sign-in page and choose Forgot password." in prompt
    assert "How can I reset my password? I forgot it." in prompt


def test_the_extractive_answer_when_the_server_fails(
    ask: Ask, completions: CompletionServer
) -> None:
    completions.status = 503
    answer = ask("How can I reset my password? I forgot it.")
    assert "1. Open the sign-in page and choose Forgot password." in answer.body_text
    assert not BotTurn.objects.get(reply=answer).generated
    assert len(completions.requests) >= 1
