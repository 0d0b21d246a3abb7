"""End to end: two agents in real Chromium on the real server (uvicorn, embedded worker).

Agent 1 replies; agent 2, in a second browser context, sees agent 1 there, types (agent 1 sees
"typing") and replies; agent 1 sees that reply, and then a customer's message, appear without a
reload. The server runs in a subprocess over its own database (a temporary SQLite file, or a
PostgreSQL database this test creates and drops when DATABASE_URL is set), since it cannot see
the test's uncommitted transactions.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.live import (
    PASSWORD,
    ROOT,
    TIMEOUT_MS,
    Server,
    chromium,
    collect_csp_violations,
    running_server,
    server_database,
    sign_in,
)

# The README's screenshot is refreshed only when asked (ATIENDE_SCREENSHOTS=1), so that a test
# run does not change the working tree.
SCREENSHOT = (
    ROOT / "docs" / "screenshots" / "inbox.png"
    if os.environ.get("ATIENDE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "atiende-inbox.png"
)

SEED = """
import json
from atiende.conversations import actions
from atiende.inboxes.contract import InboundMessage
from atiende.inboxes.models import Inbox
from atiende.people.models import Team, User

team = Team.objects.create(name="Support", slug="support")
Team.objects.create(name="Billing", slug="billing")
inbox = Inbox.objects.create(name="Help form", channel="webform", default_team=team)
agents = {}
for username, name in [("ana", "Ana García"), ("bruno", "Bruno Díaz")]:
    agent = User.objects.create_user(
        username=username, password=PASSWORD, display_name=name,
        email=username + "@example.test", role="agent",
    )
    agent.teams.add(team)
    agents[username] = agent

def customer(email, name, subject, text):
    return actions.receive_message(InboundMessage(
        inbox_id=inbox.pk, identity_kind="email", identity_value=email, email=email,
        name=name, subject=subject, text=text, new_conversation=True,
    )).conversation

customer("rosa@example.test", "Rosa Martínez", "Invoice for October", "Where is my invoice?")
customer("li@example.test", "Li Wei", "Cannot sign in", "The app says my password is wrong.")
conversation = customer(
    "rosa@example.test", "Rosa Martínez", "My playlist disappeared",
    "Hi! Since this morning my playlist 'Road trip' is gone. Can you help?",
)
actions.tag(agents["ana"], conversation, add=["playlist", "mobile app"])
actions.change_priority(agents["ana"], conversation, "high")
actions.assign(agents["ana"], conversation, agents["ana"])
print(json.dumps({"conversation": conversation.pk}))
""".replace("PASSWORD", repr(PASSWORD))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with server_database(tmp_path) as env, running_server(env, tmp_path, seed=SEED) as running:
        yield running


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_two_agents_and_a_customer_live(server: Server) -> None:
    conversation_url = f"{server.url}/inbox/c/{server.seeded['conversation']}/"
    with chromium() as browser:
        ana = sign_in(browser, server, "ana")
        csp_violations = collect_csp_violations(ana)
        expect(ana.get_by_role("link", name="My playlist disappeared")).to_be_visible()
        ana.goto(conversation_url)
        timeline = ana.locator("#timeline")
        expect(timeline.get_by_text("my playlist 'Road trip' is gone")).to_be_visible()

        ana.get_by_label("Reply to the customer").fill("Hi Rosa, I am looking into it.")
        ana.get_by_role("button", name="Send reply").click()
        expect(timeline.get_by_text("Hi Rosa, I am looking into it.")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        expect(ana.get_by_label("Reply to the customer")).to_have_value("")
        # Replying opened the conversation: the header shows it without a reload.
        expect(ana.locator("#conversation-head .status-open")).to_be_visible()
        # A mark on the window: had the page reloaded, it would be gone.
        ana.evaluate("window.atiendeNoReload = true")

        bruno = sign_in(browser, server, "bruno")
        bruno.goto(conversation_url)
        presence = ana.locator("#presence")
        expect(presence).to_contain_text("Bruno Díaz is viewing", timeout=TIMEOUT_MS)
        expect(bruno.locator("#presence")).to_contain_text(
            "Ana García is viewing", timeout=TIMEOUT_MS
        )
        bruno.get_by_label("Reply to the customer").fill("We restored it from last night's backup.")
        expect(presence).to_contain_text("Bruno Díaz is typing", timeout=TIMEOUT_MS)
        bruno.get_by_role("button", name="Send reply").click()
        expect(timeline.get_by_text("We restored it from last night's backup.")).to_be_visible(
            timeout=TIMEOUT_MS
        )

        server.manage(
            "simulate_customer",
            "--conversation",
            str(server.seeded["conversation"]),
            "--text",
            "It is back! Thank you both.",
        )
        expect(timeline.get_by_text("It is back! Thank you both.")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        expect(bruno.locator("#timeline").get_by_text("It is back! Thank you both.")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        # The replies left through the outbox and the worker: their status went live too.
        expect(timeline.locator(".delivery-sent").first).to_be_visible(timeout=TIMEOUT_MS)
        assert ana.evaluate("window.atiendeNoReload") is True

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        ana.screenshot(path=str(SCREENSHOT))
        assert csp_violations == []


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_a_slow_timeline_refresh_does_not_swallow_the_panels(server: Server) -> None:
    """One event refreshes the timeline, the panel and the chats strip at once. htmx keeps one
    request per source element and, with no source named, used <body> for all three: the
    panel's request, queued behind a slow timeline, was replaced by the strip's and dropped,
    so the panel kept showing the old priority."""
    conversation_url = f"{server.url}/inbox/c/{server.seeded['conversation']}/"
    with chromium() as browser:
        ana = sign_in(browser, server, "ana")
        ana.goto(conversation_url)
        priority = ana.locator("#panel").get_by_label("Priority")
        expect(priority).to_have_value("high")

        def slow_timeline(route: Route) -> None:
            time.sleep(1.5)  # the panel's and the strip's requests are asked for meanwhile
            route.continue_()

        ana.route("**/timeline/", slow_timeline)
        bruno = sign_in(browser, server, "bruno")
        bruno.goto(conversation_url)
        bruno.locator("#panel").get_by_label("Priority").select_option("urgent")
        bruno.locator("#panel").get_by_label("Priority").locator("xpath=..").get_by_role(
            "button", name="Save"
        ).click()
        expect(bruno.locator("#panel").get_by_label("Priority")).to_have_value(
            "urgent", timeout=TIMEOUT_MS
        )
        expect(priority).to_have_value("urgent", timeout=TIMEOUT_MS)
