"""The worker loop, embedded in the server process or run alone (`python -m atiende worker`)."""

from __future__ import annotations

import asyncio
import logging
import threading

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from atiende.core import recurring, tasks

logger = logging.getLogger(__name__)


def _tick() -> int:
    close_old_connections()
    try:
        return tasks.run_pending()
    finally:
        close_old_connections()


def _start() -> None:
    close_old_connections()
    try:
        recurring.start_all()
    finally:
        close_old_connections()


async def run_async(stop: asyncio.Event) -> None:
    """Embedded mode: runs on the server's event loop, so events raised by tasks reach the
    in-process channel layer from the loop that owns it."""
    poll = settings.ATIENDE_WORKER_POLL_SECONDS
    tick = sync_to_async(_tick, thread_sensitive=False)
    wait = sync_to_async(tasks.wait_for_work, thread_sensitive=False)
    logger.info("embedded worker started")
    await sync_to_async(_start, thread_sensitive=False)()
    while not stop.is_set():
        try:
            ran = await tick()
        except Exception:
            logger.exception("worker tick failed")
            ran = 0
        if not ran:
            await wait(poll)


def run_forever(stop: threading.Event | None = None, once: bool = False) -> None:
    """Standalone mode (scale-out, with REDIS_URL): a process of its own."""
    stop = stop or threading.Event()
    poll = settings.ATIENDE_WORKER_POLL_SECONDS
    logger.info("worker started")
    _start()
    while not stop.is_set():
        try:
            ran = _tick()
        except Exception:
            logger.exception("worker tick failed")
            ran = 0
        if once and not ran:
            return
        if not ran:
            tasks.wait_for_work(poll)
