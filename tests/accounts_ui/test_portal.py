"""The customer's self-service in the portal: plan, invoices (their own, as a download),
refunds, change plan and cancel with a preview first, and the access page where they answer
requests, revoke grants and read every use."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from atiende.accounts.models import Account, Invoice, Plan, Subscription
from atiende.accounts.views.forms import CANCEL_REASONS
from atiende.accounts.views.portal import CUSTOMER_CANCEL_REASONS
from atiende.consent import grants
from atiende.consent.models import Grant, GrantStatus
from tests.accounts.conftest import AccountWorld, link_account
from tests.accounts_ui.conftest import signed_in
from tests.factories import Factory
from tests.portal.helpers import sign_in


@pytest.fixture
def customer(world: AccountWorld) -> Client:
    client = Client()
    sign_in(client, "maya@example.test")
    return client


def key_of(html: str) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


def test_signed_out_visitors_go_to_sign_in() -> None:
    for path in ["/portal/account/", "/portal/account/access/"]:
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"] == "/portal/"


def test_the_account_page_shows_plan_invoices_and_refunds(
    world: AccountWorld, customer: Client
) -> None:
    invoice = Invoice.objects.create(
        account=world.account,
        number="INV-0001",
        amount=1099,
        currency="USD",
        description="Sonora Individual",
    )

    html = customer.get("/portal/account/").content.decode()
    download = customer.get(f"/portal/account/invoices/{invoice.pk}/")

    assert "Individual" in html
    assert "INV-0001" in html
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "INV-0001" in download.content.decode()


def test_another_customers_invoice_is_404(
    factory: Factory, world: AccountWorld, customer: Client
) -> None:
    other = factory.contact(email="zoe@example.test")
    account = link_account(other, external_id="zoe-1", plan=Plan.objects.get(code="duo"))
    invoice = Invoice.objects.create(
        account=account, number="INV-ZOE", amount=1499, currency="USD", description="Duo"
    )

    assert customer.get(f"/portal/account/invoices/{invoice.pk}/").status_code == 404


def test_changing_the_plan_shows_a_preview_then_does_it_once(
    world: AccountWorld, customer: Client
) -> None:
    preview = customer.post("/portal/account/plan/", {"plan": "duo"})
    html = preview.content.decode()

    assert preview.status_code == 200
    assert "You pay" in html
    assert Subscription.objects.get(account=world.account).plan.code == "individual"
    data = {"plan": "duo", "idempotency_key": key_of(html)}
    customer.post("/portal/account/plan/", data)
    customer.post("/portal/account/plan/", data)
    assert Subscription.objects.get(account=world.account).plan.code == "duo"


def test_cancelling_with_a_preview(world: AccountWorld, customer: Client) -> None:
    preview = customer.post("/portal/account/cancel/", {"reason": "too_expensive"})
    done = customer.post(
        "/portal/account/cancel/",
        {"reason": "too_expensive", "idempotency_key": key_of(preview.content.decode())},
        follow=True,
    )

    assert done.status_code == 200
    assert Subscription.objects.get(account=world.account).cancel_at_period_end


def test_the_customer_gives_the_reasons_in_their_own_words(
    world: AccountWorld, customer: Client
) -> None:
    # The agent's wording ("No lo usa lo suficiente": said of the customer) was shown to them.
    html = customer.get("/portal/account/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert '<option value="not_using">No lo uso lo suficiente</option>' in html
    assert '<option value="switching">Me cambio a otro servicio</option>' in html
    assert "No lo usa" not in html
    assert [code for code, _label in CUSTOMER_CANCEL_REASONS] == [
        code for code, _label in CANCEL_REASONS
    ]


def test_a_free_plan_offers_no_cancelling(world: AccountWorld, customer: Client) -> None:
    # Its preview could only answer "A free plan has nothing to cancel."
    Subscription.objects.filter(account=world.account).update(plan=Plan.objects.get(code="free"))

    html = customer.get("/portal/account/").content.decode()

    assert "Your plan" in html
    assert "Cancel the subscription" not in html


def test_a_customer_without_a_linked_account_is_told_so(factory: Factory) -> None:
    factory.contact(email="nobody@example.test")
    client = Client()
    sign_in(client, "nobody@example.test")

    html = client.get("/portal/account/").content.decode()

    assert "could not find an account" in html
    assert not Account.objects.exists()


def test_the_access_page_answers_revokes_and_lists_every_use(
    world: AccountWorld, customer: Client
) -> None:
    grant = grants.request_grant(
        world.agent,
        world.contact,
        scope="activity",
        duration=timedelta(hours=1),
        reason="Songs stop after ten seconds",
        conversation=world.conversation,
    )
    pending = customer.get("/portal/account/access/").content.decode()
    customer.post(f"/portal/account/access/{grant.pk}/approve/")
    grants.record_use(Grant.objects.get(pk=grant.pk), "activity.read", "errors only, 24h")
    active = customer.get("/portal/account/access/").content.decode()
    customer.post(f"/portal/account/access/{grant.pk}/revoke/")

    assert "Songs stop after ten seconds" in pending
    assert "Approve access" in pending
    assert "Viewed your activity log: errors only, 24h" in active
    assert "Revoke access" in active
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.REVOKED


def test_the_agent_s_repeated_reads_show_once_with_a_count(
    world: AccountWorld, customer: Client
) -> None:
    grant = grants.request_grant(
        world.agent,
        world.contact,
        scope="activity",
        duration=timedelta(hours=1),
        reason="Songs stop",
        conversation=world.conversation,
    )
    grants.approve_grant(world.contact, grant.pk)
    agent = signed_in(world.agent)
    for _reload in range(3):  # the panel reloading as the conversation moves
        assert agent.get(f"/inbox/c/{world.conversation.pk}/account/access/").status_code == 200
    agent.get(f"/inbox/c/{world.conversation.pk}/account/activity/?only_errors=on&window=7d")

    page = customer.get("/portal/account/access/").content.decode()
    mine = customer.get("/api/grants/mine").json()

    assert page.count("Viewed your activity log") == 2  # all of it, and errors only
    assert "(3 times, last at" in page
    assert sorted(use["count"] for use in mine[0]["uses"]) == [1, 3]


def test_the_access_page_denies(world: AccountWorld, customer: Client) -> None:
    grant = grants.request_grant(
        world.agent, world.contact, scope="settings", duration=timedelta(hours=1), reason="x"
    )

    customer.post(f"/portal/account/access/{grant.pk}/deny/")

    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.DENIED


def test_another_customers_grant_is_404_on_every_action(
    factory: Factory, world: AccountWorld
) -> None:
    grant = grants.request_grant(
        world.agent, world.contact, scope="activity", duration=timedelta(hours=1), reason="x"
    )
    factory.contact(email="eve@example.test")
    eve = Client()
    sign_in(eve, "eve@example.test")

    for verb in ["approve", "deny", "revoke"]:
        assert eve.post(f"/portal/account/access/{grant.pk}/{verb}/").status_code == 404
    assert "grant-" not in eve.get("/portal/account/access/").content.decode()
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.PENDING
