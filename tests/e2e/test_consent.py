"""End to end: consented access in real Chromium on the real server.

The agent requests access to the activity log from the account panel; the customer, signed in
to the portal in another browser context, approves it; the agent's open page shows the activity
log (pushed: no reload); the customer revokes, and the agent's page loses it within 2 seconds.
The customer's access page lists what the agent looked at. A second grant that runs out
disappears from the page by itself (the status check; no event announces an expiry before the
expiry task runs).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

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

# A music-streaming customer linked by a verified email, with playback errors in the log.
SEED = seed("playback_errors")


# Shortens the grant in force to one more second (as if its hour were up).
EXPIRE_SOON = """
import json
from datetime import timedelta
from django.utils import timezone
from atiende.consent.models import Grant
count = Grant.objects.filter(status="active").update(
    expires_at=timezone.now() + timedelta(seconds=1)
)
print(json.dumps({"shortened": count}))
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with server_database(tmp_path) as env, running_server(env, tmp_path, seed=SEED) as running:
        yield running


def customer_page(browser: Browser, server: Server) -> Page:
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    page.goto(server.url + server.seeded["customer_link"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.url}/portal/requests/", timeout=TIMEOUT_MS)
    return page


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_customer_approves_and_revokes_and_the_agents_page_follows(server: Server) -> None:
    with chromium() as browser:
        agent = sign_in(browser, server, "ana")
        violations = collect_csp_violations(agent)
        agent.goto(f"{server.url}/inbox/c/{server.seeded['conversation']}/")
        panel = agent.locator("#account-panel")
        expect(panel.get_by_text("Individual")).to_be_visible(timeout=TIMEOUT_MS)
        activity = agent.locator("#account-activity")
        expect(activity).to_have_count(0)

        panel.get_by_text("Request access").click()
        panel.get_by_label("Access to").select_option("activity")
        panel.get_by_label("For", exact=True).select_option("60")
        panel.get_by_label("Reason (the customer reads it)").fill(
            "To see why your songs stop after ten seconds"
        )
        panel.get_by_role("button", name="Send the request").click()
        expect(panel.get_by_text("waiting for the customer")).to_be_visible(timeout=TIMEOUT_MS)
        agent.evaluate("window.atiendeNoReload = true")

        customer = customer_page(browser, server)
        customer.goto(f"{server.url}/portal/account/access/")
        expect(customer.get_by_text("To see why your songs stop")).to_be_visible()
        customer.get_by_role("button", name="Approve access").click()
        expect(customer.get_by_text("Access approved.")).to_be_visible()

        # Pushed to the agent's open page: the banner, then the log itself.
        expect(panel.locator(".grant-banner")).to_contain_text("Time left", timeout=TIMEOUT_MS)
        expect(activity.get_by_text("E_DRM_4012")).to_be_visible(timeout=TIMEOUT_MS)
        activity.get_by_label("Device").select_option("iPad")
        expect(activity.get_by_text("E_DRM_4012")).to_have_count(0, timeout=TIMEOUT_MS)
        expect(activity.get_by_text("device_sync")).to_be_visible()

        customer.reload()
        expect(customer.get_by_text("Viewed your activity log").first).to_be_visible()
        customer.get_by_role("button", name="Revoke access").click()
        expect(customer.get_by_text("Access revoked.")).to_be_visible()
        expect(activity).not_to_be_visible(timeout=2000)
        expect(panel.locator(".grant-banner")).to_have_count(0, timeout=2000)

        # The page was never reloaded, and the server agrees: the fragment is refused.
        assert agent.evaluate("window.atiendeNoReload") is True
        status = agent.evaluate(
            "url => fetch(url).then(r => r.status)",
            f"/inbox/c/{server.seeded['conversation']}/account/activity/",
        )
        assert status == 403

        # A second grant that runs out: no event announces it, the page's status check does.
        # The revoke also reloads the access box, maybe while the form is being opened: the
        # reload keeps it open (and what is typed in it).
        panel.get_by_text("Request access").click()
        panel.get_by_label("Reason (the customer reads it)").fill("One more look at the errors")
        panel.get_by_role("button", name="Send the request").click()
        expect(panel.get_by_text("waiting for the customer")).to_be_visible(timeout=TIMEOUT_MS)
        customer.goto(f"{server.url}/portal/account/access/")
        customer.get_by_role("button", name="Approve access").click()
        expect(activity.get_by_text("E_DRM_4012")).to_be_visible(timeout=TIMEOUT_MS)
        server.shell(EXPIRE_SOON)
        expect(activity).not_to_be_visible(timeout=4000)
        assert agent.evaluate("window.atiendeNoReload") is True
        assert violations == []
