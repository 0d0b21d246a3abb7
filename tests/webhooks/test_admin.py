"""The webhooks admin: the secret shown once on its own page, masked everywhere else; test
pings, the delivery log with each attempt, redeliveries, why an endpoint was disabled."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from atiende.core import tasks
from atiende.core.models import Event
from atiende.people.models import Role, User
from atiende.webhooks import actions
from atiende.webhooks.models import Delivery, DeliveryStatus, Endpoint
from tests.factories import Factory
from tests.webhooks.conftest import Answer, Receiver


@pytest.fixture
def admin_user(transactional_db: None) -> User:
    return Factory().user(role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_adding_an_endpoint_shows_its_secret_once(
    admin_client: Client, admin_user: User, receiver: Receiver
) -> None:
    response = admin_client.post(
        reverse("admin:webhooks_endpoint_add"),
        {
            "url": receiver.url,
            "description": "CRM",
            "kinds": ["message.created"],
            "is_active": "on",
        },
    )

    endpoint = Endpoint.objects.get()
    assert response.status_code == 200
    assert endpoint.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert endpoint.kinds == ["message.created"]
    assert endpoint.created_by == admin_user
    assert Event.objects.filter(kind="webhook.endpoint_created").count() == 1
    page = admin_client.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]))
    assert page.status_code == 200
    assert endpoint.secret not in page.content.decode()
    assert endpoint.secret[:10] + "•" in page.content.decode()


def test_the_form_refuses_unknown_schemes(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:webhooks_endpoint_add"),
        {"url": "ftp://files.example/x", "kinds": ["*"], "is_active": "on"},
    )

    assert response.status_code == 200
    assert not Endpoint.objects.exists()


def test_rotating_shows_the_new_secret(admin_client: Client, endpoint: Endpoint) -> None:
    old = endpoint.secret

    response = admin_client.post(
        reverse("admin:webhooks_endpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )

    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.previous_secret == old
    assert endpoint.secret in response.content.decode()
    assert old not in response.content.decode()


def test_ping_then_the_log_and_a_redelivery(
    admin_client: Client, endpoint: Endpoint, receiver: Receiver
) -> None:
    receiver.answer(Answer(500, body=b"database down"))

    admin_client.post(
        reverse("admin:webhooks_endpoint_changelist"),
        {"action": "send_test_ping", "_selected_action": [endpoint.pk]},
    )
    tasks.drain()
    ping = Delivery.objects.get()
    log = admin_client.get(reverse("admin:webhooks_delivery_changelist"))
    page = admin_client.get(reverse("admin:webhooks_delivery_change", args=[ping.pk]))
    admin_client.post(
        reverse("admin:webhooks_delivery_changelist"),
        {"action": "redeliver", "_selected_action": [ping.pk]},
    )
    tasks.drain()

    assert ping.status == DeliveryStatus.FAILED  # a manual delivery is one attempt
    assert log.status_code == 200
    assert "webhook.ping" in log.content.decode()
    assert page.status_code == 200
    assert "database down" in page.content.decode()
    assert "500" in page.content.decode()
    assert len(receiver.requests) == 2
    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED, manual=True).count() == 1


def test_the_changelist_says_why_an_endpoint_was_disabled(
    admin_client: Client, receiver: Receiver, settings: Any
) -> None:
    settings.ATIENDE_WEBHOOKS_DISABLE_AFTER = 1
    actions.create_endpoint(None, url=receiver.url, kinds=["conversation.created"])
    receiver.answer(Answer(403))
    Factory().conversation()
    tasks.drain()

    page = admin_client.get(reverse("admin:webhooks_endpoint_changelist"))

    assert "Disabled: 1 delivery failed" in page.content.decode()
    assert "HTTP 403" in page.content.decode()
