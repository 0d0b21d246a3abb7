"""Agent actions on the built-in provider: previews, effects, errors, events, notices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from atiende.accounts import actions, reads
from atiende.accounts.builtin.billing import add_months
from atiende.accounts.models import (
    AccountAction,
    Charge,
    Credit,
    FamilyMember,
    Interval,
    Plan,
    Refund,
    Subscription,
)
from atiende.accounts.provider import get_provider
from atiende.accounts.types import AccountRef
from atiende.conversations.actions import change_status
from atiende.conversations.extensions import describe_event, event_kinds
from atiende.conversations.models import Direction, Message, Status
from atiende.core.errors import ActionError, Conflict, NotFound
from atiende.core.models import Event
from tests.accounts.conftest import AccountWorld, build_world, key
from tests.factories import Factory


def test_upgrade_preview_prorates_and_says_what_the_customer_is_told(world: AccountWorld) -> None:
    preview = actions.preview_change_plan(world.agent, world.contact, plan="family")

    assert preview.proration is not None
    assert preview.proration.old_price == 1099
    assert preview.proration.new_price == 1799
    assert 340 <= preview.amount <= 360  # (1799 - 1099) for half of the period
    assert preview.currency == "USD"
    assert preview.title == "Change the plan from Individual to Family"
    assert "Your plan is now Family." in preview.customer_notice
    assert preview.needs_approval is False
    assert Subscription.objects.get(account=world.account).plan.code == "individual"


def test_upgrade_charges_the_proration_records_an_event_and_tells_the_customer(
    world: AccountWorld,
) -> None:
    outcome = actions.do_change_plan(
        world.agent,
        world.contact,
        idempotency_key=key(),
        plan="family",
        from_plan="individual",
        conversation=world.conversation,
    )

    assert outcome.status == "done"
    subscription = Subscription.objects.get(account=world.account)
    assert subscription.plan.code == "family"
    assert subscription.version == 1
    charge = Charge.objects.get(external_id=outcome.reference)
    assert 340 <= charge.amount <= 360
    assert charge.invoice is not None
    event = Event.objects.get(kind="account.change_plan")
    assert event.conversation_id == world.conversation.pk
    assert event.actor_user_id == world.agent.pk
    reply = Message.objects.filter(
        conversation=world.conversation, direction=Direction.OUTBOUND
    ).get()
    assert reply.body_text.startswith("Your plan is now Family.")


def test_the_notice_is_in_the_customer_language(factory: Factory) -> None:
    world = build_world(factory, language="es")

    preview = actions.preview_refund(world.agent, world.contact, charge_id="ch_1", amount=500)

    assert preview.customer_language == "es"
    assert preview.customer_notice.startswith("Te hemos reembolsado 5,00 $")


def test_downgrade_credits_the_unused_part(world: AccountWorld) -> None:
    outcome = actions.do_change_plan(world.agent, world.contact, idempotency_key=key(), plan="free")

    credit = Credit.objects.get(account=world.account)
    assert outcome.reference == f"credit_{credit.pk}"
    assert 540 <= credit.amount <= 560


def test_a_plan_change_computed_from_an_old_plan_is_refused(world: AccountWorld) -> None:
    actions.do_change_plan(world.agent, world.contact, idempotency_key=key(), plan="duo")

    with pytest.raises(Conflict, match="changed meanwhile"):
        actions.do_change_plan(
            world.agent, world.contact, idempotency_key=key(), plan="family", from_plan="individual"
        )
    assert Subscription.objects.get(account=world.account).plan.code == "duo"


def test_student_plan_needs_a_verification(world: AccountWorld) -> None:
    with pytest.raises(ActionError, match="student verification"):
        actions.preview_change_plan(world.agent, world.contact, plan="student")

    world.account.student_verified_until = timezone.localdate().replace(year=2099)
    world.account.save()
    assert actions.preview_change_plan(world.agent, world.contact, plan="student").amount < 0


def test_family_members_up_to_the_plan_size(world: AccountWorld) -> None:
    with pytest.raises(Conflict, match="allows 1 members"):
        actions.preview_add_family_member(world.agent, world.contact, email="kid@example.test")
    actions.do_change_plan(world.agent, world.contact, idempotency_key=key(), plan="family")
    for number in range(5):
        actions.do_add_family_member(
            world.agent, world.contact, idempotency_key=key(), email=f"kid{number}@example.test"
        )

    with pytest.raises(Conflict, match="allows 6 members"):
        actions.do_add_family_member(
            world.agent, world.contact, idempotency_key=key(), email="one-more@example.test"
        )
    with pytest.raises(Conflict, match="Remove members first"):
        actions.preview_change_plan(world.agent, world.contact, plan="duo")
    actions.do_remove_family_member(
        world.agent, world.contact, idempotency_key=key(), email="kid0@example.test"
    )
    assert FamilyMember.objects.filter(account=world.account).count() == 4
    assert reads.members(world.contact)[0].email == "kid1@example.test"


def test_partial_then_full_refund_then_nothing_left(world: AccountWorld) -> None:
    actions.do_refund(
        world.agent, world.contact, idempotency_key=key(), charge_id="ch_1", amount=99
    )
    preview = actions.preview_refund(world.agent, world.contact, charge_id="ch_1")
    assert preview.amount == -1000

    actions.do_refund(world.agent, world.contact, idempotency_key=key(), charge_id="ch_1")

    assert Charge.objects.get(pk=world.charge.pk).refunded == 1099
    with pytest.raises(Conflict, match="already been refunded in full"):
        actions.do_refund(world.agent, world.contact, idempotency_key=key(), charge_id="ch_1")
    assert sorted(refund.amount for refund in reads.refunds(world.contact)) == [99, 1000]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"amount": -5}, "cannot be negative"),
        ({"amount": 0}, "more than zero"),
        ({"amount": 1100}, "At most 1099"),
        ({"amount": 100, "currency": "EUR"}, "does not match"),
        ({"amount": 100, "currency": "XXX"}, "Unknown currency"),
        ({"amount": "100"}, "whole number"),
    ],
)
def test_bad_refunds_are_refused_and_change_nothing(
    world: AccountWorld, params: dict[str, object], message: str
) -> None:
    with pytest.raises(ActionError, match=message):
        actions.do_refund(
            world.agent,
            world.contact,
            idempotency_key=key(),
            charge_id="ch_1",
            **params,  # type: ignore[arg-type]  # deliberately wrong types among them
        )

    assert Charge.objects.get(pk=world.charge.pk).refunded == 0
    assert not Refund.objects.exists()


def test_unknown_charge_of_another_account_is_not_found(world: AccountWorld) -> None:
    with pytest.raises(NotFound):
        actions.preview_refund(world.agent, world.contact, charge_id="ch_elsewhere")


def test_same_key_replays_and_other_parameters_are_refused(world: AccountWorld) -> None:
    same = key()
    first = actions.do_grant_credit(
        world.agent, world.contact, idempotency_key=same, amount=500, reason="sorry"
    )
    again = actions.do_grant_credit(
        world.agent, world.contact, idempotency_key=same, amount=500, reason="sorry"
    )

    assert again.replayed is True
    assert (again.action_id, again.reference) == (first.action_id, first.reference)
    assert Credit.objects.count() == 1
    with pytest.raises(Conflict, match="different action"):
        actions.do_grant_credit(
            world.agent, world.contact, idempotency_key=same, amount=600, reason="sorry"
        )


def test_pause_resume_and_cancel_with_a_reason(world: AccountWorld) -> None:
    actions.do_pause(world.agent, world.contact, idempotency_key=key(), months=2)
    assert Subscription.objects.get(account=world.account).status == "paused"
    with pytest.raises(Conflict, match="paused"):
        actions.preview_change_plan(world.agent, world.contact, plan="family")
    actions.do_resume(world.agent, world.contact, idempotency_key=key())
    actions.do_cancel(world.agent, world.contact, idempotency_key=key(), reason="too_expensive")

    subscription = Subscription.objects.get(account=world.account)
    assert (subscription.status, subscription.cancel_at_period_end) == ("active", True)
    assert subscription.cancel_reason == "too_expensive"
    with pytest.raises(Conflict, match="already cancelled"):
        actions.preview_cancel(world.agent, world.contact, reason="other")


def test_a_pause_says_when_it_ends_not_when_it_starts(world: AccountWorld) -> None:
    # The preview and the customer's notice named today (when the pause takes effect).
    until = timezone.now() + timedelta(days=60)
    ends = date_format(until, "DATE_FORMAT")

    preview = actions.preview_pause(world.agent, world.contact, months=2)

    assert f"No charges until {ends}." in preview.changes
    assert preview.customer_notice == (
        f"Your subscription is paused until {ends}; you will not be charged."
    )
    assert date_format(timezone.now(), "DATE_FORMAT") not in preview.customer_notice


def test_a_retention_offer_keeps_the_subscription_and_credits_a_month(world: AccountWorld) -> None:
    preview = actions.preview_cancel(
        world.agent, world.contact, reason="too_expensive", offer="free_month"
    )
    assert preview.amount == -1099
    actions.do_cancel(
        world.agent,
        world.contact,
        idempotency_key=key(),
        reason="too_expensive",
        offer="free_month",
    )

    assert Subscription.objects.get(account=world.account).cancel_at_period_end is False
    assert Credit.objects.get(account=world.account).amount == 1099


def test_a_failed_action_is_recorded_and_replays_its_error(world: AccountWorld) -> None:
    same = key()
    world.account.payment_methods.all().delete()
    with pytest.raises(Conflict, match="card on file"):
        actions.do_change_plan(world.agent, world.contact, idempotency_key=same, plan="family")

    assert not AccountAction.objects.exists()  # refused at the quote: nothing was started


def test_summary_and_reads(world: AccountWorld) -> None:
    summary = reads.summary(world.contact)

    assert summary is not None
    assert summary.plan is not None
    assert summary.plan.code == "individual"
    assert (summary.status, summary.last_payment) == ("active", "succeeded")
    assert summary.payment_method is not None
    assert summary.payment_method.last4 == "4242"
    assert [charge.id for charge in reads.charges(world.contact)] == ["ch_1"]


def test_actions_on_a_contact_without_a_linked_account(
    factory: Factory, world: AccountWorld
) -> None:
    stranger = factory.contact(email="nobody@example.test")

    assert reads.summary(stranger) is None
    with pytest.raises(NotFound, match="No account is linked"):
        actions.preview_pause(world.agent, stranger)


def test_a_request_that_died_midway_is_finished_by_its_retry_exactly_once(
    world: AccountWorld,
) -> None:
    same = key()
    first = actions.do_refund(
        world.agent, world.contact, idempotency_key=same, charge_id="ch_1", amount=300
    )
    # As if the process had died after the provider refunded and before atiende recorded it.
    AccountAction.objects.filter(pk=first.action_id).update(
        status="running", updated_at=timezone.now() - timedelta(minutes=5)
    )

    retried = actions.do_refund(
        world.agent, world.contact, idempotency_key=same, charge_id="ch_1", amount=300
    )

    assert (retried.status, retried.reference) == ("done", first.reference)
    assert Charge.objects.get(pk=world.charge.pk).refunded == 300
    assert Refund.objects.count() == 1


def test_every_built_in_verb_applies_once_per_key(world: AccountWorld) -> None:
    provider = get_provider()
    ref = AccountRef("builtin", "user-1")

    provider.apply(ref, "pause", {"months": 1}, idempotency_key="pause-key-1")
    again = provider.apply(ref, "pause", {"months": 1}, idempotency_key="pause-key-1")

    assert again.details["paused_until"]
    assert Subscription.objects.get(account=world.account).version == 1


def test_the_timeline_tells_what_was_done_and_by_whom(world: AccountWorld) -> None:
    actions.do_refund(
        world.agent,
        world.contact,
        idempotency_key=key(),
        charge_id="ch_1",
        amount=500,
        conversation=world.conversation,
    )

    event = Event.objects.get(kind="account.refund")
    assert describe_event(event) == f"Account: Refund $5.00 of charge ch_1 — done by {world.agent}."
    assert "account.refund" in event_kinds()


def test_a_closed_conversation_cannot_take_the_notice_and_that_is_recorded(
    world: AccountWorld,
) -> None:
    change_status(world.supervisor, world.conversation, Status.CLOSED)

    outcome = actions.do_pause(
        world.agent, world.contact, idempotency_key=key(), conversation=world.conversation
    )

    assert outcome.status == "done"
    failed = Event.objects.get(kind="account.notice_failed")
    assert "closed" in failed.data["error"]


def annual_plan() -> Plan:
    return Plan.objects.create(
        code="individual-annual",
        name="Individual (annual)",
        price=10990,
        currency="USD",
        interval=Interval.YEAR,
    )


def test_monthly_to_annual_credits_the_unused_month_and_starts_a_year(
    world: AccountWorld,
) -> None:
    annual_plan()

    preview = actions.preview_change_plan(world.agent, world.contact, plan="individual-annual")

    assert preview.proration is not None
    assert preview.proration.restarts_period
    # A whole year at 109.90 less the unused half of the month at 10.99.
    assert 10990 - 560 <= preview.amount <= 10990 - 540
    assert any("a new period at $109.90 starts now" in line for line in preview.changes)

    before = timezone.now()
    outcome = actions.do_change_plan(
        world.agent,
        world.contact,
        idempotency_key=key(),
        plan="individual-annual",
        from_plan="individual",
    )

    assert outcome.status == "done"
    subscription = Subscription.objects.get(account=world.account)
    assert subscription.plan.code == "individual-annual"
    assert before <= subscription.current_period_start <= timezone.now()
    assert subscription.current_period_end == add_months(subscription.current_period_start, 12)
    assert subscription.billing_anchor == subscription.current_period_start
    assert Charge.objects.get(external_id=outcome.reference).amount == preview.amount


def test_annual_to_monthly_credits_the_rest_of_the_year(world: AccountWorld) -> None:
    now = timezone.now()
    Subscription.objects.filter(account=world.account).update(
        plan=annual_plan(),
        current_period_start=now - timedelta(days=73),
        current_period_end=now + timedelta(days=292),
    )

    outcome = actions.do_change_plan(
        world.agent, world.contact, idempotency_key=key(), plan="individual"
    )

    assert outcome.status == "done"
    # 292 of 365 days unused at 109.90 (87.92) against a new month at 10.99: 76.93 credited.
    credit = Credit.objects.get(account=world.account, idempotency_key__isnull=False)
    assert 7690 <= credit.remaining <= 7696
    subscription = Subscription.objects.get(account=world.account)
    assert subscription.current_period_end == add_months(subscription.current_period_start, 1)
