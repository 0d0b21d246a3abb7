"""The SLA part of the Sonora demo: one policy on every inbox, so a newcomer sees clocks,
badges and breaches. The policy's save queues `sla.reapply`, which the demo's final drain runs:
the active conversations get their clocks from their (imported) history."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from atiende.conversations.models import Priority
from atiende.sla.models import Policy, Target

# Minutes: first reply, next reply, resolution.
DEMO_TARGETS = {
    Priority.URGENT: (30, 60, 8 * 60),
    Priority.HIGH: (60, 2 * 60, 24 * 60),
    Priority.NORMAL: (4 * 60, 8 * 60, 3 * 24 * 60),
    Priority.LOW: (8 * 60, 24 * 60, 7 * 24 * 60),
}


def load(builder: Any) -> None:
    if Policy.objects.exists():
        return
    policy = Policy.objects.create(name="Sonora standard", position=0, notify_assignee=True)
    for priority, (first, following, resolution) in DEMO_TARGETS.items():
        Target.objects.create(
            policy=policy,
            priority=priority,
            first_reply_minutes=first,
            next_reply_minutes=following,
            resolution_minutes=resolution,
        )


def sign_in() -> list[str]:
    return [
        _(
            'SLA targets (the policy "Sonora standard") are set on every inbox: see the '
            "Service level panel beside a conversation and the inbox's SLA views."
        )
    ]


def register() -> None:
    from atiende.demo import extensions

    extensions.register("sla", load=load, sign_in=sign_in, order=40)
