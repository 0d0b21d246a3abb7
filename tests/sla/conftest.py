"""Helpers for the SLA tests: policies with targets, and business-hours schedules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time

import pytest

from atiende.inboxes.models import Inbox
from atiende.people.models import Team
from atiende.sla import tasks as sla_tasks
from atiende.sla.models import Policy, Target
from atiende.workflow.models import InboxSchedule, OpeningInterval


@pytest.fixture(autouse=True)
def _forget_policies() -> Iterator[None]:
    """The per-process "is there a policy?" answer never outlives a test (a flushed database
    sends no delete signal): the next test, here or in another app, asks again."""
    sla_tasks.forget_policies()
    yield
    sla_tasks.forget_policies()


def policy(
    name: str = "Standard",
    *,
    position: int = 0,
    inboxes: list[Inbox] | None = None,
    priorities: list[str] | None = None,
    targets: dict[str, tuple[int | None, int | None, int | None]] | None = None,
    business_hours: bool = False,
    escalate_to_team: Team | None = None,
) -> Policy:
    """A policy; `targets`: minutes (first reply, next reply, resolution) per priority."""
    created = Policy.objects.create(
        name=name,
        position=position,
        priorities=priorities or [],
        business_hours=business_hours,
        escalate_to_team=escalate_to_team,
    )
    if inboxes:
        created.inboxes.set(inboxes)
    for priority, (first, following, resolution) in (targets or {}).items():
        Target.objects.create(
            policy=created,
            priority=priority,
            first_reply_minutes=first,
            next_reply_minutes=following,
            resolution_minutes=resolution,
        )
    return created


def weekdays(
    inbox: Inbox, zone: str, opens: time = time(9), closes: time = time(17)
) -> InboxSchedule:
    schedule = InboxSchedule.objects.create(inbox=inbox, time_zone=zone)
    for weekday in range(5):
        OpeningInterval.objects.create(
            schedule=schedule, weekday=weekday, opens=opens, closes=closes
        )
    return schedule
