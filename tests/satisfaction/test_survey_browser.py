"""End to end, in Chromium on the real server: a Spanish-speaking customer opens the survey
link from the mail, changes the pre-ticked "Good" to "Bad" with a comment, and the agent sees
the rating and the comment in the conversation's Satisfaction panel. No CSP violation."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.live import (
    TIMEOUT_MS,
    chromium,
    collect_csp_violations,
    running_server,
    server_database,
    sign_in,
)

SEED = """
import json
from atiende.conversations import actions
from atiende.conversations.models import Status
from atiende.core import tasks
from atiende.inboxes.contract import InboundMessage
from atiende.inboxes.models import Inbox
from atiende.people.models import User
from atiende.satisfaction.models import Survey
from tests.e2e.live import PASSWORD

inbox = Inbox.objects.create(name="Ayuda", channel="webform", language="es")
agent = User.objects.create_user(username="ana", password=PASSWORD, role="agent")
received = actions.receive_message(InboundMessage(
    inbox_id=inbox.pk, identity_kind="email", identity_value="lu@example.test",
    email="lu@example.test", name="Lu", subject="Cobro doble", text="Me cobraron dos veces",
    new_conversation=True,
))
conversation = received.message.conversation
actions.send_reply(agent, conversation, text="Ya está devuelto.", status=Status.SOLVED)
tasks.drain()
survey = Survey.objects.get(conversation=conversation)
good = [line for line in survey.message.body_text.splitlines() if "?rating=good" in line][0]
print(json.dumps({"link": good.split(": ", 1)[1], "conversation": conversation.pk}))
"""


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_customer_rates_in_spanish_and_the_agent_sees_it(tmp_path: Path) -> None:
    with (
        server_database(tmp_path) as env,
        running_server(env, tmp_path, seed=SEED) as server,
        chromium() as browser,
    ):
        link = urlsplit(server.seeded["link"])
        customer = browser.new_context(locale="es-ES").new_page()
        violations = collect_csp_violations(customer)
        customer.goto(f"{server.url}{link.path}?{link.query}")

        expect(customer.get_by_role("heading", name="Valora la ayuda que recibiste")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        expect(customer.get_by_label("Buena")).to_be_checked()
        customer.get_by_label("Mala").check()
        customer.get_by_label("¿Quieres contarnos algo más? (opcional)").fill("Tardaron mucho")
        customer.get_by_role("button", name="Enviar mi respuesta").click()
        expect(customer.get_by_role("heading", name="¡Gracias por tu respuesta!")).to_be_visible(
            timeout=TIMEOUT_MS
        )

        agent = sign_in(browser, server, "ana")
        agent.goto(f"{server.url}/inbox/c/{server.seeded['conversation']}/")
        panel = agent.locator("#satisfaction-panel")
        expect(panel).to_contain_text("Bad", timeout=TIMEOUT_MS)
        expect(panel).to_contain_text("Tardaron mucho")
        assert violations == []
