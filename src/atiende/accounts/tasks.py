"""Durable tasks of the accounts app:

- `accounts.expire_approval`: records an approval request's expiry when its deadline passes, so
  the requesting agent's conversation says so without anyone opening the queue;
- `accounts.renew_subscriptions`: the built-in provider's billing cycle (`builtin/billing.py`),
  every `ATIENDE_RENEWAL_INTERVAL` seconds (3600), a `core.recurring` task: a starting worker
  queues the current slot, each run queues the next (`renew_subscriptions --schedule` too).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from atiende.accounts.policy import expire_approvals
from atiende.core import recurring, tasks

DEFAULT_RENEWAL_INTERVAL = 3600
RENEWALS = "accounts.renew_subscriptions"


@tasks.task("accounts.expire_approval")
def expire_approval_task(payload: dict[str, Any]) -> None:
    expire_approvals(approval_id=int(payload["approval_id"]))


def renewal_interval() -> int:
    return max(60, int(getattr(settings, "ATIENDE_RENEWAL_INTERVAL", DEFAULT_RENEWAL_INTERVAL)))


def schedule_renewals() -> None:
    """Queue the next renewal run (once per interval slot, whoever asks)."""
    recurring.schedule_next(RENEWALS)


@tasks.task(RENEWALS)
def renew_subscriptions_task(payload: dict[str, Any]) -> None:
    from atiende.accounts.builtin.billing import renew_due
    from atiende.accounts.provider import get_provider

    if get_provider().name == "builtin":
        renew_due()
        schedule_renewals()


# Every worker that starts queues the current slot (catch-up), each run queues the next.
recurring.every(RENEWALS, renewal_interval)
