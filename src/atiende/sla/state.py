"""Which policy applies to a conversation, its clocks read from the event log, and the stored
SLA state (`ConversationSLA`) kept in step with them.

`clocks_for(conversation)` reads the active policies, the target, the inbox's hours, the
conversation's events of the kinds that move a clock and its messages' times (five to eight
small queries, whatever the conversation's length but for its events and messages).
A message's own time counts rather than its event's, so history imported with its real times
(the demo, a bulk import) replays as it happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from atiende.conversations.models import Conversation, Direction, Message
from atiende.core.models import Event
from atiende.sla import clocks as clock_rules
from atiende.sla.clocks import Clocks, Step
from atiende.sla.hours import Hours, hours_for
from atiende.sla.models import ConversationSLA, Metric, Outcome, Policy, Target

BREACHED = "sla.breached"
# The event kinds that move a clock (subscribed in apps.py; a new conversation's first message
# starts its clocks), and the breach records.
CLOCK_KINDS = (
    "message.created",
    "conversation.status_changed",
    "conversation.priority_changed",
    "conversation.merged_away",
)


@dataclass(frozen=True)
class Applied:
    policy: Policy
    targets: dict[str, int]
    hours: Hours
    clocks: Clocks
    recorded: set[str]  # clock keys whose breach is on the log


def policy_for(inbox_id: int, priority: str) -> Policy | None:
    """The first active policy, by position, for this inbox and priority."""
    policies = list(Policy.objects.filter(is_active=True).prefetch_related("inboxes"))
    for policy in policies:
        inbox_ids = {inbox.pk for inbox in policy.inboxes.all()}
        if policy.matches(inbox_id, priority, inbox_ids):
            return policy
    return None


def targets_for(policy: Policy, priority: str) -> dict[str, int]:
    target = Target.objects.filter(policy=policy, priority=priority).first()
    return target.seconds() if target is not None else {}


def history(conversation: Conversation) -> tuple[list[Step], set[str]]:
    """The steps of the clocks, in log order, and the keys of the breaches recorded."""
    events = list(
        Event.objects.filter(
            conversation_id=conversation.pk, kind__in=(*CLOCK_KINDS, BREACHED)
        ).values_list("kind", "created_at", "data", "actor_user_id")
    )
    message_times = dict(
        Message.objects.filter(conversation_id=conversation.pk).values_list("pk", "created_at")
    )
    steps: list[Step] = []
    recorded: set[str] = set()
    for kind, created_at, data, actor_user_id in events:
        data = data or {}
        if kind == BREACHED:
            recorded.add(str(data.get("key", "")))
        elif kind == "message.created":
            at = message_times.get(int(data.get("message_id") or 0), created_at)
            direction = data.get("direction")
            if direction == Direction.INBOUND:
                steps.append(Step(at, clock_rules.CUSTOMER))
            elif direction == Direction.OUTBOUND and actor_user_id is not None:
                steps.append(Step(at, clock_rules.AGENT))
        elif kind == "conversation.status_changed":
            steps.append(Step(created_at, clock_rules.STATUS, str(data.get("to", ""))))
        elif kind == "conversation.merged_away":
            steps.append(Step(created_at, clock_rules.GONE))
    return _in_time_order(steps), recorded


def _in_time_order(steps: list[Step]) -> list[Step]:
    """A step is never later than the message that follows it in the log (imported history
    carries its messages' real times, its other events the time of the import)."""
    bound: datetime | None = None
    ordered: list[Step] = []
    for step in reversed(steps):
        at = step.at if bound is None else min(step.at, bound)
        if step.kind in {clock_rules.CUSTOMER, clock_rules.AGENT}:
            bound = at
        ordered.append(Step(at, step.kind, step.status))
    ordered.reverse()
    return ordered


def clocks_for(conversation: Conversation, now: datetime | None = None) -> Applied | None:
    """The conversation's clocks under the policy that applies now (None: no policy)."""
    policy = policy_for(conversation.inbox_id, conversation.priority)
    if policy is None:
        return None
    targets = targets_for(policy, conversation.priority)
    hours = hours_for(conversation.inbox_id, policy.business_hours)
    steps, recorded = history(conversation)
    clocks = clock_rules.replay(steps, targets, hours, now or timezone.now())
    return Applied(policy, targets, hours, clocks, recorded)


def refresh(conversation_id: int, now: datetime | None = None) -> ConversationSLA | None:
    """Recompute and store the conversation's SLA state (delete it when no policy applies)."""
    with transaction.atomic():
        conversation = Conversation.objects.filter(pk=conversation_id).first()
        if conversation is None:
            return None
        applied = clocks_for(conversation, now)
        if applied is None or not applied.targets:
            ConversationSLA.objects.filter(conversation_id=conversation_id).delete()
            return None
        return store(conversation, applied)


def store(conversation: Conversation, applied: Applied) -> ConversationSLA:
    clocks = applied.clocks
    first = clocks.first_reply
    resolution = clocks.resolution
    state, _created = ConversationSLA.objects.update_or_create(
        conversation=conversation,
        defaults={
            "policy": applied.policy,
            "priority": conversation.priority,
            "next_due_at": clocks.next_due(),
            "alert_at": clocks.alert_due(applied.recorded),
            "first_reply": first.outcome if first else Outcome.NONE,
            "resolution": resolution.outcome if resolution else Outcome.NONE,
            "next_reply_breaches": sum(
                1 for clock in clocks.next_replies if clock.breached_at is not None
            ),
            "updated_at": timezone.now(),
        },
    )
    return state


METRICS = dict(Metric.choices)
