"""The HTTP provider against a local back end that follows the documented contract, and the
whole action path (policy, idempotency, event, notice) through it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from atiende.accounts import actions, reads, signing
from atiende.accounts.http_provider import HttpProvider
from atiende.accounts.models import AccountAction
from atiende.accounts.provider import get_provider
from atiende.accounts.types import AccountRef
from atiende.core.errors import ActionError, Conflict, NotFound
from atiende.core.models import Event
from atiende.people.models import Contact, ContactIdentity, IdentityKind, Role
from tests.accounts.conftest import key
from tests.accounts.contract_server import CARD_PAGE, SECRET, ContractServer
from tests.factories import Factory
from tests.portal.helpers import sign_in

REF = AccountRef("http", "acct_42")


@pytest.fixture
def server(settings: Any) -> Iterator[ContractServer]:
    with ContractServer() as running:
        settings.ATIENDE_ACCOUNT_PROVIDER_URL = running.url
        settings.ATIENDE_ACCOUNT_PROVIDER_SECRET = SECRET
        settings.ATIENDE_ACCOUNT_PROVIDER_TIMEOUT = 1.0
        yield running


@pytest.fixture
def customer(factory: Factory) -> Contact:
    contact = factory.contact(email="pat-chat@example.test")
    ContactIdentity.objects.create(
        contact=contact, kind=IdentityKind.USER, value="biz-42", verified=True
    )
    return contact


def test_stripe_like_signatures() -> None:
    header = signing.sign("s3cret", "POST", "/v1/x", b"{}", timestamp=1_700_000_000)

    assert signing.verify(header, ["old", "s3cret"], "POST", "/v1/x", b"{}", now=1_700_000_100)
    assert not signing.verify(header, ["s3cret"], "POST", "/v1/y", b"{}", now=1_700_000_100)
    assert not signing.verify(header, ["s3cret"], "POST", "/v1/x", b"{} ", now=1_700_000_100)
    assert not signing.verify(header, ["s3cret"], "POST", "/v1/x", b"{}", now=1_700_000_301)
    assert not signing.verify("t=abc,v1=00", ["s3cret"], "POST", "/v1/x", b"{}")


def test_the_configured_provider_is_http(server: ContractServer, customer: Contact) -> None:
    provider = get_provider()

    assert isinstance(provider, HttpProvider)
    summary = reads.summary(customer)
    assert summary is not None
    assert summary.plan is not None
    assert (summary.plan.code, summary.payment_method.last4 if summary.payment_method else "") == (
        "basic",
        "1881",
    )
    assert [charge.refundable for charge in reads.charges(customer)] == [2000]


def test_a_contact_links_only_through_verified_identities(
    server: ContractServer, factory: Factory
) -> None:
    unverified = factory.contact(email="pat@example.test")

    assert reads.summary(unverified) is None
    ContactIdentity.objects.filter(contact=unverified).update(verified=True)
    assert reads.summary(unverified) is not None


def test_the_whole_refund_path_through_the_provider(
    server: ContractServer, customer: Contact, factory: Factory
) -> None:
    agent = factory.user(Role.AGENT)
    same = key()

    preview = actions.preview_refund(agent, customer, charge_id="ch_a", amount=700)
    first = actions.do_refund(agent, customer, idempotency_key=same, charge_id="ch_a", amount=700)
    again = actions.do_refund(agent, customer, idempotency_key=same, charge_id="ch_a", amount=700)

    assert (preview.amount, preview.currency) == (-700, "EUR")
    assert (first.status, first.reference, again.replayed) == ("done", "re_1", True)
    assert server.backend.charge["refunded"] == 700
    applied = [item for item in server.backend.requests if item["path"].endswith("/actions/refund")]
    assert [item["idempotency_key"] for item in applied] == [same]
    assert Event.objects.filter(kind="account.refund", contact=customer).count() == 1
    with pytest.raises(Conflict, match="At most 1300"):
        actions.do_refund(agent, customer, idempotency_key=key(), charge_id="ch_a", amount=1301)
    assert server.backend.charge["refunded"] == 700


def test_the_provider_repeats_the_first_answer_for_a_key(server: ContractServer) -> None:
    provider = HttpProvider(server.url, SECRET)
    params = {"charge_id": "ch_a", "amount": 100}

    first = provider.apply(REF, "refund", params, idempotency_key="key-abcdefgh")
    second = provider.apply(REF, "refund", params, idempotency_key="key-abcdefgh")

    assert first == second
    assert server.backend.charge["refunded"] == 100


def test_a_plan_change_with_proration(
    server: ContractServer, customer: Contact, factory: Factory
) -> None:
    agent = factory.user(Role.AGENT)

    preview = actions.preview_change_plan(agent, customer, plan="plus")
    outcome = actions.do_change_plan(agent, customer, idempotency_key=key(), plan="plus")

    assert preview.proration is not None
    assert (preview.proration.amount, preview.title) == (300, "Change the plan from Basic to Plus")
    assert outcome.status == "done"
    assert server.backend.plan == "plus"


@pytest.mark.parametrize(
    ("mode", "error", "message"),
    [
        ("error500", ActionError, "not answering"),
        ("redirect", ActionError, "not answering"),
        ("slow", ActionError, "not answering"),
        ("garbage", ActionError, "unexpected format"),
    ],
)
def test_faults_become_clear_errors(
    server: ContractServer, mode: str, error: type[Exception], message: str
) -> None:
    server.backend.mode = mode

    with pytest.raises(error, match=message):
        HttpProvider(server.url, SECRET, timeout=0.5).summary(REF)


def test_a_wrong_secret_is_refused_and_unknown_accounts_are_not_found(
    server: ContractServer,
) -> None:
    with pytest.raises(ActionError, match="refused atiende's signature"):
        HttpProvider(server.url, "wrong").summary(REF)
    with pytest.raises(NotFound):
        HttpProvider(server.url, SECRET).summary(AccountRef("http", "acct_9"))
    assert HttpProvider(server.url, SECRET).find_account(email="who@example.test") is None


def test_a_refund_the_back_end_refuses_starts_nothing(
    server: ContractServer, customer: Contact, factory: Factory
) -> None:
    agent = factory.user(Role.ADMIN)
    same = key()
    server.backend.charge["refunded"] = 0

    actions.do_refund(agent, customer, idempotency_key=key(), charge_id="ch_a", amount=1500)
    server.backend.charge["refunded"] = 1500
    with pytest.raises(Conflict):
        actions.do_refund(agent, customer, idempotency_key=same, charge_id="ch_a", amount=900)

    assert not AccountAction.objects.filter(idempotency_key=same).exists()


def test_the_business_card_page_is_shown_only_to_the_verified_customer(
    server: ContractServer,
    customer: Contact,
    factory: Factory,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ContactIdentity.objects.filter(contact=customer, kind=IdentityKind.EMAIL).update(verified=True)
    agent = factory.user(Role.AGENT)
    conversation = factory.conversation(email="pat-chat@example.test")
    assert conversation.contact_id == customer.pk
    with django_capture_on_commit_callbacks(execute=True):
        outcome = actions.do_send_payment_link(
            agent, customer, idempotency_key=key(), conversation=conversation
        )

    # Neither the business's page nor atiende's link reaches the conversation or the action.
    assert CARD_PAGE not in outcome.message
    assert "/account/link/" not in outcome.message
    assert CARD_PAGE not in str(AccountAction.objects.get(verb="send_payment_link").result)
    [email] = mail.outbox
    assert email.to == ["pat-chat@example.test"]
    assert CARD_PAGE not in str(email.body)
    url = re.search(r"(/portal/account/link/[^/\s]+/)", str(email.body))
    assert url is not None
    agent_client = Client()
    agent_client.force_login(agent)
    refused = agent_client.post(url.group(1), {"step": "handoff"})
    assert refused.status_code == 403
    assert CARD_PAGE not in refused.content.decode()

    browser = Client()
    sign_in(browser, "pat-chat@example.test")
    page = browser.get(url.group(1)).content.decode()
    handed = browser.post(url.group(1), {"step": "handoff"})
    again = browser.post(url.group(1), {"step": "handoff"})

    assert "Continue to the payment page" in page
    assert CARD_PAGE not in page
    assert (handed.status_code, handed["Location"]) == (302, CARD_PAGE)
    assert again.status_code == 400
    assert Event.objects.filter(kind="account.payment_link_handed_off").count() == 1
