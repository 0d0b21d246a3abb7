"""Policy: per-role limits, the supervisor's approval queue, and who may do what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from atiende.accounts import actions, policy
from atiende.accounts.actions import CustomerActor
from atiende.accounts.models import (
    AccountAction,
    ApprovalRequest,
    ApprovalStatus,
    Charge,
    Plan,
    Refund,
    Subscription,
)
from atiende.accounts.provider import VERBS
from atiende.accounts.tasks import expire_approval_task
from atiende.core.errors import ActionError, Conflict, NotAllowed, NotFound
from atiende.core.models import Event, Task
from atiende.people.models import Role
from tests.accounts.conftest import AccountWorld, key
from tests.factories import Factory


def test_a_refund_above_the_agent_limit_goes_through_a_supervisor(world: AccountWorld) -> None:
    Charge.objects.create(
        account=world.account, external_id="ch_big", amount=9_900, currency="USD", description="x"
    )
    preview = actions.preview_refund(world.agent, world.contact, charge_id="ch_big")
    assert preview.needs_approval is True
    assert "Above your limit" in preview.approval_reason

    outcome = actions.do_refund(
        world.agent,
        world.contact,
        idempotency_key=key(),
        charge_id="ch_big",
        conversation=world.conversation,
    )

    assert outcome.status == "pending_approval"
    assert outcome.approval_id is not None
    assert not Refund.objects.exists()
    assert [item.pk for item in policy.pending_approvals(world.supervisor)] == [outcome.approval_id]
    assert [item.pk for item in policy.pending_approvals(world.agent)] == [outcome.approval_id]
    with pytest.raises(NotAllowed):
        policy.approve_request(world.agent, outcome.approval_id)

    approved = policy.approve_request(world.supervisor, outcome.approval_id)

    assert approved.status == "done"
    assert Refund.objects.get().amount == 9_900
    assert list(policy.pending_approvals(world.supervisor)) == []
    kinds = list(
        Event.objects.filter(conversation=world.conversation, kind__startswith="account.")
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["account.approval_requested", "account.approval_approved", "account.refund"]
    with pytest.raises(Conflict, match="already been decided"):
        policy.approve_request(world.admin, outcome.approval_id)


def _overdue(approval_id: int) -> None:
    ApprovalRequest.objects.filter(pk=approval_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def test_an_approval_request_expires_by_default_after_48_hours(world: AccountWorld) -> None:
    before = timezone.now()
    outcome = actions.do_grant_credit(
        world.agent, world.contact, idempotency_key=key(), amount=5_000, reason="goodwill"
    )

    approval = ApprovalRequest.objects.get(action_id=outcome.action_id)
    assert approval.expires_at is not None
    assert timedelta(hours=48) <= approval.expires_at - before <= timedelta(hours=48, minutes=1)
    # The durable task that records the expiry at the deadline.
    assert Task.objects.filter(key=f"accounts-approval-expiry:{approval.pk}").exists()


def test_an_expired_request_cannot_be_approved_and_the_agent_sees_why(
    world: AccountWorld, settings: Any
) -> None:
    settings.ATIENDE_APPROVAL_MAX_AGE = 3600
    outcome = actions.do_grant_credit(
        world.agent,
        world.contact,
        idempotency_key=(same := key()),
        amount=5_000,
        reason="goodwill",
        conversation=world.conversation,
    )
    assert outcome.approval_id is not None
    _overdue(outcome.approval_id)

    with pytest.raises(Conflict, match="expired: no supervisor decided within 1 hours"):
        policy.approve_request(world.supervisor, outcome.approval_id)
    with pytest.raises(Conflict, match="expired"):
        policy.reject_request(world.supervisor, outcome.approval_id, "late anyway")

    assert not world.account.credits.exists()
    approval = ApprovalRequest.objects.get(pk=outcome.approval_id)
    assert approval.status == ApprovalStatus.EXPIRED
    action = AccountAction.objects.get(pk=outcome.action_id)
    assert action.status == "failed"
    assert "expired" in action.error
    # The agent: on the conversation's timeline, in the queue, and replaying the key.
    [event] = Event.objects.filter(kind="account.approval_expired")
    assert event.conversation_id == world.conversation.pk
    assert "Ask again if it is still needed" in event.data["note"]
    assert [item.pk for item in policy.pending_approvals(world.agent)] == [approval.pk]
    assert not policy.can_approve(world.supervisor, approval)
    with pytest.raises(ActionError, match="expired"):
        actions.do_grant_credit(
            world.agent, world.contact, idempotency_key=same, amount=5_000, reason="goodwill"
        )


def test_an_expired_request_stops_counting_against_the_limit(world: AccountWorld) -> None:
    first = actions.do_grant_credit(
        world.agent, world.contact, idempotency_key=key(), amount=1_500, reason="a"
    )
    assert first.status == "done"
    queued = actions.do_grant_credit(
        world.agent, world.contact, idempotency_key=key(), amount=400, reason="b"
    )
    assert queued.status == "done"
    waiting = actions.do_grant_credit(
        world.agent, world.contact, idempotency_key=key(), amount=5_000, reason="c"
    )
    assert waiting.approval_id is not None
    _overdue(waiting.approval_id)

    # Without the expiry the queued 5,000 would still count: 1,900 + 100 stays under 2,000.
    again = actions.do_grant_credit(
        world.agent, world.contact, idempotency_key=key(), amount=100, reason="d"
    )

    assert again.status == "done"
    assert ApprovalRequest.objects.get(pk=waiting.approval_id).status == ApprovalStatus.EXPIRED


def test_the_expiry_task_records_it_without_anyone_opening_the_queue(
    world: AccountWorld,
) -> None:
    outcome = actions.do_grant_credit(
        world.agent,
        world.contact,
        idempotency_key=key(),
        amount=5_000,
        reason="goodwill",
        conversation=world.conversation,
    )
    assert outcome.approval_id is not None
    expire_approval_task({"approval_id": outcome.approval_id})
    assert ApprovalRequest.objects.get().status == ApprovalStatus.PENDING  # not due yet

    _overdue(outcome.approval_id)
    expire_approval_task({"approval_id": outcome.approval_id})

    assert ApprovalRequest.objects.get().status == ApprovalStatus.EXPIRED
    assert Event.objects.filter(kind="account.approval_expired").count() == 1


def test_the_limit_counts_the_customer_s_last_thirty_days(world: AccountWorld) -> None:
    actions.do_grant_credit(
        world.agent, world.contact, idempotency_key=key(), amount=1500, reason="a"
    )
    outcome = actions.do_grant_credit(
        world.agent, world.contact, idempotency_key=key(), amount=600, reason="b"
    )

    assert outcome.status == "pending_approval"


def test_a_rejected_request_changes_nothing_and_says_why(world: AccountWorld) -> None:
    outcome = actions.do_grant_credit(
        world.agent, world.contact, idempotency_key=key(), amount=5_000, reason="goodwill"
    )
    assert outcome.approval_id is not None
    with pytest.raises(ActionError, match="Say why"):
        policy.reject_request(world.supervisor, outcome.approval_id, " ")

    rejected = policy.reject_request(world.supervisor, outcome.approval_id, "Too generous")

    assert rejected.status == "rejected"
    assert AccountAction.objects.get(pk=outcome.action_id).status == "rejected"
    assert not world.account.credits.exists()


def test_nobody_approves_their_own_request_and_limits_bind_approvers(
    world: AccountWorld, settings: object
) -> None:
    settings.ATIENDE_REFUND_LIMITS = {"agent": 0, "supervisor": 500, "admin": None}  # type: ignore[attr-defined]
    outcome = actions.do_refund(
        world.supervisor, world.contact, idempotency_key=key(), charge_id="ch_1", amount=800
    )
    assert outcome.approval_id is not None
    other_supervisor = Factory().user(Role.SUPERVISOR)

    with pytest.raises(NotAllowed):
        policy.approve_request(world.supervisor, outcome.approval_id)
    with pytest.raises(NotAllowed):
        policy.approve_request(other_supervisor, outcome.approval_id)
    assert policy.approve_request(world.admin, outcome.approval_id).status == "done"


def test_agents_only_reach_requests_they_made(world: AccountWorld, factory: Factory) -> None:
    outcome = actions.do_grant_credit(
        world.agent, world.contact, idempotency_key=key(), amount=5_000, reason="x"
    )
    assert outcome.approval_id is not None

    with pytest.raises(NotFound):
        policy.reject_request(factory.user(Role.AGENT), outcome.approval_id, "no")


CUSTOMER_MAY: dict[str, dict[str, Any]] = {
    "change_plan": {"plan": "duo"},
    "send_payment_link": {},
    "pause": {"months": 1},
    "cancel": {"reason": "not_using"},
}
CUSTOMER_MAY_NOT: dict[str, dict[str, Any]] = {
    "refund": {"charge_id": "ch_1", "amount": 100},
    "grant_credit": {"amount": 100, "reason": "x"},
    "freeze_withdrawals": {"reason": "x"},
    "unfreeze_withdrawals": {"reason": "x"},
}


@pytest.mark.parametrize(("verb", "params"), list(CUSTOMER_MAY.items()))
def test_customers_serve_themselves_within_policy(
    world: AccountWorld, verb: str, params: dict[str, Any]
) -> None:
    me = CustomerActor(world.contact)

    preview = actions.preview_action(verb, me, world.contact, **params)
    outcome = actions.do_action(verb, me, world.contact, idempotency_key=key(), **params)

    assert preview.needs_approval is False
    assert outcome.status == "done"
    action = AccountAction.objects.get(pk=outcome.action_id)
    assert (action.actor_user_id, action.actor_contact_id) == (None, world.contact.pk)


@pytest.mark.parametrize(("verb", "params"), list(CUSTOMER_MAY_NOT.items()))
def test_customers_never_refund_credit_or_freeze(
    world: AccountWorld, verb: str, params: dict[str, Any]
) -> None:
    with pytest.raises(NotAllowed):
        actions.do_action(
            verb, CustomerActor(world.contact), world.contact, idempotency_key=key(), **params
        )


def test_a_customer_acts_only_on_their_own_account(world: AccountWorld, factory: Factory) -> None:
    other = factory.contact(email="someone@example.test")

    with pytest.raises(NotFound):
        actions.preview_pause(CustomerActor(other), world.contact)


def test_an_agent_outside_the_customer_s_team_cannot_act(
    world: AccountWorld, factory: Factory
) -> None:
    team = factory.team()
    world.conversation.team = team
    world.conversation.save(update_fields=["team"])
    outsider = factory.user(Role.AGENT, teams=[factory.team()])

    with pytest.raises(NotFound):
        actions.preview_pause(outsider, world.contact)
    with pytest.raises(NotFound):
        actions.do_pause(outsider, world.contact, idempotency_key=key())


# (role, verb) -> expected outcome for the matrix: "done", "pending_approval" or "forbidden".
MATRIX_PARAMS: dict[str, dict[str, Any]] = {
    "change_plan": {"plan": "individual"},
    "send_payment_link": {},
    "pause": {"months": 1},
    "cancel": {"reason": "other"},
    "refund": {"charge_id": "ch_1", "amount": 1000},
    "grant_credit": {"amount": 3000, "reason": "x"},
    "add_family_member": {"email": "x@example.test"},
}
EXPECTED = {
    "agent": {"grant_credit": "pending_approval"},
    "supervisor": {},
    "admin": {},
    "customer": {"refund": "forbidden", "grant_credit": "forbidden"},
}


def status_of(verb: str, actor: actions.Actor, world: AccountWorld) -> str:
    try:
        outcome = actions.do_action(
            verb, actor, world.contact, idempotency_key=key(), **MATRIX_PARAMS[verb]
        )
    except NotAllowed:
        return "forbidden"
    return outcome.status


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin", "customer"])
@pytest.mark.parametrize("verb", list(MATRIX_PARAMS))
def test_permission_matrix(world: AccountWorld, role: str, verb: str) -> None:
    Subscription.objects.filter(account=world.account).update(plan=Plan.objects.get(code="family"))
    actors: dict[str, actions.Actor] = {
        "agent": world.agent,
        "supervisor": world.supervisor,
        "admin": world.admin,
        "customer": CustomerActor(world.contact),
    }
    actor = actors[role]

    assert status_of(verb, actor, world) == EXPECTED[role].get(verb, "done")


# Every verb and every role at the policy level: "now", "approval" or "forbidden" (amounts in
# minor units: 1000 is within an agent's refund limit, 3000 above an agent's credit limit).
POLICY_MATRIX: dict[str, dict[str, str]] = {
    "change_plan": {"agent": "now", "supervisor": "now", "admin": "now", "customer": "now"},
    "send_payment_link": {"agent": "now", "supervisor": "now", "admin": "now", "customer": "now"},
    "pause": {"agent": "now", "supervisor": "now", "admin": "now", "customer": "now"},
    "resume": {"agent": "now", "supervisor": "now", "admin": "now", "customer": "now"},
    "cancel": {"agent": "now", "supervisor": "now", "admin": "now", "customer": "now"},
    "refund": {"agent": "now", "supervisor": "now", "admin": "now", "customer": "forbidden"},
    "grant_credit": {
        "agent": "approval",
        "supervisor": "now",
        "admin": "now",
        "customer": "forbidden",
    },
    "add_family_member": {"agent": "now", "supervisor": "now", "admin": "now", "customer": "now"},
    "remove_family_member": {
        "agent": "now",
        "supervisor": "now",
        "admin": "now",
        "customer": "now",
    },
    "freeze_withdrawals": {
        "agent": "approval",
        "supervisor": "approval",
        "admin": "approval",
        "customer": "forbidden",
    },
    "unfreeze_withdrawals": {
        "agent": "approval",
        "supervisor": "approval",
        "admin": "approval",
        "customer": "forbidden",
    },
}
AMOUNTS = {"refund": 1000, "grant_credit": 3000}


def decision_of(actor: actions.Actor, verb: str) -> str:
    try:
        decision = policy.decide(
            actor, verb, account_id="user-1", amount=AMOUNTS.get(verb, 0), currency="USD"
        )
    except NotAllowed:
        return "forbidden"
    return "approval" if decision.needs_approval else "now"


def test_the_policy_matrix_covers_every_verb() -> None:
    assert set(POLICY_MATRIX) == set(VERBS)


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin", "customer"])
@pytest.mark.parametrize("verb", list(POLICY_MATRIX))
def test_policy_matrix(world: AccountWorld, role: str, verb: str) -> None:
    actors: dict[str, actions.Actor] = {
        "agent": world.agent,
        "supervisor": world.supervisor,
        "admin": world.admin,
        "customer": CustomerActor(world.contact),
    }

    assert decision_of(actors[role], verb) == POLICY_MATRIX[verb][role]
