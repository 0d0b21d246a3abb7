"""The account world of tests/accounts (plans, a linked customer, a charge, agent, supervisor,
admin), with activity events, and clients signed in as each of them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from atiende.accounts.models import ActivityEvent
from atiende.people.models import User
from tests.accounts.conftest import AccountWorld, build_world
from tests.factories import Factory


@pytest.fixture
def world(factory: Factory) -> AccountWorld:
    world = build_world(factory)
    now = timezone.now()
    for number, (kind, error, device, code) in enumerate(
        [
            ("playback", True, "Pixel 8", "E_DRM_4012"),
            ("device_sync", False, "iPad", ""),
            ("login", False, "Pixel 8", ""),
        ]
    ):
        ActivityEvent.objects.create(
            account=world.account,
            event_id=f"ev-{number}",
            kind=kind,
            occurred_at=now - timedelta(hours=number + 1),
            is_error=error,
            device=device,
            app_version="8.9.1",
            country="MX",
            code=code,
            message="Playback failed" if error else "",
        )
    return world


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
