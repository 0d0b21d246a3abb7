"""End to end: a customer asks in the chat widget (on a third-party page), the answer bot
answers from the help center with the article's steps, the customer presses "I need a person",
and an agent sees the whole transcript and the hand-off in the inbox. Real Chromium, the real
server (uvicorn, embedded worker, the real models; PostgreSQL and Redis when set)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import HostSite
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

# The first answer loads the models in the server's worker: give it time on a busy machine.
FIRST_ANSWER_MS = 90_000

SEED = """
import json
from atiende.chat.models import ChatWidget
from atiende.helpcenter import actions
from atiende.helpcenter.actions import StepInput
from atiende.helpcenter.models import Status
from atiende.inboxes.models import Inbox
from atiende.people.models import User

User.objects.create_user(
    username="ana", password=PASSWORD, display_name="Ana García", first_name="Ana",
    email="ana@example.test", role="admin",
)
inbox = Inbox.objects.create(
    name="Website chat", channel="chat", config={"answer_bot": {"enabled": True}},
)
widget = ChatWidget.objects.create(
    inbox=inbox, title="Sonora", allowed_origins="HOST", ask_name="off", ask_email="off",
)
category = actions.create_category(None, language="en", name="Your account")
section = actions.create_section(None, category, language="en", name="Account")
for title, body, steps, questions in [
    (
        "Reset your password",
        "If you forgot your password you can set a new one from the sign-in page.",
        ["Open the sign-in page and choose Forgot password.", "Enter your email address.",
         "Open the link we email you and choose a new password."],
        ["How do I reset my password?", "I forgot my password", "password reset link",
         "How can I set a new password?"],
    ),
    (
        "Cancel your subscription",
        "You can cancel at any time; your plan stays active until the end of the period.",
        ["Open Account settings.", "Choose Cancel subscription.", "Confirm."],
        ["How do I cancel my subscription?", "stop my plan", "end my membership"],
    ),
]:
    article = actions.create_article(None, section, language="en", title=title, body=body).article
    translation = actions.save_translation(
        None, article, language="en", title=title, body=body,
        steps=[StepInput(step) for step in steps],
    )
    actions.set_questions(None, article, language="en", questions=questions)
    actions.set_status(None, translation, Status.PUBLISHED)
print(json.dumps({"key": widget.key}))
"""


def test_a_customer_gets_an_article_answer_then_asks_for_a_person(
    tmp_path: Path, host: HostSite
) -> None:
    seed = SEED.replace("PASSWORD", repr(PASSWORD)).replace("HOST", host.origin)
    with server_database(tmp_path) as env, running_server(env, tmp_path, seed=seed) as server:
        page_url = host.embed("index", server.url, server.seeded["key"])
        with chromium() as browser:
            visitor = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
            violations = collect_csp_violations(visitor)
            visitor.goto(page_url)
            chat = visitor.frame_locator("iframe[title='Chat']")
            chat.get_by_role("button", name="Chat with us").click()
            box = chat.get_by_label("Write a message…")
            box.fill("Hi, I forgot my password. How do I reset it?")
            box.press("Enter")

            # The bot answers with the article's steps and link, and two quick replies.
            answer = chat.locator(".bubble.theirs").filter(has_text="Reset your password")
            expect(answer).to_be_visible(timeout=FIRST_ANSWER_MS)
            expect(answer).to_contain_text("1. Open the sign-in page and choose Forgot password.")
            expect(answer).to_contain_text("/hc/en/")
            expect(chat.get_by_role("button", name="That solved it")).to_be_visible()
            chat.get_by_role("button", name="I need a person").click()

            conversation_id = int(
                server.shell(
                    "import json\nfrom atiende.conversations.models import Conversation\n"
                    "chat = Conversation.objects.get(inbox__name='Website chat')\n"
                    "print(json.dumps({'id': chat.pk}))"
                )["id"]
            )
            ana = sign_in(browser, server, "ana")
            ana.goto(f"{server.url}/inbox/c/{conversation_id}/")
            timeline = ana.locator("#timeline")
            # The transcript: the question, the bot's answer, and the hand-off, in order.
            expect(timeline).to_contain_text("Hi, I forgot my password. How do I reset it?")
            expect(timeline.locator(".msg-bot")).to_contain_text("Reset your password")
            expect(timeline).to_contain_text(
                "The answer bot handed the conversation to the team: "
                "the customer asked for a person",
                timeout=TIMEOUT_MS,
            )
            # The assistant panel suggests the same article to the agent.
            expect(ana.locator("#assistant-panel")).to_contain_text("Reset your password")
            assert violations == []
