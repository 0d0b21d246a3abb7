"""End to end: an agent goes online in Chromium, two chats are routed to her by the real server
(embedded worker), and her "My chats" strip shows both with their unread counts, live; opening
one marks it read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.live import (
    PASSWORD,
    TIMEOUT_MS,
    chromium,
    collect_csp_violations,
    running_server,
    server_database,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SEED = """
import json
from atiende.inboxes.models import Inbox
from atiende.people.models import Team, User
from atiende.workflow.models import AgentProfile

team = Team.objects.create(name="Support", slug="support")
inbox = Inbox.objects.create(name="Website chat", channel="chat", default_team=team)
ana = User.objects.create_user(
    username="ana", password=PASSWORD, display_name="Ana García", role="agent"
)
ana.teams.add(team)
AgentProfile.objects.create(user=ana, capacity=3)
print(json.dumps({"inbox": inbox.pk}))
""".replace("PASSWORD", repr(PASSWORD))

CHATS = """
import json
from atiende.conversations.actions import receive_message
from atiende.inboxes.contract import InboundMessage

def say(visitor, name, text, conversation_id=None):
    return receive_message(InboundMessage(
        inbox_id=INBOX, identity_kind="chat", identity_value=visitor, name=name, text=text,
        conversation_id=conversation_id, new_conversation=conversation_id is None,
    )).conversation.pk

rosa = say("visitor-rosa", "Rosa Martínez", "Hi, my playlist is gone")
say("visitor-rosa", "Rosa Martínez", "It was called Road trip", conversation_id=rosa)
li = say("visitor-li", "Li Wei", "Can I pay by bank transfer?")
print(json.dumps({"rosa": rosa, "li": li}))
"""


def test_an_online_agent_receives_routed_chats_in_her_strip(tmp_path: Path) -> None:
    with (
        server_database(tmp_path) as env,
        running_server(env, tmp_path, seed=SEED) as server,
        chromium() as browser,
    ):
        page = sign_in(browser, server, "ana")
        violations = collect_csp_violations(page)
        status = page.get_by_label("My status")
        expect(status).to_have_value("offline", timeout=TIMEOUT_MS)
        expect(page.locator("#my-chats")).to_contain_text("No live chats", timeout=TIMEOUT_MS)

        status.select_option("online")
        expect(page.locator("#status-form.status-online")).to_be_visible(timeout=TIMEOUT_MS)

        chats = server.shell(CHATS.replace("INBOX", str(server.seeded["inbox"])))

        rosa = page.locator(f'#my-chats [data-chat-id="{chats["rosa"]}"]')
        li = page.locator(f'#my-chats [data-chat-id="{chats["li"]}"]')
        expect(rosa.locator(".unread")).to_have_text("2", timeout=TIMEOUT_MS)
        expect(li.locator(".unread")).to_have_text("1", timeout=TIMEOUT_MS)
        expect(rosa).to_contain_text("It was called Road trip")
        expect(page.locator("#my-chats .count")).to_have_text("2")

        rosa.get_by_role("link").click()
        expect(page).to_have_url(re.compile(rf"/inbox/c/{chats['rosa']}/$"), timeout=TIMEOUT_MS)
        expect(page.locator("#routing-panel")).to_contain_text("Routed to Ana García")
        opened = page.locator(f'#my-chats [data-chat-id="{chats["rosa"]}"]')
        expect(opened).to_have_class(re.compile("is-current"), timeout=TIMEOUT_MS)
        expect(opened.locator(".unread")).to_have_count(0, timeout=TIMEOUT_MS)
        expect(page.locator(f'#my-chats [data-chat-id="{chats["li"]}"] .unread')).to_have_text("1")
        assert violations == []
