"""Helpers for the automation tests: rules with their actions."""

from __future__ import annotations

from typing import Any

from atiende.automations.models import Action, Rule
from atiende.core.models import Event


def rule(name: str, trigger: str, actions: list[dict[str, Any]], **conditions: Any) -> Rule:
    """A rule with `actions` (each the fields of one `Action`), in that order."""
    created = Rule.objects.create(name=name, trigger=trigger, **conditions)
    for position, fields in enumerate(actions):
        Action.objects.create(rule=created, position=position, **fields)
    return created


def applied(conversation_id: int) -> list[Event]:
    return list(Event.objects.filter(kind="automation.applied", conversation_id=conversation_id))
