"""The REST API for webhooks: admins only, the secret in the create and rotate answers alone,
and every route in this file's matrix."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from atiende.api.tokens import create_token
from atiende.core import callbacks, tasks
from atiende.people.models import Role
from atiende.webhooks.models import Delivery, Endpoint
from tests.factories import Factory
from tests.webhooks.conftest import Receiver


def client(role: str) -> Client:
    if role == "anonymous":
        return Client()
    user = Factory().user(role=role)
    return Client(headers={"Authorization": f"Bearer {create_token(user)[1]}"})


def call(who: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        return getattr(who, method)(path)
    return getattr(who, method)(path, json.dumps(body), content_type="application/json")


def test_an_admin_creates_an_endpoint_and_sees_its_secret_once(db: None) -> None:
    admin = client(Role.ADMIN)

    created = call(
        admin,
        "post",
        "/api/webhooks/endpoints",
        {
            "url": "https://crm.example.com/hooks",
            "kinds": ["message.created"],
            "description": "CRM",
        },
    )

    assert created.status_code == 201, created.content
    body = created.json()
    endpoint = Endpoint.objects.get()
    assert body["secret"] == endpoint.secret
    assert body["secret"].startswith("whsec_")
    assert body["kinds"] == ["message.created"]
    read = call(admin, "get", f"/api/webhooks/endpoints/{endpoint.pk}").json()
    assert "secret" not in read
    assert read["secret_hint"].endswith("•" * 12)
    assert endpoint.secret not in json.dumps(call(admin, "get", "/api/webhooks/endpoints").json())


def test_rotation_answers_the_new_secret_and_keeps_the_old_one_signing(db: None) -> None:
    admin = client(Role.ADMIN)
    created = call(
        admin, "post", "/api/webhooks/endpoints", {"url": "https://x.example/h", "kinds": ["*"]}
    ).json()

    rotated = call(admin, "post", f"/api/webhooks/endpoints/{created['id']}/rotate-secret")

    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    endpoint = Endpoint.objects.get()
    assert endpoint.signing_secrets() == [rotated.json()["secret"], created["secret"]]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"url": "ftp://files.example/x", "kinds": ["*"]}, "https://"),
        ({"url": "https://x.example/h", "kinds": ["message.exploded"]}, "message.exploded"),
        ({"url": "http://[::1/hooks", "kinds": ["*"]}, "https://"),
        ({"url": "https://x.example:99999/h", "kinds": ["*"]}, "https://"),
    ],
)
def test_bad_input_is_refused(db: None, body: dict[str, Any], detail: str) -> None:
    response = call(client(Role.ADMIN), "post", "/api/webhooks/endpoints", body)

    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"url": "https://x.example/h", "kinds": ["*"], "secret": "mine"},
        {"url": "https://x.example/\u0000", "kinds": ["*"]},
        {"url": "https://x.example/h", "kinds": []},
    ],
)
def test_invalid_bodies_are_refused(db: None, body: dict[str, Any]) -> None:
    response = call(client(Role.ADMIN), "post", "/api/webhooks/endpoints", body)

    assert response.status_code == 422
    assert not Endpoint.objects.exists()


def test_patch_disables_reenables_and_changes_the_inbox_filter(db: None) -> None:
    admin = client(Role.ADMIN)
    inbox = Factory().inbox()
    created = call(
        admin, "post", "/api/webhooks/endpoints", {"url": "https://x.example/h", "kinds": ["*"]}
    ).json()
    Endpoint.objects.filter(pk=created["id"]).update(
        is_active=False, disabled_reason="5 failed", consecutive_failures=5
    )
    path = f"/api/webhooks/endpoints/{created['id']}"

    patched = call(admin, "patch", path, {"is_active": True, "inbox_id": inbox.pk}).json()

    assert patched["is_active"] is True
    assert patched["disabled_reason"] == ""
    assert patched["consecutive_failures"] == 0
    assert patched["inbox_id"] == inbox.pk
    assert call(admin, "patch", path, {"inbox_id": None}).json()["inbox_id"] is None
    assert call(admin, "patch", path, {"inbox_id": 999999}).status_code == 404


def test_ping_delivery_log_and_redelivery(transactional_db: None, receiver: Receiver) -> None:
    admin = client(Role.ADMIN)
    created = call(
        admin, "post", "/api/webhooks/endpoints", {"url": receiver.url, "kinds": ["*"]}
    ).json()

    queued = call(admin, "post", f"/api/webhooks/endpoints/{created['id']}/ping")
    tasks.drain()
    log = call(admin, "get", f"/api/webhooks/endpoints/{created['id']}/deliveries").json()
    again = call(admin, "post", f"/api/webhooks/deliveries/{queued.json()['id']}/redeliver")
    tasks.drain()

    assert queued.status_code == 202
    assert queued.json()["status"] == "pending"
    [ping] = log["results"]
    assert ping["status"] == "succeeded"
    assert ping["log"][0]["status_code"] == 200
    assert ping["log"][0]["response_body"] == "ok"
    assert again.status_code == 202
    assert len(receiver.requests) == 2
    first = receiver.requests[0]
    assert callbacks.verify([created["secret"]], first.headers["x-atiende-signature"], first.body)
    assert Delivery.objects.count() == 2


ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT, "anonymous")


def routes(endpoint: Endpoint, delivery: Delivery) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/api/webhooks/endpoints/{endpoint.pk}"
    return [
        ("get", "/api/webhooks/kinds", None),
        ("get", "/api/webhooks/endpoints", None),
        ("post", "/api/webhooks/endpoints", {"url": "https://y.example/h", "kinds": ["*"]}),
        ("get", base, None),
        ("patch", base, {"description": "renamed"}),
        ("post", f"{base}/rotate-secret", None),
        ("post", f"{base}/ping", None),
        ("get", f"{base}/deliveries", None),
        ("post", f"/api/webhooks/deliveries/{delivery.uuid}/redeliver", None),
        ("delete", base, None),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_reach_any_webhook_route(db: None, role: str) -> None:
    endpoint = Endpoint.objects.create(url="https://x.example/h", kinds=["*"])
    delivery = Delivery.objects.create(endpoint=endpoint, kind="webhook.ping", body="{}")
    expected_ok = {"get": 200, "post": 201, "patch": 200, "delete": 204}
    who = client(role)

    statuses = [
        call(who, method, path, body).status_code
        for method, path, body in routes(endpoint, delivery)
    ]

    if role == Role.ADMIN:
        assert all(status in {*expected_ok.values(), 202} for status in statuses), statuses
    elif role == "anonymous":
        assert set(statuses) == {401}
    else:
        assert set(statuses) == {403}


def test_the_matrix_covers_every_documented_webhook_route(db: None) -> None:
    document = Client().get("/api/openapi.json").json()
    documented = {
        (method, path)
        for path, operations in document["paths"].items()
        if path.startswith("/api/webhooks")
        for method in operations
    }
    endpoint = Endpoint.objects.create(url="https://x.example/h", kinds=["*"])
    delivery = Delivery.objects.create(endpoint=endpoint, kind="webhook.ping", body="{}")
    covered = {
        (
            method,
            path.replace(f"/{endpoint.pk}", "/{endpoint_id}").replace(
                str(delivery.uuid), "{delivery_id}"
            ),
        )
        for method, path, _body in routes(endpoint, delivery)
    }

    assert documented == covered
