"""Money exactly once (SECURITY.md I6), under real concurrency on the real database.

A child process (sharing this test's database: a file on SQLite, the test database on
PostgreSQL) sets up a customer with one 10.99 charge and fires 50 threads at once:
- 50 identical refund requests (one idempotency key) make exactly one refund;
- 50 refunds of 1.00 under 50 different keys stop at what was captured: exactly the seven
  that fit succeed, the others are refused, and the charge is never over-refunded;
- 10 plan changes computed from the same plan: one wins, the others get a clear conflict.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import process_env

RACE = r"""
import json, os, sys, threading
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
django.setup()
from django.db import connection
from atiende.accounts import actions
from atiende.accounts.models import AccountAction, Charge, Refund, Subscription
from atiende.core.errors import ActionError
from atiende.people.models import Role
from tests.accounts.conftest import build_world
from tests.factories import Factory

world = build_world(Factory())
contact, admin = world.contact, world.admin
results = {"same": [], "different": [], "plans": []}
barriers = {
    "same": threading.Barrier(50),
    "different": threading.Barrier(50),
    "plans": threading.Barrier(10),
}

def refund(label, key, amount):
    barriers[label].wait()
    try:
        outcome = actions.do_refund(
            admin, contact, idempotency_key=key, charge_id="ch_1", amount=amount
        )
        results[label].append(("ok", outcome.action_id, outcome.reference))
    except ActionError as error:
        results[label].append(("refused", type(error).__name__, str(error.detail)))
    finally:
        connection.close()

def change_plan(label, key, plan):
    barriers[label].wait()
    try:
        outcome = actions.do_change_plan(
            admin, contact, idempotency_key=key, plan=plan, from_plan="individual"
        )
        results[label].append(("ok", outcome.action_id, plan))
    except ActionError as error:
        results[label].append(("refused", type(error).__name__, str(error.detail)))
    finally:
        connection.close()

def race(label, make, target=refund, count=50):
    threads = [threading.Thread(target=target, args=(label, *make(n))) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

race("same", lambda n: ("the-same-refund-key", 300))
race("different", lambda n: (f"refund-key-{n:03d}", 100))
race("plans", lambda n: (f"plan-key-{n:03d}", ["duo", "family"][n % 2]), change_plan, 10)
subscription = Subscription.objects.get(account=world.account)
charge = Charge.objects.get(external_id="ch_1")
print(json.dumps({
    "same": results["same"],
    "different": results["different"],
    "refunds": sorted(Refund.objects.values_list("amount", flat=True)),
    "refunded": charge.refunded,
    "actions": AccountAction.objects.filter(status="done", verb="refund").count(),
    "plans": results["plans"],
    "plan": subscription.plan.code,
    "version": subscription.version,
}))
"""


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_refunds(tmp_path: Path) -> None:
    env = process_env(tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", RACE], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])

    same = report["same"]
    assert [result[0] for result in same] == ["ok"] * 50
    assert len({(result[1], result[2]) for result in same}) == 1
    different = report["different"]
    assert sum(result[0] == "ok" for result in different) == 7  # 1099 - 300 = 799: seven of 100
    assert {result[1] for result in different if result[0] == "refused"} == {"ActionError"}
    assert report["refunds"] == [100] * 7 + [300]
    assert report["refunded"] == 1000
    assert report["actions"] == 8
    plans = report["plans"]
    winners = [result for result in plans if result[0] == "ok"]
    assert len(winners) == 1
    assert {result[1] for result in plans if result[0] == "refused"} == {"Conflict"}
    assert (report["plan"], report["version"]) == (winners[0][2], 1)
