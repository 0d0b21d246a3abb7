"""End to end: a visitor on a third-party page with the one-tag widget, and an agent in the inbox,
in real Chromium against the real server (uvicorn, embedded worker; PostgreSQL and Redis when
DATABASE_URL / REDIS_URL are set).

They exchange messages both ways (with read receipts and the agent's typing indicator); the
visitor's network drops while the agent sends three messages, and after reconnecting the
visitor sees all three exactly once (replayed on resume); an inbox outside business hours
shows the "we are away" form, which collects an email.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Frame, FrameLocator, Page, Route, expect

from tests.e2e.conftest import HostSite
from tests.e2e.live import (
    PASSWORD,
    TIMEOUT_MS,
    Server,
    chromium,
    collect_csp_violations,
    running_server,
    server_database,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SEED = """
import json
from atiende.chat.models import ChatWidget
from atiende.inboxes.models import Inbox
from atiende.people.models import User
from atiende.workflow.models import InboxSchedule

User.objects.create_user(
    username="ana", password=PASSWORD, display_name="Ana García", first_name="Ana",
    email="ana@example.test", role="admin",
)
inbox = Inbox.objects.create(name="Website chat", channel="chat")
open_widget = ChatWidget.objects.create(
    inbox=inbox, title="Sonora", allowed_origins="HOST", ask_name="off", ask_email="off",
)
closed = Inbox.objects.create(name="After hours chat", channel="chat")
InboxSchedule.objects.create(inbox=closed, use_hours=True)
closed_widget = ChatWidget.objects.create(inbox=closed, title="Sonora", allowed_origins="HOST")
print(json.dumps({"open": open_widget.key, "closed": closed_widget.key}))
"""


def widget_frame(page: Page) -> Frame:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "/chat/frame/" in frame.url:
                return frame
        page.wait_for_timeout(100)
    raise AssertionError("the widget frame did not load")


def open_widget(page: Page) -> FrameLocator:
    chat = page.frame_locator("iframe[title='Chat']")
    chat.get_by_role("button", name="Chat with us").click()
    expect(chat.get_by_role("dialog")).to_be_visible(timeout=TIMEOUT_MS)
    return chat


def replies(server: Server, conversation_id: int, texts: list[str]) -> None:
    code = (
        "from atiende.conversations import actions\n"
        "from atiende.conversations.models import Conversation\n"
        "from atiende.people.models import User\n"
        f"conversation = Conversation.objects.get(pk={conversation_id})\n"
        "ana = User.objects.get(username='ana')\n"
        f"for text in {texts!r}:\n"
        "    actions.send_reply(ana, conversation, text=text)\n"
        "print('{}')\n"
    )
    server.shell(code)


def test_visitor_and_agent_chat_through_a_drop_and_after_hours(
    tmp_path: Path, host: HostSite
) -> None:
    seed = SEED.replace("PASSWORD", repr(PASSWORD)).replace("HOST", host.origin)
    with server_database(tmp_path) as env, running_server(env, tmp_path, seed=seed) as server:
        pages = {name: host.embed(name, server.url, key) for name, key in server.seeded.items()}
        with chromium() as browser:
            visitor_context = browser.new_context(viewport={"width": 1280, "height": 860})
            visitor = visitor_context.new_page()
            violations = collect_csp_violations(visitor)
            visitor.goto(pages["open"])
            chat = open_widget(visitor)
            box = chat.get_by_label("Write a message…")
            box.fill("Hi! I was charged twice for Premium.")
            box.press("Enter")
            expect(chat.locator(".bubble.mine:not(.pending)")).to_have_count(1, timeout=TIMEOUT_MS)

            conversation_id = int(
                server.shell(
                    "import json\nfrom atiende.conversations.models import Conversation\n"
                    "chat = Conversation.objects.get(inbox__name='Website chat')\n"
                    "print(json.dumps({'id': chat.pk}))"
                )["id"]
            )
            ana = sign_in(browser, server, "ana")
            ana.goto(f"{server.url}/inbox/c/{conversation_id}/")
            # On the timeline: the live-chats strip may show the same line (routing on Redis).
            timeline = ana.locator("#timeline")
            expect(
                timeline.get_by_text("Hi! I was charged twice for Premium.", exact=True)
            ).to_be_visible()
            # The agent has the conversation open: the visitor's message shows as seen; the
            # agent types, and the visitor sees it.
            expect(chat.get_by_text("Seen")).to_be_visible(timeout=TIMEOUT_MS)
            ana.get_by_label("Reply to the customer").fill("Sorry about that, Rosa. Refunding now.")
            expect(chat.get_by_text("Ana García is typing…")).to_be_visible(timeout=TIMEOUT_MS)
            ana.get_by_role("button", name="Send reply").click()
            expect(chat.get_by_text("Refunding now.")).to_be_visible(timeout=TIMEOUT_MS)

            box.fill("Thank you!")
            box.press("Enter")
            expect(timeline.get_by_text("Thank you!", exact=True)).to_be_visible(timeout=TIMEOUT_MS)

            # The network drops; the agent writes three times meanwhile.
            widget_frame(visitor).evaluate("window.atiendeDropConnection()")
            visitor_context.set_offline(True)
            texts = ["First: refund issued.", "Second: 3-5 days.", "Third: anything else?"]
            replies(server, conversation_id, texts)
            visitor.wait_for_timeout(1500)
            expect(chat.get_by_text("First: refund issued.")).to_have_count(0)
            visitor_context.set_offline(False)
            for text in texts:
                expect(chat.get_by_text(text)).to_have_count(1, timeout=TIMEOUT_MS)
            visitor.wait_for_timeout(1000)
            for text in texts:
                expect(chat.get_by_text(text)).to_have_count(1)
            expect(chat.locator(".bubble.theirs")).to_have_count(4)

            # Outside business hours the widget says so and collects an email.
            # The form shows before the session is open (opening the chat opens it): an email
            # saved before then waits for the session (it went out unauthenticated and was lost).
            away_page = visitor_context.new_page()
            held: list[Route] = []

            def hold(route: Route) -> None:
                held.append(route)

            away_page.route("**/sessions", hold)
            away_page.goto(pages["closed"])
            away = open_widget(away_page)
            expect(away.get_by_text("We are away right now")).to_be_visible(timeout=TIMEOUT_MS)
            away.locator("#away").get_by_label("Your email").fill("li.wei@example.test")
            away.get_by_role("button", name="Save my email").click()
            away_page.wait_for_timeout(300)
            assert len(held) == 1
            held[0].continue_()
            expect(away.get_by_text("We will write to li.wei@example.test")).to_be_visible(
                timeout=TIMEOUT_MS
            )
            saved = server.shell(
                "import json\nfrom atiende.people.models import ContactIdentity\n"
                "print(json.dumps({'n': ContactIdentity.objects.filter("
                "kind='email', value='li.wei@example.test').count()}))"
            )
            assert saved == {"n": 1}
            assert violations == []
