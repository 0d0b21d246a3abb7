"""Single-use links: the card update page's flow and the withdrawal freeze's confirmation."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from atiende.accounts import actions, policy, psp
from atiende.accounts.actions import links
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
from atiende.core.models import Event
from atiende.people.models import Contact, ContactIdentity, IdentityKind
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


def send_link(world: AccountWorld, capture: Any) -> tuple[str, str]:
    """Send the payment link as the agent; (the conversation's notice, the emailed token)."""
    with capture(execute=True):
        outcome = actions.do_send_payment_link(
            world.agent, world.contact, idempotency_key=key(), conversation=world.conversation
        )
    reply = last_reply(world.conversation)
    assert outcome.message == reply
    [email] = [message for message in mail.outbox if LINK.search(str(message.body))]
    assert email.to == ["maya@example.test"]
    return reply, token_in(str(email.body))


def test_the_payment_link_goes_only_to_the_verified_address(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    reply, token = send_link(world, django_capture_on_commit_callbacks)

    # The conversation (which agents read) says a link was sent, and holds no link.
    assert LINK.search(reply) is None
    assert token not in reply
    assert "m•••@example.test" in reply
    assert "never ask for your card number" in reply
    action = AccountAction.objects.get(verb="send_payment_link")
    assert token not in str(action.result)
    assert "/account/link/" not in str(action.result)
    assert not SecureLink.objects.filter(token_hash=token).exists()  # only its hash is stored


def test_the_payment_link_updates_the_card_once_for_its_owner(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    _reply, token = send_link(world, django_capture_on_commit_callbacks)
    card = psp.tokenise("4000 0566 5566 5556", 4, timezone.now().year + 3, "123")

    # Nobody verified, or someone else: refused, and the link is not spent.
    with pytest.raises(NotAllowed, match="Confirm it is you"):
        actions.update_payment_method(token, card_token=card, customer=None)
    stranger = Contact.objects.create(name="Someone else")
    with pytest.raises(NotAllowed, match="another customer"):
        actions.update_payment_method(token, card_token=card, customer=stranger)
    assert SecureLink.objects.get().used_at is None

    actions.update_payment_method(token, card_token=card, customer=world.contact)

    method = PaymentMethod.objects.filter(account=world.account).order_by("-pk").first()
    assert method is not None
    assert (method.brand, method.last4, method.is_default) == ("Visa", "5556", True)
    assert "4000056655665556" not in str(list(PspToken.objects.values()))
    with pytest.raises(Conflict, match="already been used"):
        actions.update_payment_method(token, card_token=card, customer=world.contact)
    for _reload in range(3):  # reloading a spent link (or a mail scanner) is audited once
        with pytest.raises(Conflict, match="already been used"):
            actions.open_link(token)
    refusals = Event.objects.filter(kind="account.payment_link_refused")
    assert sorted(event.data["reason"] for event in refusals) == [
        "not_owner",
        "not_verified",
        "used",
    ]


def test_a_customer_without_a_verified_email_gets_no_link(world: AccountWorld) -> None:
    ContactIdentity.objects.filter(contact=world.contact).update(verified=False)
    ContactIdentity.objects.create(
        contact=world.contact, kind=IdentityKind.USER, value="user-1", verified=True
    )

    with pytest.raises(ActionError, match="no verified email"):
        actions.preview_send_payment_link(world.agent, world.contact)
    assert not SecureLink.objects.exists()


def test_the_emailed_code_proves_the_customer(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    _reply, token = send_link(world, django_capture_on_commit_callbacks)
    link = actions.open_link(token)
    with django_capture_on_commit_callbacks(execute=True):
        assert links.send_code(link) == "m•••@example.test"
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert code is not None
    assert mail.outbox[-1].to == ["maya@example.test"]
    link.refresh_from_db()
    assert code.group(1) not in str(SecureLink.objects.values().get())  # only its HMAC

    wrong = "000000" if code.group(1) != "000000" else "111111"
    with pytest.raises(ActionError, match="not right"):
        links.check_code(link, wrong)
    links.check_code(link, code.group(1))

    link.refresh_from_db()
    assert link.verified_at is not None
    assert link.code_hash == ""
    with pytest.raises(ActionError, match="Ask for a code first"):
        links.check_code(link, code.group(1))  # a code works once


def test_codes_are_limited(world: AccountWorld, django_capture_on_commit_callbacks: Any) -> None:
    _reply, token = send_link(world, django_capture_on_commit_callbacks)
    link = actions.open_link(token)
    links.send_code(link)
    with pytest.raises(Conflict, match="just sent a code"):
        links.send_code(link)
    for _attempt in range(links.CODE_TRIES):
        with pytest.raises(ActionError, match="not right"):
            links.check_code(link, "12345x")
        link.refresh_from_db()
    with pytest.raises(Conflict, match="Too many wrong codes"):
        links.check_code(link, "123456")
    SecureLink.objects.update(code_expires_at=timezone.now() - timedelta(seconds=1))
    link.refresh_from_db()
    with pytest.raises(Conflict, match="code has expired"):
        links.check_code(link, "123456")


def test_an_expired_or_unknown_link_is_refused(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    _reply, token = send_link(world, django_capture_on_commit_callbacks)
    SecureLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(Conflict, match="expired"):
        actions.open_link(token)
    with pytest.raises(NotFound):
        actions.open_link("x" * 43)
    assert Event.objects.filter(
        kind="account.payment_link_refused", data__reason="expired"
    ).exists()


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
