"""The durable task queue: idempotent enqueue, leases that expire, retries, give-up hooks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from atiende.core import tasks
from atiende.core.models import Task, TaskStatus

calls: list[dict[str, Any]] = []
given_up: list[str] = []


@tasks.task("test_record")
def record_call(payload: dict[str, Any]) -> None:
    calls.append(payload)


@tasks.task("test_always_fails", on_give_up=lambda payload, error: given_up.append(error))
def always_fails(payload: dict[str, Any]) -> None:
    raise RuntimeError("boom")


def test_enqueue_twice_with_one_key_queues_once(db: None) -> None:
    calls.clear()

    tasks.enqueue("test_record", {"n": 1}, key="k-1")
    tasks.enqueue("test_record", {"n": 1}, key="k-1")

    assert Task.objects.count() == 1
    assert tasks.drain() == 1
    assert calls == [{"n": 1}]


def test_enqueue_inside_a_rolled_back_transaction_leaves_nothing(db: None) -> None:
    try:
        with transaction.atomic():
            tasks.enqueue("test_record", {"n": 2}, key="k-2")
            raise RuntimeError("the action failed")
    except RuntimeError:
        pass

    assert not Task.objects.exists()


def test_a_task_whose_worker_died_is_taken_again_after_its_lease(db: None) -> None:
    calls.clear()
    tasks.enqueue("test_record", {"n": 3}, key="k-3")
    claimed = tasks.claim()
    assert [t.key for t in claimed] == ["k-3"]
    assert tasks.claim() == []  # leased: nobody else takes it

    Task.objects.update(locked_until=timezone.now() - timedelta(seconds=1))  # the worker died

    assert tasks.drain() == 1
    assert calls == [{"n": 3}]
    assert Task.objects.get().attempts == 2


def test_failures_back_off_then_give_up(db: None, settings: Any) -> None:
    settings.ATIENDE_TASK_MAX_ATTEMPTS = 3
    given_up.clear()
    tasks.enqueue("test_always_fails", {}, key="k-4")

    for _attempt in range(3):
        tasks.drain()
        Task.objects.filter(status=TaskStatus.PENDING).update(run_at=timezone.now())

    task = Task.objects.get()
    assert task.status == TaskStatus.FAILED
    assert task.attempts == 3
    assert "boom" in task.last_error
    assert given_up == ["RuntimeError: boom"]


def test_backoff_grows_and_is_capped() -> None:
    delays = [tasks.backoff_seconds(n) for n in (1, 4, 20)]

    assert 1.5 <= delays[0] <= 2.5
    assert 12 <= delays[1] <= 20
    assert 225 <= delays[2] <= 375


def test_retry_puts_a_failed_task_back(db: None, settings: Any) -> None:
    settings.ATIENDE_TASK_MAX_ATTEMPTS = 1
    tasks.enqueue("test_always_fails", {}, key="k-5")
    tasks.drain()

    assert tasks.retry("k-5") is True

    task = Task.objects.get()
    assert task.status == TaskStatus.PENDING
    assert task.attempts == 0


batches: list[list[str]] = []


@tasks.task("test_batched", batched=True)
def batched(payload: dict[str, Any]) -> None:
    """Does its own work and that of the others waiting, as triage does."""
    waiting = Task.objects.filter(name="test_batched", status=TaskStatus.PENDING)
    keys = [payload["key"], *waiting.values_list("key", flat=True)]
    waiting.update(status=TaskStatus.DONE)
    batches.append(keys)


def test_a_claim_takes_one_task_of_a_batched_name_and_leaves_the_others_waiting(
    db: None,
) -> None:
    calls.clear()
    batches.clear()
    for n in range(3):
        tasks.enqueue("test_batched", {"key": f"b-{n}"}, key=f"b-{n}")
    tasks.enqueue("test_record", {"n": 1}, key="r-1")
    tasks.enqueue("test_record", {"n": 2}, key="r-2")

    claimed = tasks.claim(10)

    assert [item.key for item in claimed] == ["b-0", "r-1", "r-2"]
    others = Task.objects.filter(key__in=["b-1", "b-2"])
    assert set(others.values_list("status", "attempts", "locked_until")) == {
        (TaskStatus.PENDING, 0, None)
    }
    for item in claimed:
        tasks.run(item)
    assert batches == [["b-0", "b-1", "b-2"]]
    assert tasks.drain() == 0
    assert set(Task.objects.values_list("status", flat=True)) == {TaskStatus.DONE}
