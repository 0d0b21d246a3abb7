"""The durable task that marks a grant expired when its time is up (and tells open pages)."""

from __future__ import annotations

from typing import Any

from atiende.consent.grants import expire_grant
from atiende.core import tasks


@tasks.task("consent.expire_grant")
def expire_grant_task(payload: dict[str, Any]) -> None:
    expire_grant(int(payload["grant_id"]))
