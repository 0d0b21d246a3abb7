"""Durable tasks of the accounts app:

- `accounts.expire_approval`: records an approval request's expiry when its deadline passes, so
  the requesting agent's conversation says so without anyone opening the queue;
- `accounts.renew_subscriptions`: the built-in provider's billing cycle (`builtin/billing.py`),
  every `ATIENDE_RENEWAL_INTERVAL` seconds (3600); it queues its own next run, and
  `python -m atiende renew_subscriptions --schedule` queues the first.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from atiende.accounts.policy import expire_approvals
from atiende.core import tasks

DEFAULT_RENEWAL_INTERVAL = 3600


@tasks.task("accounts.expire_approval")
def expire_approval_task(payload: dict[str, Any]) -> None:
    expire_approvals(approval_id=int(payload["approval_id"]))


def renewal_interval() -> int:
    return max(60, int(getattr(settings, "ATIENDE_RENEWAL_INTERVAL", DEFAULT_RENEWAL_INTERVAL)))


def schedule_renewals() -> None:
    """Queue the next renewal run (once per interval slot, whoever asks)."""
    interval = renewal_interval()
    slot = int(timezone.now().timestamp()) // interval + 1
    tasks.enqueue(
        "accounts.renew_subscriptions", {}, key=f"accounts-renewals:{slot}", delay=interval
    )


@tasks.task("accounts.renew_subscriptions")
def renew_subscriptions_task(payload: dict[str, Any]) -> None:
    from atiende.accounts.builtin.billing import renew_due
    from atiende.accounts.provider import get_provider

    if get_provider().name == "builtin":
        renew_due()
        schedule_renewals()
