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
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from atiende.core import rawsql
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
    batched: bool = False


_registry: dict[str, TaskSpec] = {}
_wakeup = threading.Event()


def task(
    name: str,
    *,
    on_give_up: FailureHook | None = None,
    lease_seconds: int = 120,
    batched: bool = False,
) -> Callable[[TaskFunction], TaskFunction]:
    """Register a function as a task. `on_give_up` runs when the last attempt has failed.

    `batched`: one run of the task also does the work of the other tasks of its name that wait
    (and marks them done), so a claim takes one of them at a time: the others stay pending
    for it to find.
    """

    def register(function: TaskFunction) -> TaskFunction:
        _registry[name] = TaskSpec(name, function, on_give_up, lease_seconds, batched)
        return function

    return register


def enqueue(
    name: str, payload: dict[str, Any], *, key: str, delay: float = 0, wake: bool = True
) -> None:
    """Queue `name(payload)` once per `key`; call inside the transaction that makes it needed.

    `wake=False`: the worker of this process is not woken at the commit, for a task the
    committing thread is about to run itself (a chat reply's in-line delivery): waking it would
    only make it claim nothing. It still finds the task on its next poll (or on `wake()`)
    should the caller not run it.
    """
    if name not in _registry:
        raise KeyError(f"unknown task {name!r}")
    row = Task(
        name=name, key=key, payload=payload, run_at=timezone.now() + timedelta(seconds=delay)
    )
    # ON CONFLICT DO NOTHING: already queued under this key (at most one task per key), without
    # a savepoint per enqueue.
    if rawsql.insert(row, ignore_conflicts=True) is None:
        return
    if wake:
        transaction.on_commit(_wakeup.set)


def wake() -> None:
    """Wake this process's worker now (work it was not woken for is waiting)."""
    _wakeup.set()


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: 2, 4, 8 ... capped at five minutes."""
    base: float = min(300.0, 2.0**attempts)
    return base * (0.75 + random.random() / 2)  # noqa: S311 - jitter, not security


def claim(batch: int = 10) -> list[Task]:
    """Lease up to `batch` runnable tasks to this worker.

    One statement: `UPDATE ... WHERE id IN (SELECT ... [FOR UPDATE SKIP LOCKED]) RETURNING`,
    each task leased for its own `lease_seconds` (a CASE over the registered names).
    """
    now = timezone.now()
    leases: dict[str, int] = {}
    for spec in _registry.values():
        leases[spec.name] = _lease(spec.lease_seconds)
    default_lease = _lease(60)
    sql = _claim_sql(tuple(leases), connection.features.has_select_for_update_skip_locked)
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = []
    for name, seconds in leases.items():
        params += [name, adapt(now + timedelta(seconds=seconds))]
    params.append(adapt(now + timedelta(seconds=default_lease)))
    params += [TaskStatus.PENDING, adapt(now), TaskStatus.RUNNING, adapt(now), batch]
    # On SQLite the atomic block queues this process's writers (core/sqlite) before BEGIN
    # IMMEDIATE; on PostgreSQL the one statement is atomic by itself.
    atomic = transaction.atomic() if connection.vendor == "sqlite" else nullcontext()
    with atomic, connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    tasks = rawsql.instances(connection, Task, rows, connection.alias)
    tasks.sort(key=lambda item: (item.run_at, item.pk))
    return _one_per_batched_name(tasks)


def _one_per_batched_name(claimed: list[Task]) -> list[Task]:
    """Keep the first task of each batched name; give the others back as they were (pending,
    their attempt not counted): the first one's batch takes them. Killed before that, they are
    taken again when their lease expires, like any task."""
    kept: list[Task] = []
    released: list[int] = []
    names: set[str] = set()
    for item in claimed:
        spec = _registry.get(item.name)
        if spec is not None and spec.batched and item.name in names:
            released.append(item.pk)
            continue
        names.add(item.name)
        kept.append(item)
    if released:
        Task.objects.filter(pk__in=released, status=TaskStatus.RUNNING).update(
            status=TaskStatus.PENDING, attempts=F("attempts") - 1, locked_until=None
        )
    return kept


def _lease(seconds: int) -> int:
    if settings.ATIENDE_TASK_LEASE_SECONDS:
        return min(seconds, settings.ATIENDE_TASK_LEASE_SECONDS)
    return seconds


_claim_cache: dict[tuple[str, tuple[str, ...], bool], str] = {}


def _claim_sql(names: tuple[str, ...], skip_locked: bool) -> str:
    key = (connection.vendor, names, skip_locked)
    sql = _claim_cache.get(key)
    if sql is None:
        q = connection.ops.quote_name
        table = q(Task._meta.db_table)
        cases = " ".join(["WHEN %s THEN %s"] * len(names))
        lease = f"CASE {q('name')} {cases} ELSE %s END" if names else "%s"
        lock = " FOR UPDATE SKIP LOCKED" if skip_locked else ""
        sql = (
            f"UPDATE {table} SET {q('status')} = 'running', "  # noqa: S608 - the model's own table
            f"{q('attempts')} = {q('attempts')} + 1, {q('locked_until')} = {lease} "
            f"WHERE {q('id')} IN (SELECT {q('id')} FROM {table} "
            f"WHERE ({q('status')} = %s AND {q('run_at')} <= %s) "
            f"OR ({q('status')} = %s AND {q('locked_until')} < %s) "
            f"ORDER BY {q('run_at')}, {q('id')} LIMIT %s{lock}) "
            f"RETURNING {rawsql.columns(connection, Task)}"
        )
        _claim_cache[key] = sql
    return sql


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
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(Task._meta.db_table)} SET {q('status')} = %s, "  # noqa: S608 - own table
            f"{q('finished_at')} = %s, {q('locked_until')} = NULL, {q('last_error')} = %s "
            f"WHERE {q('id')} = %s",
            [status, connection.ops.adapt_datetimefield_value(timezone.now()), error, item.pk],
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
