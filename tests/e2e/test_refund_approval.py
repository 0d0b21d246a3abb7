"""End to end: a refund above the agent's limit goes to the supervisors' queue and is approved
there, in real Chromium on the real server.

The agent previews the refund in the account panel (the preview says it needs approval and what
the customer will be told), sends it; nothing is refunded yet. The supervisor opens the approval
queue, sees it with its amount and notice, approves; the refund is made once and the customer
is told on the conversation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.live import (
    TIMEOUT_MS,
    Server,
    chromium,
    collect_csp_violations,
    running_server,
    server_database,
    sign_in,
)
from tests.e2e.seeding import seed

SEED = seed("charged_for_a_year")

COUNT_REFUNDS = """
import json
from atiende.accounts.models import ApprovalRequest, Refund
print(json.dumps({
    "refunds": list(Refund.objects.values_list("amount", flat=True)),
    "approvals": list(ApprovalRequest.objects.values_list("status", flat=True)),
}))
"""


EXPIRE_APPROVALS = """
import json
from datetime import timedelta
from django.utils import timezone
from atiende.accounts.models import ApprovalRequest
print(json.dumps({"expired": ApprovalRequest.objects.update(
    expires_at=timezone.now() - timedelta(minutes=1)
)}))
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with server_database(tmp_path) as env, running_server(env, tmp_path, seed=SEED) as running:
        yield running


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_a_refund_above_the_agents_limit_is_approved_by_a_supervisor(server: Server) -> None:
    conversation_url = f"{server.url}/inbox/c/{server.seeded['conversation']}/"
    with chromium() as browser:
        agent = sign_in(browser, server, "ana")
        violations = collect_csp_violations(agent)
        agent.goto(conversation_url)
        panel = agent.locator("#account-panel")
        panel.get_by_role("button", name="Refund").click()
        form = agent.locator("#account-action")
        form.get_by_label("Amount in USD (empty: what is left)").fill("161.91")
        form.get_by_label("Reason").fill("Charged yearly by mistake")
        form.get_by_role("button", name="Preview").click()
        expect(form.get_by_text("This goes to a supervisor for approval first.")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        expect(form.get_by_text("$161.91 goes back to the customer.")).to_be_visible()
        # A double click on the confirm button still sends one request for approval.
        form.get_by_role("button", name="Send for approval").dblclick()
        expect(form.get_by_text("Sent for supervisor approval")).to_be_visible(timeout=TIMEOUT_MS)
        assert server.shell(COUNT_REFUNDS) == {"refunds": [], "approvals": ["pending"]}

        supervisor = sign_in(browser, server, "sol")
        supervisor.goto(f"{server.url}/inbox/approvals/")
        row = supervisor.locator(".approval").first
        expect(row).to_contain_text("$161.91")
        expect(row).to_contain_text("Ana García")
        row.get_by_role("button", name="Approve").click()
        expect(supervisor.get_by_text("Approved and carried out.")).to_be_visible()
        expect(supervisor.get_by_text("Nothing is waiting for approval.")).to_be_visible()

        assert server.shell(COUNT_REFUNDS) == {"refunds": [16191], "approvals": ["approved"]}
        # The customer is told on the conversation, and the agent sees it without a reload.
        expect(agent.locator("#timeline").get_by_text("161.91").first).to_be_visible(
            timeout=TIMEOUT_MS
        )
        assert violations == []


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_an_expired_approval_cannot_be_approved_and_the_agent_sees_why(server: Server) -> None:
    conversation_url = f"{server.url}/inbox/c/{server.seeded['conversation']}/"
    with chromium() as browser:
        agent = sign_in(browser, server, "ana")
        agent.goto(conversation_url)
        panel = agent.locator("#account-panel")
        panel.get_by_role("button", name="Refund").click()
        form = agent.locator("#account-action")
        form.get_by_label("Amount in USD (empty: what is left)").fill("161.91")
        form.get_by_label("Reason").fill("Charged yearly by mistake")
        form.get_by_role("button", name="Preview").click()
        form.get_by_role("button", name="Send for approval").click()
        expect(form.get_by_text("Sent for supervisor approval")).to_be_visible(timeout=TIMEOUT_MS)
        # Nobody decided in time (ATIENDE_APPROVAL_MAX_AGE).
        assert server.shell(EXPIRE_APPROVALS) == {"expired": 1}

        supervisor = sign_in(browser, server, "sol")
        supervisor.goto(f"{server.url}/inbox/approvals/")
        row = supervisor.locator(".approval").first
        expect(row.locator(".badge-expired")).to_have_text("Expired")
        expect(row).to_contain_text("no supervisor decided within 48 hours")
        expect(row.get_by_role("button", name="Approve")).to_have_count(0)

        assert server.shell(COUNT_REFUNDS) == {"refunds": [], "approvals": ["expired"]}
        # The agent's open conversation says why, without a reload.
        expect(
            agent.locator("#timeline").get_by_text("no supervisor decided within 48 hours").first
        ).to_be_visible(timeout=TIMEOUT_MS)
