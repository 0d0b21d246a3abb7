"""The durable task that records an approval request's expiry when its deadline passes, so the
requesting agent's conversation says so without anyone opening the queue."""

from __future__ import annotations

from typing import Any

from atiende.accounts.policy import expire_approvals
from atiende.core import tasks


@tasks.task("accounts.expire_approval")
def expire_approval_task(payload: dict[str, Any]) -> None:
    expire_approvals(approval_id=int(payload["approval_id"]))
