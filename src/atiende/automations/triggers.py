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

from typing import Any

from atiende.automations import apply, conditions
from atiende.automations.models import Rule, Trigger
from atiende.conversations.models import Conversation, Direction, Message
from atiende.core import hooks, tasks
from atiende.core.models import Event

APPLY = "automations.apply"

UPDATED_KINDS = (
    "conversation.status_changed",
    "conversation.priority_changed",
    "conversation.assigned",
)


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
    # Ordered by position: queued (and so run) in that order.
    rule_ids = list(Rule.objects.filter(active=True, trigger=trigger).values_list("pk", flat=True))
    if not rule_ids:
        return
    if trigger == Trigger.UPDATED and apply.is_automation_actor(event.actor_user_id):
        return  # an automation's own change: never a trigger (no loops)
    for rule_id in rule_ids:
        tasks.enqueue(
            APPLY,
            {
                "rule_id": rule_id,
                "event_id": event.pk,
                "conversation_id": event.conversation_id,
                "message_id": event.data.get("message_id"),
            },
            key=f"automation:{rule_id}:{event.pk}",
        )


@tasks.task(APPLY)
def apply_task(payload: dict[str, Any]) -> None:
    rule = Rule.objects.filter(pk=payload["rule_id"], active=True).first()
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
    hooks.subscribe("conversation.created", on_conversation_created)
    hooks.subscribe("message.created", on_message_created)
    for kind in UPDATED_KINDS:
        hooks.subscribe(kind, on_conversation_updated)
    from atiende.automations import timed  # registers the hourly check

    timed.register()
