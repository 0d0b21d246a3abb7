"""The single-use links customers receive (update the card, confirm a withdrawal freeze) opened
from the portal, and the crypto account in the agent's panel: transactions, and a freeze that
goes to a supervisor and then to the customer's confirmation."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from atiende.accounts.actions import do_freeze_withdrawals, do_send_payment_link
from atiende.accounts.builtin.billing import renew_due
from atiende.accounts.models import (
    Account,
    AccountKind,
    ApprovalRequest,
    CryptoTransaction,
    Invoice,
    PaymentMethod,
    SecureLink,
    Subscription,
)
from atiende.accounts.policy import approve_request
from atiende.core.models import Event
from tests.accounts.conftest import AccountWorld
from tests.accounts_ui.conftest import signed_in
from tests.factories import Factory
from tests.portal.helpers import sign_in

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


CARD = {"step": "card", "number": "5555 5555 5555 4444", "exp_month": "4", "exp_year": "2031"}
CARD["cvc"] = "123"


def send_link(world: AccountWorld, capture: Any, number: int = 1) -> str:
    """The agent sends the payment link; the URL the customer's email holds."""
    with capture(execute=True):
        outcome = do_send_payment_link(
            world.agent,
            world.contact,
            idempotency_key=f"card-link-{number:04d}",
            conversation=world.conversation,
        )
    assert LINK.search(outcome.message) is None
    [email] = [message for message in mail.outbox if LINK.search(str(message.body))]
    return f"/portal/account/link/{token_in(str(email.body))}/"


def latest_card(world: AccountWorld) -> tuple[str, str]:
    card = PaymentMethod.objects.filter(account=world.account).order_by("-pk").first()
    assert card is not None
    return card.brand, card.last4


def test_the_agent_sees_that_a_link_was_sent_never_a_usable_link(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    url = send_link(world, django_capture_on_commit_callbacks)
    agent = signed_in(world.agent)

    conversation = agent.get(world.conversation.get_absolute_url()).content.decode()
    panel = agent.get(f"/inbox/c/{world.conversation.pk}/account/").content.decode()

    token = url.split("/")[-2]
    assert token not in conversation
    assert token not in panel
    assert "/portal/account/link/" not in conversation
    assert "We sent a secure link to update your payment method" in conversation


def test_the_agent_cannot_use_the_link(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    url = send_link(world, django_capture_on_commit_callbacks)
    agent = signed_in(world.agent)  # even holding the URL (a forwarded email)

    page = agent.get(url).content.decode()
    posted = agent.post(url, CARD)
    guessed = agent.post(url, {"step": "check_code", "code": "123456"})

    assert "Confirm it is you" in page
    assert "Card number" not in page
    assert posted.status_code == 403
    assert "Confirm it is you first" in posted.content.decode()
    assert guessed.status_code == 400  # no code was ever sent to this session's owner
    assert latest_card(world) == ("Visa", "4242")
    assert SecureLink.objects.get().used_at is None  # still the customer's to use


def test_another_signed_in_customer_cannot_use_the_link(
    world: AccountWorld, django_capture_on_commit_callbacks: Any, factory: Factory
) -> None:
    url = send_link(world, django_capture_on_commit_callbacks)
    factory.conversation(email="someone@example.test")
    other = Client()
    sign_in(other, "someone@example.test")

    response = other.post(url, CARD)

    assert response.status_code == 403
    assert "another customer" in response.content.decode()
    assert latest_card(world) == ("Visa", "4242")


def test_the_signed_in_customer_updates_the_card_once(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    url = send_link(world, django_capture_on_commit_callbacks)
    customer = Client()
    sign_in(customer, "maya@example.test")

    page = customer.get(url)
    saved = customer.post(url, CARD)
    replay = customer.get(url)

    assert "Card number" in page.content.decode()
    assert "Your card was updated" in saved.content.decode()
    assert latest_card(world) == ("Mastercard", "4444")
    assert replay.status_code == 400
    assert "already been used" in replay.content.decode()
    assert "5555 5555 5555 4444" not in saved.content.decode()
    kinds = list(
        Event.objects.filter(kind__startswith="account.payment_").values_list("kind", flat=True)
    )
    assert "account.payment_link_verified" in kinds
    assert "account.payment_method_updated" in kinds
    assert "account.payment_link_refused" in kinds  # the replay


def test_the_customer_confirms_with_the_emailed_code(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    url = send_link(world, django_capture_on_commit_callbacks)
    browser = Client()  # not signed in: the email's link on another device

    with django_capture_on_commit_callbacks(execute=True):
        asked = browser.post(url, {"step": "send_code"})
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert code is not None
    assert mail.outbox[-1].to == ["maya@example.test"]
    verified = browser.post(url, {"step": "check_code", "code": code.group(1)})
    # The code proved this browser only: another one holding the URL gets nowhere.
    elsewhere = Client().post(url, CARD)
    saved = browser.post(url, CARD)

    assert "m•••@example.test" in asked.content.decode()
    assert verified.status_code == 302
    assert "Your card was updated" in saved.content.decode()
    assert latest_card(world) == ("Mastercard", "4444")
    assert elsewhere.status_code == 403


def test_an_expired_link_is_refused_clearly(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    url = send_link(world, django_capture_on_commit_callbacks)
    customer = Client()
    sign_in(customer, "maya@example.test")
    SecureLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = customer.post(url, CARD)

    assert response.status_code == 400
    assert "This link has expired; ask us for a new one." in response.content.decode()
    assert latest_card(world) == ("Visa", "4242")


def test_a_bad_card_is_refused_without_echoing_the_number(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    url = send_link(world, django_capture_on_commit_callbacks)
    customer = Client()
    sign_in(customer, "maya@example.test")

    response = customer.post(url, {**CARD, "number": "4111 1111 1111 1112"})

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


def test_an_exchange_account_shows_no_streaming_plan_rows_or_checklists(
    world: AccountWorld, exchange: Account
) -> None:
    # Kripto's customer was shown "Plan: None", "No subscription", "No payments yet" and the
    # music app's checklists (playback errors, device sync).
    html = signed_in(world.agent).get(f"/inbox/c/{world.conversation.pk}/account/").content.decode()

    assert "Withdrawals" in html
    assert "Last payment" not in html
    assert "<dt>Plan</dt>" not in html
    assert "Diagnosis" not in html
    assert 'data-checklist="playback"' not in html


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


def test_the_new_card_pays_the_unpaid_renewal_and_says_so(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    PaymentMethod.objects.filter(account=world.account).update(exp_year=2020)
    Subscription.objects.filter(account=world.account).update(
        current_period_end=timezone.now() - timedelta(hours=1)
    )
    [renewal] = renew_due()
    url = send_link(world, django_capture_on_commit_callbacks, number=3)
    customer = Client()
    sign_in(customer, "maya@example.test")

    saved = customer.post(url, CARD)

    assert "it paid your unpaid invoices" in saved.content.decode()
    assert Invoice.objects.get(number=renewal.invoice).status == "paid"


def test_from_the_sidebar_the_agent_previews_and_sends_the_link_without_ever_seeing_it(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    agent = signed_in(world.agent)
    base = f"/inbox/c/{world.conversation.pk}/account/actions/send_payment_link/"

    preview = agent.post(f"{base}preview/", {}).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', preview)
    assert key is not None
    with django_capture_on_commit_callbacks(execute=True):
        result = agent.post(f"{base}confirm/", {"idempotency_key": key.group(1)}).content.decode()

    assert "emailed to m•••@example.test only" in preview
    assert "We sent a secure link to update your payment method to m•••@example.test" in preview
    [email] = [message for message in mail.outbox if LINK.search(str(message.body))]
    token = token_in(str(email.body))
    assert token not in result
    assert LINK.search(result) is None
    assert token not in agent.get(world.conversation.get_absolute_url()).content.decode()


def test_the_signed_in_customer_asks_for_a_card_link_in_the_portal(
    world: AccountWorld, django_capture_on_commit_callbacks: Any
) -> None:
    customer = Client()
    sign_in(customer, "maya@example.test")

    page = customer.get("/portal/account/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        asked = customer.post("/portal/account/card/", follow=True).content.decode()
    again = customer.post("/portal/account/card/", follow=True).content.decode()
    [email] = [message for message in mail.outbox if LINK.search(str(message.body))]
    url = f"/portal/account/link/{token_in(str(email.body))}/"
    form = customer.get(url).content.decode()  # signed in as the owner: straight to the form

    assert "Update your card" in page
    assert "We sent a secure link to update your payment method to m•••@example.test" in asked
    assert "We emailed you a link a moment ago" in again
    assert SecureLink.objects.count() == 1
    assert email.to == ["maya@example.test"]
    assert "Card number" in form
