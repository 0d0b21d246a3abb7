"""Tasks that run every N seconds, on whichever worker is up.

A recurring task is an ordinary durable task (`core.tasks`) queued once per time slot: the key
`recurring:<name>:<slot>` makes every worker that starts, and the run that queues its successor,
ask for the same row, so a slot runs once however many workers there are. When a worker starts
it queues the current slot to run at once (catching up whatever was missed while nothing ran);
each run then queues the next slot, due at its boundary.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from atiende.core import tasks

logger = logging.getLogger(__name__)

_every: dict[str, Callable[[], int]] = {}


def every(name: str, interval: Callable[[], int]) -> None:
    """Declare that task `name` (already registered with `tasks.task`) runs every
    `interval()` seconds; the interval is read when a run is queued, so settings apply."""
    _every[name] = interval


def schedule_next(name: str) -> None:
    """Queue the run of `name` due at the start of the next slot (a task calls this when done)."""
    interval = max(1, _every[name]())
    now = timezone.now().timestamp()
    slot = int(now // interval) + 1
    tasks.enqueue(name, {}, key=f"recurring:{name}:{slot}", delay=slot * interval - now)


def start_all() -> None:
    """A worker starts: queue every recurring task's current slot, to run now."""
    for name, interval in _every.items():
        slot = int(timezone.now().timestamp() // max(1, interval()))
        try:
            with transaction.atomic():
                tasks.enqueue(name, {}, key=f"recurring:{name}:{slot}")
        except Exception:
            # The database is not there yet (or not migrated): the worker's loop reports that;
            # the next start or run queues the slot.
            logger.exception("could not queue the recurring task %s", name)
