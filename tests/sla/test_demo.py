"""The Sonora demo comes with an SLA policy, and its active conversations with clocks replayed
from their imported history (the messages' own times)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from atiende.conversations.models import ACTIVE_STATUSES, Conversation
from atiende.people.models import User
from atiende.sla.models import ConversationSLA, Policy


@pytest.mark.xdist_group("demo")
@pytest.mark.django_db
def test_the_demo_has_a_policy_and_clocks_on_its_active_conversations(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    output = StringIO()
    call_command("load_demo", stdout=output)

    policy = Policy.objects.get(name="Sonora standard")
    assert policy.targets.count() == 4
    active = Conversation.objects.filter(status__in=ACTIVE_STATUSES).count()
    assert ConversationSLA.objects.count() == active
    assert ConversationSLA.objects.filter(next_due_at__isnull=False).exists()
    assert "Sonora standard" in output.getvalue()

    client = Client()
    client.force_login(User.objects.get(username="demo-supervisor"))
    page = client.get(reverse("inbox:home") + "?view=sla_breached").content.decode()
    assert "sla-badge" in page
