"""Helpers for the automation tests: rules with their actions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from atiende.automations import triggers
from atiende.automations.models import Action, Rule
from atiende.core.models import Event


@pytest.fixture(autouse=True)
def _forget_rules() -> Iterator[None]:
    """The per-process list of active rules never outlives a test (a flushed database sends no
    delete signal): the next test, here or in another app, reads the rules again."""
    triggers.forget_rules()
    yield
    triggers.forget_rules()


def rule(name: str, trigger: str, actions: list[dict[str, Any]], **conditions: Any) -> Rule:
    """A rule with `actions` (each the fields of one `Action`), in that order."""
    created = Rule.objects.create(name=name, trigger=trigger, **conditions)
    for position, fields in enumerate(actions):
        Action.objects.create(rule=created, position=position, **fields)
    return created


def applied(conversation_id: int) -> list[Event]:
    return list(Event.objects.filter(kind="automation.applied", conversation_id=conversation_id))
