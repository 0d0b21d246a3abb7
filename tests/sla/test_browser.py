"""End to end: an agent sees the SLA badge in the inbox, narrows the list to the breached
conversations, and reads the clocks in the conversation's Service level panel."""

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
from tests.sla.seeding import seed

SEED = seed("overdue_and_due_soon")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with server_database(tmp_path) as env, running_server(env, tmp_path, seed=SEED) as running:
        yield running


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_an_agent_sees_the_sla_badge_the_breached_view_and_the_panel(server: Server) -> None:
    overdue = server.seeded["overdue"]
    soon = server.seeded["soon"]
    with chromium() as browser:
        agent = sign_in(browser, server, "ana")
        violations = collect_csp_violations(agent)
        agent.goto(f"{server.url}/inbox/?view=open")

        expect(agent.locator(f"#row-{overdue} .sla-badge")).to_have_text("SLA breached")
        expect(agent.locator(f"#row-{soon} .sla-badge")).to_contain_text("SLA due in")

        agent.get_by_role("link", name="SLA breached").click()
        expect(agent.get_by_role("heading", name="SLA breached", level=1)).to_be_visible()
        expect(agent.locator(f"#row-{overdue}")).to_be_visible()
        expect(agent.locator(f"#row-{soon}")).to_have_count(0)

        agent.locator(f"#row-{overdue} a.row-link").click()
        panel = agent.locator("#sla-panel")
        expect(panel).to_contain_text("Policy: Gold", timeout=TIMEOUT_MS)
        first_reply = panel.locator('[data-metric="first_reply"]')
        expect(first_reply).to_contain_text("breached by 35 min")
        expect(panel.locator('[data-metric="resolution"]')).to_contain_text("left")
        expect(
            agent.get_by_text("SLA breached: First reply target of the policy Gold")
        ).to_be_visible()
        assert violations == []
