"""Breaches: when a clock's due time passes, record `sla.breached` and escalate.

`check_breaches()` runs every `ATIENDE_SLA_CHECK_SECONDS` (a `core.recurring` task). It reads the
states whose `alert_at` has passed, recomputes their clocks from the log and, for each clock
breached whose breach is not on the log yet, records one `sla.breached` event (its `key` names
the clock, so a breach is recorded once); for the clocks still running it does what the policy
says: notify the assignee, and transfer the conversation to a team (`workflow.transfer`, as the
routing user).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atiende.conversations.models import Conversation
from atiende.core import events
from atiende.core.errors import ActionError
from atiende.sla import state
from atiende.sla.clocks import Clock
from atiende.sla.models import ConversationSLA, Policy

logger = logging.getLogger(__name__)

BATCH = 200
BATCHES = 10  # per run at most; the next run goes on


def check_breaches(now: datetime | None = None) -> int:
    """Record the breaches that are due; returns how many were recorded."""
    moment = now or timezone.now()
    recorded = 0
    failed: set[int] = set()
    for _batch in range(BATCHES):
        due = list(
            ConversationSLA.objects.filter(alert_at__lte=moment)
            .exclude(conversation_id__in=failed)
            .order_by("alert_at")
            .values_list("conversation_id", flat=True)[:BATCH]
        )
        for conversation_id in due:
            try:
                recorded += breach(conversation_id, moment)
            except Exception:
                # One conversation failing never stops the others; its alert stays due.
                logger.exception("could not record the SLA breach of %s", conversation_id)
                failed.add(conversation_id)
        if len(due) < BATCH:
            break
    return recorded


def breach(conversation_id: int, now: datetime) -> int:
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("assignee", "contact")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None:
            return 0
        applied = state.clocks_for(conversation, now)
        if applied is None or not applied.targets:
            ConversationSLA.objects.filter(conversation_id=conversation_id).delete()
            return 0
        late = applied.clocks.unrecorded_breaches(applied.recorded)
        for clock in late:
            record_breach(conversation, applied.policy, clock)
            applied.recorded.add(clock.key)
        state.store(conversation, applied)
        # Escalate what is still owed (a reply given late between two checks is only recorded).
        running = [clock for clock in late if clock.due is not None]
        if running:
            escalate(conversation, applied.policy, running)
    return len(late)


def record_breach(conversation: Conversation, policy: Policy, clock: Clock) -> None:
    events.record(
        state.BREACHED,
        conversation=conversation,
        data={
            "metric": clock.metric,
            "key": clock.key,
            "due_at": clock.due.isoformat() if clock.due else None,
            "policy_id": policy.pk,
            "policy": policy.name,
        },
    )


def escalate(conversation: Conversation, policy: Policy, late: list[Clock]) -> None:
    metrics = ", ".join(str(state.METRICS[clock.metric]) for clock in late)
    assignee = conversation.assignee
    if policy.notify_assignee and assignee is not None and assignee.is_active:
        from atiende.workflow import notify

        with translation.override(assignee.language or None):
            text = _("SLA breached on %(reference)s (%(metrics)s)") % {
                "reference": conversation.reference,
                "metrics": metrics,
            }
        notify.notify_agent(assignee, conversation, "sla_breached", text)
    team = policy.escalate_to_team
    if team is not None and conversation.team_id != team.pk:
        from atiende.workflow.routing import routing_actor
        from atiende.workflow.transfer import transfer

        note = _("SLA breached (%(metrics)s): transferred by the policy %(policy)s.") % {
            "metrics": metrics,
            "policy": policy.name,
        }
        try:
            transfer(routing_actor(), conversation, team=team, note=note)
        except ActionError:
            logger.warning("could not escalate conversation %s to team %s", conversation.pk, team)
