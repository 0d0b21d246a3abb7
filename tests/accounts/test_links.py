"""Single-use links: the card update page's flow and the withdrawal freeze's confirmation."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from atiende.accounts import actions, policy, psp
from atiende.accounts.models import (
    Account,
    AccountAction,
    CryptoTransaction,
    PaymentMethod,
    PspToken,
    SecureLink,
)
from atiende.conversations.models import Conversation, Direction, Message
from atiende.core.errors import ActionError, Conflict, NotAllowed, NotFound
from atiende.people.models import Contact
from tests.accounts.conftest import AccountWorld, key

LINK = re.compile(r"/account/link/([A-Za-z0-9_-]{43})/")


def last_reply(conversation: Conversation) -> str:
    message = Message.objects.filter(
        conversation=conversation, direction=Direction.OUTBOUND
    ).latest("seq")
    return message.body_text


def token_in(text: str) -> str:
    match = LINK.search(text)
    assert match is not None, text
    return match.group(1)


@pytest.fixture
def confirm_in_conversation(settings: Any) -> None:
    """The link in the conversation (ATIENDE_ACCOUNT_CONFIRM_CHANNEL=conversation), where this
    test reads it; the default emails it to the verified address only."""
    settings.ATIENDE_ACCOUNT_CONFIRM_CHANNEL = "conversation"


def test_the_payment_link_updates_the_card_once(world: AccountWorld) -> None:
    outcome = actions.do_send_payment_link(
        world.agent, world.contact, idempotency_key=key(), conversation=world.conversation
    )
    reply = last_reply(world.conversation)
    token = token_in(reply)
    assert outcome.message == reply
    assert "never ask for your card number" in reply
    assert not SecureLink.objects.filter(token_hash=token).exists()  # only its hash is stored

    card = psp.tokenise("4000 0566 5566 5556", 4, timezone.now().year + 3, "123")
    actions.update_payment_method(token, card_token=card)

    method = PaymentMethod.objects.filter(account=world.account).first()
    assert method is not None
    assert (method.brand, method.last4, method.is_default) == ("Visa", "5556", True)
    assert "4000056655665556" not in str(list(PspToken.objects.values()))
    with pytest.raises(Conflict, match="already been used"):
        actions.update_payment_method(token, card_token=card)


def test_an_expired_or_unknown_link_is_refused(world: AccountWorld) -> None:
    actions.do_send_payment_link(
        world.agent, world.contact, idempotency_key=key(), conversation=world.conversation
    )
    token = token_in(last_reply(world.conversation))
    SecureLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(Conflict, match="expired"):
        actions.open_link(token)
    with pytest.raises(NotFound):
        actions.open_link("x" * 43)


@pytest.mark.parametrize(
    ("number", "month", "cvc", "message"),
    [
        ("4242 4242 4242 4241", 12, "123", "card number"),
        ("4242 4242 4242 4242", 13, "123", "expired"),
        ("4242 4242 4242 4242", 12, "12a", "security code"),
    ],
)
def test_the_fake_processor_checks_the_card(
    number: str, month: int, cvc: str, message: str
) -> None:
    with pytest.raises(ActionError, match=message):
        psp.tokenise(number, month, timezone.now().year + 1, cvc)


@pytest.mark.usefixtures("confirm_in_conversation")
def test_a_freeze_needs_a_supervisor_then_the_customer(
    world: AccountWorld, exchange: tuple[Contact, Conversation, Account]
) -> None:
    contact, conversation, account = exchange
    preview = actions.preview_freeze_withdrawals(world.agent, contact, reason="account takeover")
    assert (preview.needs_approval, preview.needs_customer_confirmation) == (True, True)

    requested = actions.do_freeze_withdrawals(
        world.agent,
        contact,
        idempotency_key=key(),
        reason="account takeover",
        conversation=conversation,
    )
    assert requested.status == "pending_approval"
    assert requested.approval_id is not None
    approved = policy.approve_request(world.supervisor, requested.approval_id)
    assert approved.status == "awaiting_customer"
    account.refresh_from_db()
    assert account.withdrawals_frozen is False
    request = last_reply(conversation)
    assert "never ask for your password, recovery phrase or private keys" in request

    confirmed = actions.confirm_action(token_in(request))

    assert confirmed.status == "done"
    account.refresh_from_db()
    assert account.withdrawals_frozen is True
    assert CryptoTransaction.objects.get(external_id="tx-1").status == "on_hold"
    assert AccountAction.objects.get(pk=requested.action_id).status == "done"
    with pytest.raises(Conflict, match="already been used"):
        actions.confirm_action(token_in(request))


def test_freezes_are_only_for_exchange_accounts_and_never_self_service(
    world: AccountWorld,
) -> None:
    with pytest.raises(ActionError, match="Only exchange accounts"):
        actions.preview_freeze_withdrawals(world.agent, world.contact, reason="x")
    with pytest.raises(NotAllowed):
        actions.preview_freeze_withdrawals(
            actions.CustomerActor(world.contact), world.contact, reason="x"
        )


@pytest.mark.usefixtures("confirm_in_conversation")
def test_a_confirmation_that_comes_too_late_ends_the_request(
    world: AccountWorld, exchange: tuple[Contact, Conversation, Account]
) -> None:
    contact, conversation, account = exchange
    requested = actions.do_freeze_withdrawals(
        world.agent,
        contact,
        idempotency_key=key(),
        reason="stolen phone",
        conversation=conversation,
    )
    assert requested.approval_id is not None
    policy.approve_request(world.supervisor, requested.approval_id)
    SecureLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(Conflict, match="expired"):
        actions.confirm_action(token_in(last_reply(conversation)))

    action = AccountAction.objects.get(pk=requested.action_id)
    assert (action.status, action.error) == ("failed", "The customer did not confirm in time.")
    account.refresh_from_db()
    assert account.withdrawals_frozen is False


def test_with_email_confirmation_agents_never_hold_the_link(
    world: AccountWorld,
    exchange: tuple[Contact, Conversation, Account],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.ATIENDE_ACCOUNT_CONFIRM_CHANNEL = "email"
    contact, conversation, account = exchange
    requested = actions.do_freeze_withdrawals(
        world.agent, contact, idempotency_key=key(), reason="sim swap", conversation=conversation
    )
    assert requested.approval_id is not None

    with django_capture_on_commit_callbacks(execute=True):
        policy.approve_request(world.supervisor, requested.approval_id)

    notice = last_reply(conversation)
    assert LINK.search(notice) is None
    assert "a•••@example.test" in notice
    assert [message.to for message in mail.outbox] == [["amara@example.test"]]
    actions.confirm_action(token_in(str(mail.outbox[0].body)))
    account.refresh_from_db()
    assert account.withdrawals_frozen is True
