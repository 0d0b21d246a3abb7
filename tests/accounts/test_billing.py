"""The built-in provider's billing cycle: at the end of a period a subscription renews (an
invoice and a charge for the next period, credit first), monthly and annually, with failed
payments, cancellations at period end, free plans, catching up, and exactly once."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from atiende.accounts import actions, psp, reads
from atiende.accounts.builtin.billing import add_months, renew_due
from atiende.accounts.models import (
    Charge,
    Credit,
    Interval,
    Invoice,
    PaymentMethod,
    Plan,
    Subscription,
    SubscriptionStatus,
)
from atiende.accounts.tasks import renew_subscriptions_task
from atiende.core.models import Event, Task
from tests.accounts.conftest import AccountWorld, key
from tests.helpers import process_env

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


def due(world: AccountWorld, end: datetime, **fields: object) -> Subscription:
    """Put the customer's subscription in a period that ended at `end`."""
    Subscription.objects.filter(account=world.account).update(
        current_period_start=add_months(end, -1), current_period_end=end, **fields
    )
    return Subscription.objects.get(account=world.account)


def renewal_charges(world: AccountWorld) -> list[Charge]:
    return list(Charge.objects.filter(account=world.account).exclude(external_id="ch_1"))


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2027, 1, 15, 9, 30, tzinfo=UTC), 1, datetime(2027, 2, 15, 9, 30, tzinfo=UTC)),
        (datetime(2027, 1, 31, tzinfo=UTC), 1, datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2028, 1, 31, tzinfo=UTC), 1, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2027, 12, 15, tzinfo=UTC), 1, datetime(2028, 1, 15, tzinfo=UTC)),
        (datetime(2028, 2, 29, tzinfo=UTC), 12, datetime(2029, 2, 28, tzinfo=UTC)),
        (datetime(2027, 3, 31, tzinfo=UTC), -1, datetime(2027, 2, 28, tzinfo=UTC)),
    ],
)
def test_calendar_months(moment: datetime, months: int, expected: datetime) -> None:
    assert add_months(moment, months) == expected


def test_a_monthly_renewal_invoices_charges_and_advances_the_period(world: AccountWorld) -> None:
    end = NOW - timedelta(hours=1)
    due(world, end)

    [renewal] = renew_due(NOW)

    subscription = Subscription.objects.get(account=world.account)
    assert (subscription.current_period_start, subscription.current_period_end) == (
        end,
        add_months(end, 1),
    )
    assert subscription.status == SubscriptionStatus.ACTIVE
    invoice = Invoice.objects.get(number=renewal.invoice)
    assert (invoice.amount, invoice.currency, invoice.status) == (1099, "USD", "paid")
    assert (invoice.period_start, invoice.period_end) == (end, add_months(end, 1))
    assert invoice.description.startswith("Individual, ")
    [charge] = renewal_charges(world)
    assert (charge.amount, charge.status, charge.invoice_id) == (1099, "succeeded", invoice.pk)
    assert charge.card == "Visa •••• 4242"
    assert (renewal.outcome, renewal.amount, renewal.charged) == ("paid", 1099, 1099)
    # What the agent and the customer read: the new renewal date and the invoice.
    summary = reads.summary(world.contact)
    assert summary is not None
    assert summary.renews_at == add_months(end, 1)
    assert renewal.invoice in [item.number for item in reads.invoices(world.contact)]
    # Exactly once: running again (or later in the same period) does nothing more.
    assert renew_due(NOW) == []
    assert renew_due(NOW + timedelta(days=20)) == []
    assert len(renewal_charges(world)) == 1


def test_a_period_moved_by_something_else_starts_a_new_anchor(world: AccountWorld) -> None:
    end = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
    due(world, end)
    renew_due(end + timedelta(minutes=1))
    # A pause (or a restart) moves the renewal to a date that is not one of the anchor's.
    moved = datetime(2027, 3, 5, 12, 0, tzinfo=UTC)
    Subscription.objects.filter(account=world.account).update(current_period_end=moved)

    [renewal] = renew_due(moved + timedelta(minutes=1))

    assert renewal.period_end == datetime(2027, 4, 5, 12, 0, tzinfo=UTC)
    assert Subscription.objects.get(account=world.account).billing_anchor == moved


def test_an_annual_plan_renews_for_a_calendar_year(world: AccountWorld) -> None:
    annual = Plan.objects.create(
        code="individual-annual",
        name="Individual (annual)",
        price=10990,
        currency="USD",
        interval=Interval.YEAR,
    )
    end = datetime(2028, 2, 29, 8, 0, tzinfo=UTC)
    due(world, end, plan=annual)

    [renewal] = renew_due(datetime(2028, 3, 1, tzinfo=UTC))

    assert renewal.period_end == datetime(2029, 2, 28, 8, 0, tzinfo=UTC)
    assert Subscription.objects.get(account=world.account).current_period_end == renewal.period_end
    assert Invoice.objects.get(number=renewal.invoice).amount == 10990
    assert [charge.amount for charge in renewal_charges(world)] == [10990]


def test_credit_pays_first_soonest_to_expire_first(world: AccountWorld) -> None:
    due(world, NOW - timedelta(minutes=5))
    later = Credit.objects.create(
        account=world.account,
        amount=800,
        remaining=800,
        currency="USD",
        expires_at=NOW + timedelta(days=300),
    )
    sooner = Credit.objects.create(
        account=world.account, amount=500, remaining=500, currency="USD", expires_at=NOW
    )  # expires at the very moment: not usable
    soon = Credit.objects.create(
        account=world.account,
        amount=400,
        remaining=400,
        currency="USD",
        expires_at=NOW + timedelta(days=10),
    )

    [renewal] = renew_due(NOW)

    assert (renewal.credit_used, renewal.charged) == (1099, 0)
    for credit in (later, sooner, soon):
        credit.refresh_from_db()
    assert (soon.remaining, later.remaining, sooner.remaining) == (0, 101, 500)
    assert renewal_charges(world) == []  # nothing left for the card
    assert Invoice.objects.get(number=renewal.invoice).status == "paid"


def test_partial_credit_leaves_the_rest_to_the_card(world: AccountWorld) -> None:
    due(world, NOW - timedelta(minutes=5))
    Credit.objects.create(account=world.account, amount=300, remaining=300, currency="USD")
    Credit.objects.create(account=world.account, amount=300, remaining=300, currency="EUR")

    [renewal] = renew_due(NOW)

    assert (renewal.credit_used, renewal.charged) == (300, 799)
    assert [charge.amount for charge in renewal_charges(world)] == [799]
    assert Credit.objects.get(currency="EUR").remaining == 300  # never another currency


def test_renewal_texts_are_written_in_the_customers_language(world: AccountWorld) -> None:
    # They came out in the worker's language (English) for a Spanish customer.
    world.contact.language = "es"
    world.contact.save(update_fields=["language"])
    PaymentMethod.objects.filter(account=world.account).update(exp_year=2020)
    due(world, datetime(2027, 3, 1, 12, 0, tzinfo=UTC))

    with translation.override("en"):
        [renewal] = renew_due(NOW)

    invoice = Invoice.objects.get(number=renewal.invoice)
    assert invoice.description == "Individual, del 1 de marzo de 2027 al 1 de abril de 2027"
    [charge] = renewal_charges(world)
    assert charge.failure_reason == "La tarjeta registrada ha caducado."


def test_an_expired_card_leaves_the_invoice_unpaid_and_the_subscription_past_due(
    world: AccountWorld,
) -> None:
    PaymentMethod.objects.filter(account=world.account).update(exp_year=2020)
    end = NOW - timedelta(days=1)
    due(world, end)

    [renewal] = renew_due(NOW)

    assert renewal.outcome == "failed"
    subscription = Subscription.objects.get(account=world.account)
    assert subscription.status == SubscriptionStatus.PAST_DUE
    assert subscription.current_period_end == add_months(end, 1)
    assert Invoice.objects.get(number=renewal.invoice).status == "open"
    [charge] = renewal_charges(world)
    assert (charge.status, charge.failure_reason, charge.refundable) == (
        "failed",
        "The card on file has expired.",
        0,
    )
    summary = reads.summary(world.contact)
    assert summary is not None
    assert (summary.status, summary.last_payment) == ("past_due", "failed")

    # A new card: the next renewal is paid and the subscription is active again.
    PaymentMethod.objects.create(
        account=world.account, brand="Mastercard", last4="4444", exp_month=4, exp_year=2031
    )
    [next_renewal] = renew_due(add_months(end, 1) + timedelta(minutes=1))
    assert next_renewal.outcome == "paid"
    assert Subscription.objects.get(account=world.account).status == SubscriptionStatus.ACTIVE


def test_a_new_card_from_the_payment_link_pays_what_failed(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    PaymentMethod.objects.filter(account=world.account).update(exp_year=2020)
    Credit.objects.create(account=world.account, amount=99, remaining=99, currency="USD")
    due(world, timezone.now() - timedelta(hours=1))
    [renewal] = renew_due()
    assert (renewal.outcome, renewal.charged) == ("failed", 1000)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_send_payment_link(
            world.agent, world.contact, idempotency_key=key(), conversation=world.conversation
        )
    token = re.search(r"/account/link/([A-Za-z0-9_-]{43})/", str(mail.outbox[-1].body))
    assert token is not None
    card = psp.tokenise("5555 5555 5555 4444", 4, timezone.now().year + 3, "123")

    link = actions.update_payment_method(token.group(1), card_token=card, customer=world.contact)

    assert link.paid_invoices == [renewal.invoice]
    invoice = Invoice.objects.get(number=renewal.invoice)
    assert invoice.status == "paid"
    paid = invoice.charges.get(status="succeeded")
    assert (paid.amount, paid.card) == (1000, "Mastercard •••• 4444")  # the credit stays used
    assert Subscription.objects.get(account=world.account).status == SubscriptionStatus.ACTIVE
    event = Event.objects.get(kind="account.payment_method_updated")
    assert event.data["paid_invoices"] == [renewal.invoice]


def test_cancelled_at_period_end_ends_without_a_charge(world: AccountWorld) -> None:
    end = NOW - timedelta(hours=2)
    due(world, end, cancel_at_period_end=True)

    [renewal] = renew_due(NOW)

    assert renewal.outcome == "canceled"
    subscription = Subscription.objects.get(account=world.account)
    assert (subscription.status, subscription.current_period_end) == ("canceled", end)
    assert renewal_charges(world) == []
    assert not Invoice.objects.exists()
    assert renew_due(NOW + timedelta(days=40)) == []  # cancelled subscriptions never renew


def test_a_paused_subscription_waits_and_a_free_plan_moves_on_without_an_invoice(
    world: AccountWorld,
) -> None:
    due(
        world,
        NOW - timedelta(days=1),
        status=SubscriptionStatus.PAUSED,
        paused_until=NOW + timedelta(days=5),
    )
    assert renew_due(NOW) == []

    free = Plan.objects.get(code="free")
    due(
        world,
        NOW - timedelta(days=1),
        plan=free,
        status=SubscriptionStatus.ACTIVE,
        paused_until=None,
    )
    [renewal] = renew_due(NOW)

    assert (renewal.outcome, renewal.invoice) == ("free", "")
    assert not Invoice.objects.exists()
    assert Subscription.objects.get(account=world.account).current_period_end > NOW


def test_a_missed_run_catches_up_period_by_period(world: AccountWorld) -> None:
    end = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)  # a worker down for over two months
    due(world, end)

    renewals = renew_due(NOW)

    # Counted from the anchor: the 31st comes back after February.
    assert [item.period_start.date().isoformat() for item in renewals] == [
        "2026-12-31",
        "2027-01-31",
        "2027-02-28",
    ]
    subscription = Subscription.objects.get(account=world.account)
    assert subscription.current_period_end == datetime(2027, 3, 31, 12, 0, tzinfo=UTC)
    assert subscription.billing_anchor == end
    assert Invoice.objects.count() == 3
    assert len(renewal_charges(world)) == 3


def test_the_command_and_the_recurring_task(world: AccountWorld, capsys: object) -> None:
    due(world, timezone.now() - timedelta(minutes=1))

    call_command("renew_subscriptions", "--schedule")
    renew_subscriptions_task({})  # the worker's next run: nothing is due any more

    output = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "user-1: paid INV-" in output
    assert "1 renewal(s)." in output
    assert len(renewal_charges(world)) == 1
    # The next run is queued once per interval slot, whoever asks (the command, the task).
    [queued] = Task.objects.filter(name="accounts.renew_subscriptions")
    assert queued.run_at > timezone.now()


RACE = r"""
import json, os, threading
from datetime import timedelta
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
django.setup()
from django.db import connection
from django.utils import timezone
from atiende.accounts.builtin.billing import renew_due
from atiende.accounts.models import Charge, Invoice, Subscription
from tests.accounts.conftest import build_world
from tests.factories import Factory

world = build_world(Factory())
now = timezone.now()
Subscription.objects.filter(account=world.account).update(
    current_period_end=now - timedelta(minutes=1)
)
barrier = threading.Barrier(10)
results = []

def renew():
    barrier.wait()
    try:
        results.append(len(renew_due(now)))
    finally:
        connection.close()

threads = [threading.Thread(target=renew) for _ in range(10)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({
    "renewed": sorted(results),
    "invoices": Invoice.objects.count(),
    "charges": Charge.objects.exclude(external_id="ch_1").count(),
    "version": Subscription.objects.get(account=world.account).version,
}))
"""


@pytest.mark.django_db(transaction=True)
def test_ten_workers_renewing_at_once_renew_once(tmp_path: Path) -> None:
    env = process_env(tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", RACE], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])

    assert report["renewed"] == [0] * 9 + [1]
    assert (report["invoices"], report["charges"], report["version"]) == (1, 1, 1)
