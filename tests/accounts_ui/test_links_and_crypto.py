"""The single-use links customers receive (update the card, confirm a withdrawal freeze) opened
from the portal, and the crypto account in the agent's panel: transactions, and a freeze that
goes to a supervisor and then to the customer's confirmation."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from atiende.accounts.actions import do_freeze_withdrawals, do_send_payment_link
from atiende.accounts.models import (
    Account,
    AccountKind,
    ApprovalRequest,
    CryptoTransaction,
    PaymentMethod,
)
from atiende.accounts.policy import approve_request
from tests.accounts.conftest import AccountWorld
from tests.accounts_ui.conftest import signed_in

LINK = re.compile(r"/portal/account/link/([A-Za-z0-9_-]+)/")


def token_in(text: str) -> str:
    match = LINK.search(text)
    assert match is not None, text
    return match.group(1)


@pytest.fixture
def confirm_in_conversation(settings: Any) -> None:
    """The link in the conversation (ATIENDE_ACCOUNT_CONFIRM_CHANNEL=conversation), where this
    test reads it; the default emails it to the verified address only."""
    settings.ATIENDE_ACCOUNT_CONFIRM_CHANNEL = "conversation"


def test_the_card_link_takes_a_new_card_once(world: AccountWorld) -> None:
    outcome = do_send_payment_link(
        world.agent,
        world.contact,
        idempotency_key="card-link-0001",
        conversation=world.conversation,
    )
    url = f"/portal/account/link/{token_in(outcome.message)}/"
    client = Client()

    page = client.get(url)
    saved = client.post(
        url, {"number": "5555 5555 5555 4444", "exp_month": "4", "exp_year": "2031", "cvc": "123"}
    )
    replay = client.get(url)

    assert "Card number" in page.content.decode()
    assert "Your card was updated" in saved.content.decode()
    card = PaymentMethod.objects.filter(account=world.account).order_by("-pk").first()
    assert card is not None
    assert (card.brand, card.last4) == ("Mastercard", "4444")
    assert replay.status_code == 400
    assert "5555 5555 5555 4444" not in saved.content.decode()


def test_a_bad_card_is_refused_without_echoing_the_number(world: AccountWorld) -> None:
    outcome = do_send_payment_link(
        world.agent,
        world.contact,
        idempotency_key="card-link-0002",
        conversation=world.conversation,
    )
    url = f"/portal/account/link/{token_in(outcome.message)}/"

    response = Client().post(
        url, {"number": "4111 1111 1111 1112", "exp_month": "4", "exp_year": "2031", "cvc": "123"}
    )

    assert response.status_code == 400
    assert "4111 1111 1111 1112" not in response.content.decode()
    assert "not valid" in response.content.decode()


def test_an_unknown_link_is_refused(db: None) -> None:
    assert Client().get(f"/portal/account/link/{'x' * 43}/").status_code == 400


@pytest.fixture
def exchange(world: AccountWorld) -> Account:
    Account.objects.filter(pk=world.account.pk).update(kind=AccountKind.EXCHANGE)
    now = timezone.now()
    CryptoTransaction.objects.create(
        account=world.account,
        external_id="tx-1",
        kind="withdrawal",
        status="pending",
        asset="BTC",
        network="bitcoin",
        amount=150000,
        decimals=8,
        tx_hash="ab" * 32,
        confirmations=1,
        required_confirmations=3,
        created_at=now - timedelta(minutes=20),
    )
    world.account.refresh_from_db()
    return world.account


def test_the_panel_answers_where_is_my_withdrawal(world: AccountWorld, exchange: Account) -> None:
    html = signed_in(world.agent).get(f"/inbox/c/{world.conversation.pk}/account/").content.decode()

    assert "0.0015 BTC" in html
    assert "1 of 3 confirmations" in html
    assert "ab" * 32 in html
    assert "Freeze withdrawals" in html
    assert "Change plan" not in html


@pytest.mark.usefixtures("confirm_in_conversation")
def test_a_freeze_goes_to_approval_then_the_customer_confirms_with_the_link(
    world: AccountWorld, exchange: Account
) -> None:
    client = signed_in(world.agent)
    result = client.post(
        f"/inbox/c/{world.conversation.pk}/account/actions/freeze_withdrawals/confirm/",
        {"reason": "Customer reports a stolen phone", "idempotency_key": "freeze-0001-key"},
    )
    assert "Sent for supervisor approval" in result.content.decode()

    outcome = approve_request(world.supervisor, ApprovalRequest.objects.get().pk)
    assert outcome.status == "awaiting_customer"
    notice = world.conversation.messages.order_by("-seq").first()
    assert notice is not None
    url = f"/portal/account/link/{token_in(notice.body_text)}/"
    confirmed = Client().post(url)

    assert "Confirmed" in confirmed.content.decode()
    assert Account.objects.get(pk=exchange.pk).withdrawals_frozen


def test_the_freeze_action_is_not_done_directly(world: AccountWorld, exchange: Account) -> None:
    outcome = do_freeze_withdrawals(
        world.supervisor, world.contact, idempotency_key="freeze-0002-key", reason="Fraud"
    )
    assert outcome.status == "pending_approval"
    assert not Account.objects.get(pk=exchange.pk).withdrawals_frozen
