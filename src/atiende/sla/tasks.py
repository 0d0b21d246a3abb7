"""The SLA app's event subscriber and durable tasks.

- every event that moves a clock (`state.CLOCK_KINDS`) enqueues `sla.refresh` for its
  conversation (the subscriber only enqueues: recomputing reads the log);
- `sla.check_breaches` runs every `ATIENDE_SLA_CHECK_SECONDS` (60) and records breaches;
- `sla.reapply` recomputes every active conversation, a batch per run, after a policy changed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from atiende.conversations.models import ACTIVE_STATUSES, Conversation, Direction
from atiende.core import recurring, tasks
from atiende.sla import breaches, state
from atiende.sla.models import Policy, Target

if TYPE_CHECKING:
    from atiende.core.models import Event

CHECK = "sla.check_breaches"
REFRESH = "sla.refresh"
REAPPLY = "sla.reapply"
REAPPLY_BATCH = 500
# Whether any active policy exists, remembered per process for this long (a policy saved here
# is seen at once): without one, a message costs the SLA app nothing.
POLICIES_SECONDS = 30.0
_policies: dict[str, tuple[float, bool]] = {}


def check_interval() -> int:
    """settings.ATIENDE_SLA_CHECK_SECONDS (60 unless the environment says), at least 5."""
    return max(5, int(settings.ATIENDE_SLA_CHECK_SECONDS))


def any_policy() -> bool:
    now = time.monotonic()
    found = _policies.get("any")
    if found is not None and found[0] > now:
        return found[1]
    exists = Policy.objects.filter(is_active=True).exists()
    _policies["any"] = (now + POLICIES_SECONDS, exists)
    return exists


def forget_policies() -> None:
    _policies.clear()


def on_event(event: Event) -> None:
    """After commit: recompute the conversation's clocks in a task."""
    if event.conversation_id is None:
        return
    if event.kind == "message.created" and event.data.get("direction") not in {
        Direction.INBOUND,
        Direction.OUTBOUND,
    }:
        return  # notes and automatic answers move no clock
    if not any_policy():
        return
    tasks.enqueue(
        REFRESH, {"conversation_id": event.conversation_id}, key=f"sla:refresh:{event.pk}"
    )


@tasks.task(REFRESH)
def refresh_task(payload: dict[str, Any]) -> None:
    state.refresh(int(payload["conversation_id"]))


@tasks.task(CHECK)
def check_task(payload: dict[str, Any]) -> None:
    breaches.check_breaches()
    recurring.schedule_next(CHECK)


@tasks.task(REAPPLY, lease_seconds=600)
def reapply_task(payload: dict[str, Any]) -> None:
    after = int(payload.get("after", 0))
    ids = list(
        Conversation.objects.filter(pk__gt=after, status__in=ACTIVE_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)[:REAPPLY_BATCH]
    )
    for conversation_id in ids:
        state.refresh(conversation_id)
    if len(ids) == REAPPLY_BATCH:
        with transaction.atomic():
            tasks.enqueue(
                REAPPLY,
                {"after": ids[-1], "run": payload.get("run", "")},
                key=f"sla:reapply:{payload.get('run', '')}:{ids[-1]}",
            )


def reapply_all() -> None:
    """A policy changed: recompute the active conversations (after the change commits)."""
    forget_policies()
    # One chain per second: a policy saved with its targets asks once.
    run = str(int(time.time()))
    tasks.enqueue(REAPPLY, {"after": 0, "run": run}, key=f"sla:reapply:{run}:0")


def _policy_changed(**_kwargs: object) -> None:
    reapply_all()
    transaction.on_commit(forget_policies)


def connect() -> None:
    for model in (Policy, Target):
        name = model.__name__
        post_save.connect(_policy_changed, sender=model, dispatch_uid=f"sla-{name}-save")
        post_delete.connect(_policy_changed, sender=model, dispatch_uid=f"sla-{name}-delete")
    m2m_changed.connect(
        _policy_changed, sender=Policy.inboxes.through, dispatch_uid="sla-policy-inboxes"
    )
    for kind in state.CLOCK_KINDS:
        from atiende.core import hooks

        hooks.subscribe(kind, on_event)


recurring.every(CHECK, check_interval)
