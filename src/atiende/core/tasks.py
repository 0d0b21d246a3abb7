"""A durable task queue in the database: no broker needed, any number of workers.

`enqueue()` inserts a row under a unique key (enqueueing twice is harmless); workers claim rows
with a lease (`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises writers with
BEGIN IMMEDIATE), run the registered function, and retry failures with exponential backoff. A
worker killed mid-task leaves a lease that expires, and another worker takes the task again,
so task functions must be idempotent (the outbox checks what was already sent).
"""

from __future__ import annotations

import logging
import random
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from atiende.core.models import Task, TaskStatus

logger = logging.getLogger(__name__)

TaskFunction = Callable[[dict[str, Any]], None]
FailureHook = Callable[[dict[str, Any], str], None]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    function: TaskFunction
    on_give_up: FailureHook | None
    lease_seconds: int


_registry: dict[str, TaskSpec] = {}
_wakeup = threading.Event()


def task(
    name: str, *, on_give_up: FailureHook | None = None, lease_seconds: int = 120
) -> Callable[[TaskFunction], TaskFunction]:
    """Register a function as a task. `on_give_up` runs when the last attempt has failed."""

    def register(function: TaskFunction) -> TaskFunction:
        _registry[name] = TaskSpec(name, function, on_give_up, lease_seconds)
        return function

    return register


def enqueue(name: str, payload: dict[str, Any], *, key: str, delay: float = 0) -> None:
    """Queue `name(payload)` once per `key`; call inside the transaction that makes it needed."""
    if name not in _registry:
        raise KeyError(f"unknown task {name!r}")
    try:
        with transaction.atomic():
            Task.objects.create(
                name=name,
                key=key,
                payload=payload,
                run_at=timezone.now() + timedelta(seconds=delay),
            )
    except IntegrityError:
        return  # already queued under this key: at most one task per key
    transaction.on_commit(_wakeup.set)


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: 2, 4, 8 ... capped at five minutes."""
    base: float = min(300.0, 2.0**attempts)
    return base * (0.75 + random.random() / 2)  # noqa: S311 - jitter, not security


def claim(batch: int = 10) -> list[Task]:
    """Lease up to `batch` runnable tasks to this worker."""
    now = timezone.now()
    runnable = Q(status=TaskStatus.PENDING, run_at__lte=now) | Q(
        status=TaskStatus.RUNNING, locked_until__lt=now
    )
    with transaction.atomic():
        queryset = Task.objects.filter(runnable).order_by("run_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        tasks = list(queryset[:batch])
        for item in tasks:
            spec = _registry.get(item.name)
            lease = spec.lease_seconds if spec else 60
            if settings.ATIENDE_TASK_LEASE_SECONDS:
                lease = min(lease, settings.ATIENDE_TASK_LEASE_SECONDS)
            item.status = TaskStatus.RUNNING
            item.attempts += 1
            item.locked_until = now + timedelta(seconds=lease)
            item.save(update_fields=["status", "attempts", "locked_until"])
    return tasks


def run(item: Task) -> bool:
    """Run one claimed task; returns True when it succeeded."""
    spec = _registry.get(item.name)
    if spec is None:
        _finish(item, TaskStatus.FAILED, f"unknown task {item.name!r}")
        return False
    try:
        spec.function(item.payload)
    except Exception as exc:
        error = "".join(traceback.format_exception_only(exc)).strip()
        logger.warning(
            "task %s (%s) failed, attempt %d: %s", item.name, item.key, item.attempts, error
        )
        if item.attempts >= settings.ATIENDE_TASK_MAX_ATTEMPTS:
            _finish(item, TaskStatus.FAILED, error)
            if spec.on_give_up is not None:
                spec.on_give_up(item.payload, error)
        else:
            Task.objects.filter(pk=item.pk).update(
                status=TaskStatus.PENDING,
                run_at=timezone.now() + timedelta(seconds=backoff_seconds(item.attempts)),
                locked_until=None,
                last_error=error,
            )
        return False
    _finish(item, TaskStatus.DONE, "")
    return True


def _finish(item: Task, status: str, error: str) -> None:
    Task.objects.filter(pk=item.pk).update(
        status=status, finished_at=timezone.now(), locked_until=None, last_error=error
    )


def run_pending(batch: int = 10) -> int:
    """Claim and run one batch; returns how many tasks ran."""
    tasks = claim(batch)
    for item in tasks:
        run(item)
    return len(tasks)


def drain(limit: int = 1000) -> int:
    """Run runnable tasks until none is left (tests and `worker --once`)."""
    total = 0
    while total < limit and (count := run_pending()):
        total += count
    return total


def retry(task_key: str) -> bool:
    """Put a failed task back in the queue (an agent pressed "retry")."""
    updated = Task.objects.filter(key=task_key, status=TaskStatus.FAILED).update(
        status=TaskStatus.PENDING, attempts=0, run_at=timezone.now(), last_error=""
    )
    if updated:
        transaction.on_commit(_wakeup.set)
    return bool(updated)


def wait_for_work(timeout: float) -> None:
    """Sleep until `enqueue` in this process signals new work, or `timeout` passes."""
    _wakeup.wait(timeout)
    _wakeup.clear()
