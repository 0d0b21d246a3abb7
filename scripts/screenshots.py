"""Refresh the README's screenshots from the real demo: `.venv/bin/python scripts/screenshots.py`.

Loads the Sonora demo into a throw-away SQLite database, serves it on a free loopback port,
and photographs with Debian's Chromium what a newcomer would look at first: the agent inbox
with the account panel, the inbox's "SLA breached" view, the live-chat widget on the demo site,
the help center in Spanish and the answer bot's page. Writes PNGs under docs/screenshots/.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect  # noqa: E402

from atiende.demo.data import DEMO_PASSWORD  # noqa: E402
from tests.e2e.live import (  # noqa: E402
    TIMEOUT_MS,
    Server,
    chromium,
    free_port,
    server_database,
    start_process,
)

OUT = ROOT / "docs" / "screenshots"
FIND_CONVERSATION = """
import json
from atiende.accounts.linking import account_for_contact
from atiende.conversations.models import Conversation
chosen = None
for conversation in Conversation.objects.select_related("contact").order_by("-last_message_at"):
    if account_for_contact(conversation.contact) is not None:
        chosen = conversation.pk
        break
print(json.dumps({"conversation": chosen}))
"""


def sign_in(page: Page, server: Server, username: str) -> None:
    page.goto(server.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/inbox/$"), timeout=TIMEOUT_MS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        with server_database(tmp) as env:
            env.pop("DATABASE_URL", None)
            env["ATIENDE_SQLITE_PATH"] = str(tmp / "demo.sqlite3")
            port = free_port()
            server = Server(f"http://127.0.0.1:{port}", env)
            server.manage("migrate", "--noinput", "--verbosity", "0")
            server.manage("load_demo")
            conversation = server.shell(FIND_CONVERSATION)["conversation"]
            with start_process(server, tmp, port, name="server"), chromium() as browser:
                agent = browser.new_context(viewport={"width": 1440, "height": 1500}).new_page()
                sign_in(agent, server, "demo-agent")
                if conversation:
                    agent.goto(f"{server.url}/inbox/c/{conversation}/")
                    agent.wait_for_load_state("networkidle")
                    agent.screenshot(path=str(OUT / "inbox.png"))
                # The inbox's "SLA breached" view: the demo's policy gives its chats clocks.
                agent.set_viewport_size({"width": 1440, "height": 900})
                agent.goto(f"{server.url}/inbox/?view=sla_breached")
                agent.wait_for_load_state("networkidle")
                agent.screenshot(path=str(OUT / "inbox-sla.png"))
                visitor = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
                visitor.goto(server.url + "/demo/sonora/")
                visitor.wait_for_load_state("networkidle")
                # Open the widget and ask: the answer bot answers from the help center.
                frame = visitor.frame_locator("iframe").first
                frame.locator("#launcher").click()
                frame.locator("#text").fill("How do I change my plan to Family?")
                frame.locator("#text").press("Enter")
                expect(frame.locator("#log")).to_contain_text("Family", timeout=TIMEOUT_MS)
                visitor.wait_for_timeout(4000)
                visitor.screenshot(path=str(OUT / "chat-widget.png"))
                spanish = browser.new_context(
                    viewport={"width": 1280, "height": 800}, locale="es-ES"
                ).new_page()
                spanish.goto(server.url + "/hc/es/")
                spanish.wait_for_load_state("networkidle")
                spanish.screenshot(path=str(OUT / "helpcenter-es.png"))
                supervisor = browser.new_context(
                    viewport={"width": 1440, "height": 900}
                ).new_page()
                sign_in(supervisor, server, "demo-supervisor")
                supervisor.goto(server.url + "/inbox/assistant/")
                supervisor.wait_for_load_state("networkidle")
                supervisor.screenshot(path=str(OUT / "answer-bot.png"))
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
