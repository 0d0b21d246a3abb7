"""End to end: the account panel keeps what the agent has under way when it reloads.

The access box beside a conversation is reloaded from the server whenever something happens
in the conversation (a message, a revoke, an expiry), and the whole panel when the agent is
not working in it. An agent half-way through a "Request access" form must find it still open,
with the scope they chose and the reason they typed, after either reload.
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

# A customer with an account and a grant in force on the account settings (so the activity
# log can still be requested, and the panel reloads the access box on every event).
SEED = seed("settings_granted")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with server_database(tmp_path) as env, running_server(env, tmp_path, seed=SEED) as running:
        yield running


def customer_page(browser: Browser, server: Server) -> Page:
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    page.goto(server.url + server.seeded["customer_link"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.url}/portal/requests/", timeout=TIMEOUT_MS)
    page.goto(f"{server.url}/portal/requests/{server.seeded['conversation']}/")
    return page


def customer_writes(customer: Page, text: str) -> None:
    customer.get_by_label("Your answer").fill(text)
    customer.get_by_role("button", name="Send").click()
    expect(customer.get_by_text(text)).to_be_visible(timeout=TIMEOUT_MS)


def expect_request_form_kept(agent: Page) -> None:
    panel = agent.locator("#account-panel")
    expect(panel.get_by_label("Reason (the customer reads it)")).to_be_visible()
    expect(panel.get_by_label("Reason (the customer reads it)")).to_have_value(
        "To see why your songs stop"
    )
    expect(panel.get_by_label("Access to")).to_have_value("activity")
    expect(panel.get_by_label("For", exact=True)).to_have_value("60")


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_a_reload_keeps_the_open_request_form_and_what_was_typed(server: Server) -> None:
    with chromium() as browser:
        agent = sign_in(browser, server, "ana")
        violations = collect_csp_violations(agent)
        agent.goto(f"{server.url}/inbox/c/{server.seeded['conversation']}/")
        panel = agent.locator("#account-panel")
        expect(panel.get_by_text("Individual")).to_be_visible(timeout=TIMEOUT_MS)
        expect(panel.locator(".grant-banner")).to_contain_text("Account settings")
        agent.evaluate("window.atiendeNoReload = true")
        customer = customer_page(browser, server)

        panel.get_by_text("Request access").click()
        panel.get_by_label("Access to").select_option("activity")
        panel.get_by_label("For", exact=True).select_option("60")
        panel.get_by_label("Reason (the customer reads it)").fill("To see why your songs stop")

        # Typing in the panel while a grant is shown: the access box alone is reloaded.
        with agent.expect_response(lambda r: r.url.endswith("/account/access/")):
            customer_writes(customer, "It happened again on my phone")
        expect(agent.get_by_text("It happened again on my phone")).to_be_visible(timeout=TIMEOUT_MS)
        expect_request_form_kept(agent)

        # Working elsewhere on the page: the whole panel is reloaded.
        agent.locator("#composer textarea").first.click()
        with agent.expect_response(lambda r: r.url.endswith("/account/")):
            customer_writes(customer, "And on my tablet")
        expect(agent.get_by_text("And on my tablet")).to_be_visible(timeout=TIMEOUT_MS)
        expect_request_form_kept(agent)

        # The request still goes out with what was kept.
        panel.get_by_role("button", name="Send the request").click()
        expect(panel.get_by_text("waiting for the customer")).to_be_visible(timeout=TIMEOUT_MS)
        assert agent.evaluate("window.atiendeNoReload") is True
        assert violations == []
