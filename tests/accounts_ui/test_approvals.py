"""The approval queue page: supervisors see pending requests with what they do and approve or
reject them with a reason; agents cannot decide; nobody decides their own request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from atiende.accounts.actions import do_refund
from atiende.accounts.models import ApprovalRequest, ApprovalStatus, Refund
from atiende.accounts.types import Outcome
from tests.accounts.conftest import AccountWorld
from tests.accounts_ui.conftest import signed_in
from tests.factories import Factory


def refund_above_the_limit(world: AccountWorld) -> Outcome:
    """The agent asks to refund $80.00 of a $90.00 charge: above their limit, it waits."""
    world.charge.amount = 9000
    world.charge.save(update_fields=["amount"])
    outcome = do_refund(
        world.agent,
        world.contact,
        idempotency_key="queue-test-0001",
        charge_id="ch_1",
        amount=8000,
        conversation=world.conversation,
    )
    assert outcome.status == "pending_approval"
    return outcome


@pytest.fixture
def pending(world: AccountWorld) -> Outcome:
    return refund_above_the_limit(world)


def test_the_supervisor_sees_the_request_with_its_amount_and_notice(
    world: AccountWorld, pending: Outcome
) -> None:
    html = signed_in(world.supervisor).get("/inbox/approvals/").content.decode()

    assert f'id="approval-{pending.approval_id}"' in html
    assert "$80.00" in html
    assert "What the customer will be told" in html
    assert "Approve" in html


def test_a_spanish_supervisor_reads_the_amount_in_spanish(
    world: AccountWorld, pending: Outcome
) -> None:
    html = (
        signed_in(world.supervisor)
        .get("/inbox/approvals/", HTTP_ACCEPT_LANGUAGE="es")
        .content.decode()
    )

    # The amount line.
    assert "<strong>Importe:</strong> 80,00 $</p>" in html


def test_approving_carries_the_refund_out(world: AccountWorld, pending: Outcome) -> None:
    response = signed_in(world.supervisor).post(f"/inbox/approvals/{pending.approval_id}/approve/")

    assert response.status_code == 302
    assert Refund.objects.get().amount == 8000
    assert ApprovalRequest.objects.get().status == ApprovalStatus.APPROVED


def test_rejecting_needs_a_reason(world: AccountWorld, pending: Outcome) -> None:
    client = signed_in(world.supervisor)

    client.post(f"/inbox/approvals/{pending.approval_id}/reject/", {"reason": ""})
    assert ApprovalRequest.objects.get().status == ApprovalStatus.PENDING
    client.post(f"/inbox/approvals/{pending.approval_id}/reject/", {"reason": "Already credited"})

    assert ApprovalRequest.objects.get().status == ApprovalStatus.REJECTED
    assert not Refund.objects.exists()


def test_the_requesting_agent_sees_it_but_cannot_decide(
    world: AccountWorld, pending: Outcome
) -> None:
    client = signed_in(world.agent)

    html = client.get("/inbox/approvals/").content.decode()
    client.post(f"/inbox/approvals/{pending.approval_id}/approve/")

    assert f'id="approval-{pending.approval_id}"' in html
    assert f"/inbox/approvals/{pending.approval_id}/approve/" not in html
    assert ApprovalRequest.objects.get().status == ApprovalStatus.PENDING
    assert not Refund.objects.exists()


def test_another_agent_gets_404(factory: Factory, world: AccountWorld, pending: Outcome) -> None:
    other = signed_in(factory.user())

    assert f"approval-{pending.approval_id}" not in other.get("/inbox/approvals/").content.decode()
    assert other.post(f"/inbox/approvals/{pending.approval_id}/approve/").status_code == 404
    assert (
        other.post(f"/inbox/approvals/{pending.approval_id}/reject/", {"reason": "no"}).status_code
        == 404
    )
    assert ApprovalRequest.objects.get().status == ApprovalStatus.PENDING


def test_an_expired_request_shows_as_expired_and_cannot_be_approved(
    world: AccountWorld, pending: Outcome
) -> None:
    ApprovalRequest.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    supervisor = signed_in(world.supervisor)

    html = supervisor.get("/inbox/approvals/").content.decode()
    response = supervisor.post(f"/inbox/approvals/{pending.approval_id}/approve/", follow=True)
    agent_html = signed_in(world.agent).get("/inbox/approvals/").content.decode()
    timeline = signed_in(world.agent).get(world.conversation.get_absolute_url()).content.decode()

    assert f'id="approval-{pending.approval_id}"' in html
    assert "badge-expired" in html
    assert f"/inbox/approvals/{pending.approval_id}/approve/" not in html
    assert "expired" in response.content.decode()
    assert not Refund.objects.exists()
    assert ApprovalRequest.objects.get().status == ApprovalStatus.EXPIRED
    assert "no supervisor decided within 48 hours" in agent_html
    assert "no supervisor decided within 48 hours" in timeline


def test_the_queue_shows_when_a_request_expires(world: AccountWorld, pending: Outcome) -> None:
    html = signed_in(world.supervisor).get("/inbox/approvals/").content.decode()

    assert "unless someone decides before" in html


def test_the_api_lists_an_expired_request_with_its_reason(
    world: AccountWorld, pending: Outcome
) -> None:
    ApprovalRequest.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    rows = signed_in(world.agent).get("/api/accounts/approvals").json()

    assert [(row["id"], row["status"]) for row in rows] == [(pending.approval_id, "expired")]
    assert "Ask again" in rows[0]["note"]


def test_each_reader_reads_the_title_in_their_own_language(world: AccountWorld) -> None:
    # The title was stored in the words of the agent who asked: a Spanish agent's refund read
    # "Reembolsar ..." on an English supervisor's queue and on the timeline.
    with translation.override("es"):
        refund_above_the_limit(world)
    supervisor = signed_in(world.supervisor)

    english = supervisor.get("/inbox/approvals/").content.decode()
    spanish = supervisor.get("/inbox/approvals/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    timeline = supervisor.get(f"/inbox/c/{world.conversation.pk}/").content.decode()

    assert "Refund $80.00 of charge ch_1" in english
    assert "Reembolsar 80,00 $ del cobro ch_1" in spanish
    assert "Account: Refund $80.00 of charge ch_1" in timeline
