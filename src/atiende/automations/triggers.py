"""From events to rule firings.

Subscribers (after commit, quick): an event of a triggering kind queues one task per active
rule of that trigger, keyed `automation:<rule>:<event id>` so a repeated event or a second
worker applies nothing twice (and `Firing`'s unique key makes the task itself idempotent).
The task reads the conversation as it is then, checks the rule's conditions and applies it.

Loop safety: changes made by an automation (events whose actor is the automation user) never
fire "conversation updated" rules, and an automation's reply is not a customer message; so no
rule can wake another, or itself, in a chain.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from atiende.automations import apply, conditions
from atiende.automations.models import Rule, Trigger
from atiende.conversations.models import Conversation, Direction, Message
from atiende.core import hooks, tasks
from atiende.core.models import Event

APPLY = "automations.apply"

RULES_SECONDS = 30.0
_rules: dict[str, tuple[float, tuple[int, ...]]] = {}

UPDATED_KINDS = (
    "conversation.status_changed",
    "conversation.priority_changed",
    "conversation.assigned",
)


def active_rules(trigger: str) -> tuple[int, ...]:
    """The active rules of `trigger` by position (queued, and so run, in that order).

    Asked on every message: kept per process for `RULES_SECONDS` (a rule saved in another
    process applies within that time; one saved here, at once). The task reads the rule again,
    so one deactivated meanwhile does nothing."""
    now = time.monotonic()
    cached = _rules.get(trigger)
    if cached is not None and cached[0] > now:
        return cached[1]
    ids = tuple(Rule.objects.filter(active=True, trigger=trigger).values_list("pk", flat=True))
    _rules[trigger] = (now + RULES_SECONDS, ids)
    return ids


def forget_rules() -> None:
    _rules.clear()


def _rule_changed(**_kwargs: object) -> None:
    forget_rules()
    transaction.on_commit(forget_rules)  # and once the change is visible to the next read


def on_conversation_created(event: Event) -> None:
    _queue(event, Trigger.CREATED)


def on_message_created(event: Event) -> None:
    if event.data.get("direction") != Direction.INBOUND:
        return
    _queue(event, Trigger.MESSAGE)


def on_conversation_updated(event: Event) -> None:
    _queue(event, Trigger.UPDATED)


def _queue(event: Event, trigger: str) -> None:
    if event.conversation_id is None:
        return
    rule_ids = active_rules(trigger)
    if not rule_ids:
        return
    if trigger == Trigger.UPDATED and apply.is_automation_actor(event.actor_user_id):
        return  # an automation's own change: never a trigger (no loops)
    for rule_id in rule_ids:
        tasks.enqueue(
            APPLY,
            {
                "rule_id": rule_id,
                "trigger": trigger,
                "event_id": event.pk,
                "conversation_id": event.conversation_id,
                "message_id": event.data.get("message_id"),
            },
            key=f"automation:{rule_id}:{event.pk}",
        )


@tasks.task(APPLY)
def apply_task(payload: dict[str, Any]) -> None:
    rule = Rule.objects.filter(
        pk=payload["rule_id"], active=True, trigger=payload["trigger"]
    ).first()
    conversation = (
        Conversation.objects.select_related("inbox", "contact")
        .filter(pk=payload["conversation_id"], merged_into__isnull=True)
        .first()
    )
    if rule is None or conversation is None:
        return
    text = None
    if rule.trigger == Trigger.MESSAGE and payload.get("message_id"):
        message = Message.objects.filter(pk=payload["message_id"]).only("body_text").first()
        text = message.body_text if message else ""
    if not conditions.holds(rule, conversation, text=text):
        return
    event_id = int(payload["event_id"])
    apply.apply(rule, conversation, key=f"event:{event_id}", event_id=event_id)


def connect() -> None:
    post_save.connect(_rule_changed, sender=Rule, dispatch_uid="automations-rule-save")
    post_delete.connect(_rule_changed, sender=Rule, dispatch_uid="automations-rule-delete")
    hooks.subscribe("conversation.created", on_conversation_created)
    hooks.subscribe("message.created", on_message_created)
    for kind in UPDATED_KINDS:
        hooks.subscribe(kind, on_conversation_updated)
    from atiende.automations import timed  # registers the hourly check

    timed.register()
