"""Recurring tasks: one run per slot however many workers start, and each run queues the next."""

from __future__ import annotations

import threading
from typing import Any

from django.utils import timezone

from atiende.core import recurring, tasks, worker
from atiende.core.models import Task

runs: list[dict[str, Any]] = []


@tasks.task("test_every_hour")
def every_hour(payload: dict[str, Any]) -> None:
    runs.append(payload)
    recurring.schedule_next("test_every_hour")


recurring.every("test_every_hour", lambda: 3600)


def test_workers_that_start_queue_the_current_slot_once_and_each_run_queues_the_next(
    db: None,
) -> None:
    runs.clear()
    recurring.start_all()
    recurring.start_all()  # a second worker starting in the same slot

    [now_row] = Task.objects.filter(name="test_every_hour")
    assert now_row.run_at <= timezone.now()
    assert tasks.drain() >= 1
    assert runs == [{}]

    # The run queued the next slot, due at its boundary, and asking again changes nothing.
    recurring.schedule_next("test_every_hour")
    queued = Task.objects.filter(name="test_every_hour").exclude(pk=now_row.pk)
    [next_row] = queued
    boundary = (int(timezone.now().timestamp()) // 3600 + 1) * 3600
    assert abs(next_row.run_at.timestamp() - boundary) < 2
    assert next_row.key == f"recurring:test_every_hour:{boundary // 3600}"


def test_the_worker_queues_recurring_tasks_when_it_starts(transactional_db: None) -> None:
    # The worker opens and closes its own connections: no test transaction around it.
    stop = threading.Event()
    stop.set()  # start, then stop at once
    worker.run_forever(stop)

    names = set(Task.objects.values_list("name", flat=True))
    assert {"test_every_hour", "accounts.renew_subscriptions"} <= names
