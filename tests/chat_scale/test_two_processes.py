"""Chat across two server processes sharing one database and Redis (channels-redis).

Two `python -m atiende serve` processes (tests/e2e/live.py's `start_process`) on the same
database: a visitor's websocket on process 1 and a signed-in agent on process 2 (the inbox
websocket, and replies through process 2's REST API with the session cookie and CSRF token, as
the agent's browser does). The visitor's message reaches the agent's inbox socket; the agent's
reply reaches the visitor. Then a dropped socket: the visitor goes away, the agent sends three
replies, the visitor comes back on the *other* process with `resume` and gets all three exactly
once. Without REDIS_URL there is no shared channel layer, and the test is skipped.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from tests.e2e.live import PASSWORD, Server, free_port, server_database, start_process

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="two server processes talk only through channels-redis: set REDIS_URL "
        "(it runs in the PostgreSQL + Redis pass)",
    ),
    pytest.mark.xdist_group("chat_scale"),
]

SEED = """
import json
from atiende.chat.models import ChatWidget
from atiende.inboxes.models import Inbox
from atiende.people.models import User
User.objects.create_user(
    username="ana", password=PASSWORD, email="ana@example.test", role="admin",
)
inbox = Inbox.objects.create(name="Chat", channel="chat")
widget = ChatWidget.objects.create(inbox=inbox, suggest_articles=False)
print(json.dumps({"widget_key": widget.key}))
""".replace("PASSWORD", repr(PASSWORD))

WAIT_S = 15.0


@dataclass
class Pair:
    first: str
    second: str
    widget_key: str


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Both tests share the two processes (starting them is most of the time)."""
    tmp_path = tmp_path_factory.mktemp("chat_scale")
    with server_database(tmp_path) as env, ExitStack() as stack:
        server = Server("", env)
        server.manage("migrate", "--noinput", "--verbosity", "0")
        seeded = server.shell(SEED)
        urls = []
        for name in ("first", "second"):
            port = free_port()
            stack.enter_context(start_process(server, tmp_path, port, name=name))
            urls.append(f"http://127.0.0.1:{port}")
        yield Pair(urls[0], urls[1], seeded["widget_key"])


def open_session(base: str, widget_key: str) -> dict[str, Any]:
    response = httpx.post(
        f"{base}/api/chat/{widget_key}/sessions",
        json={"name": "Rosa", "language": "en"},
        headers={"Origin": base},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@contextmanager
def visitor_socket(base: str, session: str) -> Iterator[ClientConnection]:
    with connect(
        f"{base.replace('http', 'ws', 1)}/ws/chat/?session={session}",
        origin=Origin(base),
        open_timeout=10,
    ) as socket:
        assert frame_of(socket, "ready")["type"] == "ready"
        yield socket


def frame_of(socket: ClientConnection, frame_type: str, **match: Any) -> dict[str, Any]:
    """The next frame of `frame_type` (and these field values); others are skipped."""
    while True:
        frame: dict[str, Any] = json.loads(socket.recv(timeout=WAIT_S))
        if frame.get("type") == frame_type and all(frame.get(k) == v for k, v in match.items()):
            return frame


@contextmanager
def signed_in_agent(base: str) -> Iterator[httpx.Client]:
    """An agent's browser: signed in through the login form; its cookies and CSRF token."""
    with httpx.Client(base_url=base, timeout=10) as client:
        client.headers.update(sign_in(client))
        yield client


def sign_in(client: httpx.Client) -> dict[str, str]:
    form = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token is not None, form.text[:500]
    signed = client.post(
        "/login/",
        data={"username": "ana", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
    )
    assert signed.status_code == 302, signed.text[:500]
    return {"X-CSRFToken": client.cookies["csrftoken"]}


@contextmanager
def agent_socket(base: str, agent: httpx.Client) -> Iterator[ClientConnection]:
    cookie = "; ".join(f"{name}={value}" for name, value in agent.cookies.items())
    with connect(
        f"{base.replace('http', 'ws', 1)}/ws/inbox/",
        origin=Origin(base),
        additional_headers={"Cookie": cookie},
        open_timeout=10,
    ) as socket:
        yield socket


def reply(agent: httpx.Client, conversation_id: int, text: str) -> None:
    response = agent.post(
        f"/api/conversations/{conversation_id}/messages", json={"kind": "reply", "text": text}
    )
    assert response.status_code == 201, response.text


def send(socket: ClientConnection, text: str) -> dict[str, Any]:
    client_id = str(uuid.uuid4())
    socket.send(json.dumps({"type": "message", "client_id": client_id, "text": text}))
    return frame_of(socket, "ack", client_id=client_id)


def test_visitor_on_one_process_and_agent_on_the_other_talk(pair: Pair) -> None:
    session = open_session(pair.first, pair.widget_key)
    with (
        signed_in_agent(pair.second) as agent,
        visitor_socket(pair.first, session["session"]) as visitor,
    ):
        with agent_socket(pair.second, agent) as inbox:
            ack = send(visitor, "Hello from process one")
            conversation_id = ack["conversation_id"]
            event = frame_of(inbox, "event", kind="message.created")
            assert event["conversation_id"] == conversation_id

        reply(agent, conversation_id, "Hi Rosa, this is Ana on process two")
        answer = frame_of(visitor, "message", direction="outbound")
        assert answer["text"] == "Hi Rosa, this is Ana on process two"
        assert answer["seq"] > ack["seq"]


def test_dropped_visitor_resumes_on_the_other_process_and_gets_each_reply_once(
    pair: Pair,
) -> None:
    session = open_session(pair.first, pair.widget_key)
    with visitor_socket(pair.first, session["session"]) as visitor:
        ack = send(visitor, "Are you there?")
    conversation_id, last_seq = ack["conversation_id"], ack["seq"]

    texts = [f"Reply {n} while you were away" for n in (1, 2, 3)]
    with signed_in_agent(pair.second) as agent:
        for text in texts:
            reply(agent, conversation_id, text)

    with visitor_socket(pair.second, session["session"]) as visitor:
        visitor.send(json.dumps({"type": "resume", "last_seq": last_seq}))
        frames = []
        while True:
            frame = json.loads(visitor.recv(timeout=WAIT_S))
            if frame["type"] == "resumed":
                break
            frames.append(frame)
        # Live pushes of replies still being delivered may follow the replay: read them too.
        visitor.send(json.dumps({"type": "ping"}))
        while (frame := json.loads(visitor.recv(timeout=WAIT_S)))["type"] != "pong":
            frames.append(frame)

    replies = [f for f in frames if f["type"] == "message" and f["direction"] == "outbound"]
    by_seq = {f["seq"]: f["text"] for f in replies}
    assert sorted(by_seq.values()) == sorted(texts)  # all three, each under one seq
    assert all(seq > last_seq for seq in by_seq)
    # A replay and a live push may overlap (the client dedupes by seq), but never disagree.
    for frame in replies:
        assert by_seq[frame["seq"]] == frame["text"]
