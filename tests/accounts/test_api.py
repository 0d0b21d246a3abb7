"""The accounts API: agents by token, customers by portal session, the business's back end by
an admin's token; the same actions and policy as everywhere else."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from atiende.accounts.models import (
    ActivityEvent,
    Charge,
    CryptoTransaction,
    Refund,
    Subscription,
)
from atiende.api.tokens import create_token
from atiende.people.models import Contact, Role, User
from atiende.portal.session import SESSION_KEY
from tests.accounts.conftest import AccountWorld, key
from tests.factories import Factory

BASE = "/api/accounts"


@pytest.fixture(autouse=True)
def _static_from_finders(settings: Any) -> None:
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True


def agent_client(user: User) -> Client:
    _token, raw = create_token(user, "tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def customer_client(contact: Contact) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = contact.pk
    session.save()
    return client


def post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(path, body, content_type="application/json", headers=headers)


def test_agent_previews_then_refunds_once_per_key(world: AccountWorld) -> None:
    client = agent_client(world.agent)
    path = f"{BASE}/contacts/{world.contact.pk}/actions/refund"
    body = {"charge_id": "ch_1", "amount": 500, "conversation_id": world.conversation.pk}

    preview = post(client, f"{path}/preview", body)
    same = key()
    first = post(client, path, body, **{"Idempotency-Key": same})
    second = post(client, path, body, **{"Idempotency-Key": same})

    assert preview.status_code == 200, preview.json()
    assert preview.json()["amount"] == -500
    assert preview.json()["customer_notice"].startswith("We refunded $5.00")
    assert first.status_code == 200, first.json()
    assert first.json()["status"] == "done"
    assert second.json()["replayed"] is True
    assert Refund.objects.count() == 1


def test_errors_are_json_with_one_detail(world: AccountWorld) -> None:
    client = agent_client(world.agent)
    path = f"{BASE}/contacts/{world.contact.pk}/actions/refund"

    missing_key = post(client, path, {"charge_id": "ch_1"})
    negative = post(client, path, {"charge_id": "ch_1", "amount": -1}, **{"Idempotency-Key": key()})
    unknown_field = post(client, path, {"charge_id": "ch_1", "card_number": "4242"})
    unknown_verb = post(client, f"{BASE}/contacts/{world.contact.pk}/actions/drop_table", {})

    assert missing_key.status_code == 400
    assert "Idempotency-Key" in missing_key.json()["detail"]
    assert (negative.status_code, negative.json()["detail"]) == (
        400,
        "The amount cannot be negative.",
    )
    assert unknown_field.status_code == 422
    assert unknown_verb.status_code == 422
    assert Charge.objects.get(external_id="ch_1").refunded == 0


def test_an_approval_through_the_api(world: AccountWorld) -> None:
    agent, supervisor = agent_client(world.agent), agent_client(world.supervisor)
    path = f"{BASE}/contacts/{world.contact.pk}/actions/grant_credit"

    queued = post(agent, path, {"amount": 4000, "reason": "outage"}, **{"Idempotency-Key": key()})
    approval_id = queued.json()["approval_id"]
    queue = supervisor.get(f"{BASE}/approvals").json()
    refused = post(agent, f"{BASE}/approvals/{approval_id}/approve", {})
    approved = post(supervisor, f"{BASE}/approvals/{approval_id}/approve", {})

    assert queued.json()["status"] == "pending_approval"
    assert [(item["id"], item["verb"], item["amount"]) for item in queue] == [
        (approval_id, "grant_credit", 4000)
    ]
    assert refused.status_code == 403
    assert approved.json()["status"] == "done"
    assert world.account.credits.get().amount == 4000


def test_summary_and_transactions_for_agents_who_see_the_contact(
    world: AccountWorld, factory: Factory
) -> None:
    world.conversation.team = factory.team()
    world.conversation.save(update_fields=["team"])
    outsider = agent_client(factory.user(Role.AGENT, teams=[factory.team()]))
    supervisor = agent_client(world.supervisor)

    summary = supervisor.get(f"{BASE}/contacts/{world.contact.pk}/summary")
    hidden = outsider.get(f"{BASE}/contacts/{world.contact.pk}/summary")
    anonymous = Client().get(f"{BASE}/contacts/{world.contact.pk}/summary")

    assert summary.status_code == 200
    assert summary.json()["plan"]["code"] == "individual"
    assert summary.json()["payment_method"]["last4"] == "4242"
    assert hidden.status_code == 404
    assert anonymous.status_code == 401


def test_a_customer_serves_themselves_but_cannot_refund(world: AccountWorld) -> None:
    client = customer_client(world.contact)

    summary = client.get(f"{BASE}/me/summary")
    plan = post(client, f"{BASE}/me/actions/change_plan", {"plan": "duo", "idempotency_key": key()})
    refund = post(
        client, f"{BASE}/me/actions/refund", {"charge_id": "ch_1", "idempotency_key": key()}
    )
    agent_endpoint = client.get(f"{BASE}/contacts/{world.contact.pk}/summary")

    assert summary.json()["status"] == "active"
    assert plan.json()["status"] == "done"
    assert refund.status_code == 403
    assert agent_endpoint.status_code == 401
    assert not Refund.objects.exists()


def test_a_customer_downloads_only_their_own_invoices(
    world: AccountWorld, factory: Factory
) -> None:
    agent = agent_client(world.agent)
    post(
        agent,
        f"{BASE}/contacts/{world.contact.pk}/actions/change_plan",
        {"plan": "family"},
        **{"Idempotency-Key": key()},
    )
    mine = customer_client(world.contact)
    invoice = mine.get(f"{BASE}/me/invoices").json()[0]

    document = mine.get(f"{BASE}/me/invoices/{invoice['id']}/document")
    stranger = customer_client(factory.contact(email="stranger@example.test"))

    assert document.status_code == 200
    assert document["Content-Disposition"].startswith("attachment;")
    assert invoice["number"] in document.content.decode()
    assert stranger.get(f"{BASE}/me/invoices/{invoice['id']}/document").status_code == 404


def test_ingestion_is_idempotent_and_needs_an_admin_token(world: AccountWorld) -> None:
    admin, agent = agent_client(world.admin), agent_client(world.agent)
    batch = {
        "events": [
            {
                "event_id": f"ev-{number}",
                "user_id": "user-1",
                "kind": "playback_error",
                "occurred_at": "2026-11-01T10:00:00Z",
                "is_error": True,
                "device": "Pixel 8",
                "code": "E-1042",
            }
            for number in range(3)
        ]
        + [
            {
                "event_id": "ev-x",
                "user_id": "nobody",
                "kind": "login",
                "occurred_at": "2026-11-01T10:00:00Z",
            }
        ]
    }

    first = post(admin, f"{BASE}/ingest/activity", batch)
    again = post(admin, f"{BASE}/ingest/activity", batch)
    forbidden = post(agent, f"{BASE}/ingest/activity", batch)

    assert first.json() == {
        "created": 3,
        "updated": 0,
        "duplicates": 0,
        "errors": ["ev-x: unknown user_id"],
    }
    assert (again.json()["created"], again.json()["duplicates"]) == (0, 3)
    assert forbidden.status_code == 403
    assert ActivityEvent.objects.count() == 3


def test_updates_for_the_built_in_provider(world: AccountWorld) -> None:
    admin = agent_client(world.admin)
    batch = {
        "plans": [{"code": "premium", "name": "Premium", "price": 1999, "currency": "USD"}],
        "accounts": [
            {"user_id": "kr-9", "email": "Zoe@Example.test", "kind": "exchange"},
            {"user_id": "u-10", "email": "ivo@example.test", "plan": "premium"},
        ],
        "charges": [
            {
                "charge_id": "ch_1",
                "user_id": "user-1",
                "amount": 1099,
                "currency": "USD",
                "status": "failed",
            }
        ],
        "transactions": [
            {
                "transaction_id": "tx-9",
                "user_id": "kr-9",
                "kind": "withdrawal",
                "status": "confirming",
                "asset": "btc",
                "network": "bitcoin",
                "amount": 150_000,
                "tx_hash": "ab" * 32,
                "confirmations": 1,
                "required_confirmations": 6,
            }
        ],
    }

    first = post(admin, f"{BASE}/ingest/updates", batch)
    batch["transactions"][0]["confirmations"] = 3  # type: ignore[index]  # a later update
    second = post(admin, f"{BASE}/ingest/updates", batch)

    assert first.json()["errors"] == []
    assert (first.json()["created"], second.json()["created"]) == (4, 0)
    assert Subscription.objects.get(account__external_id="u-10").plan.price == 1999
    transaction = CryptoTransaction.objects.get(external_id="tx-9")
    assert (transaction.asset, transaction.confirmations) == ("BTC", 3)
    assert Charge.objects.get(external_id="ch_1").status == "failed"


def test_the_agent_ui_session_needs_its_csrf_token(world: AccountWorld) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.agent)
    path = f"{BASE}/contacts/{world.contact.pk}/actions/pause"
    body = {"months": 1, "idempotency_key": key()}

    refused = post(client, path, body)
    client.cookies["csrftoken"] = "a" * 32
    accepted = post(client, path, body, **{"X-CSRFToken": "a" * 32})

    assert refused.status_code == 403
    assert accepted.json()["status"] == "done"
