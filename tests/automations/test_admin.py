"""Supervisors write rules in the admin: the pages open, a rule with its actions is saved,
an incomplete one is refused."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atiende.automations.models import Rule
from atiende.people.models import Role
from tests.factories import Factory


@pytest.fixture
def supervisor_client(factory: Factory) -> Client:
    client = Client()
    client.force_login(factory.user(role=Role.SUPERVISOR, is_staff=True, is_superuser=True))
    return client


def _form(**fields: str) -> dict[str, str]:
    return {
        "name": "Pending 72 h",
        "active": "on",
        "position": "0",
        "trigger": "time",
        "time_condition": "pending",
        "hours": "72",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "1000",
        "actions-0-position": "0",
        "actions-0-kind": "add_note",
        "actions-0-text": "Solved after 3 days without an answer.",
        "actions-1-position": "1",
        "actions-1-kind": "set_status",
        "actions-1-value": "solved",
        **fields,
    }


@pytest.mark.django_db
def test_a_rule_with_its_actions_is_saved(supervisor_client: Client) -> None:
    add = reverse("admin:automations_rule_add")
    assert supervisor_client.get(add).status_code == 200

    response = supervisor_client.post(add, _form())

    assert response.status_code == 302
    rule = Rule.objects.get()
    assert [(action.kind, action.value) for action in rule.actions.all()] == [
        ("add_note", ""),
        ("set_status", "solved"),
    ]
    change = reverse("admin:automations_rule_change", args=[rule.pk])
    assert supervisor_client.get(change).status_code == 200
    listing = supervisor_client.get(reverse("admin:automations_rule_changelist"))
    assert "Pending 72 h" in listing.content.decode()


@pytest.mark.django_db
def test_incomplete_rules_and_actions_are_refused(supervisor_client: Client) -> None:
    add = reverse("admin:automations_rule_add")

    no_hours = supervisor_client.post(add, _form(hours=""))
    bad_status = supervisor_client.post(add, _form(**{"actions-1-value": "done"}))

    assert no_hours.status_code == 200
    assert "needs a time condition and a number of hours" in no_hours.content.decode()
    assert bad_status.status_code == 200
    assert "Choose one of: new, open, pending, solved, closed." in bad_status.content.decode()
    assert Rule.objects.count() == 0
