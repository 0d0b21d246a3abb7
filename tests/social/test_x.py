"""X direct messages (Account Activity API): the CRC, signed deliveries to conversations, the
account's own DMs ignored, replies signed with OAuth 1.0a to the v2 DM endpoint, read receipts,
retries and refusals."""

from __future__ import annotations

import json
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from atiende.conversations.actions import send_reply
from atiende.conversations.models import Conversation, DeliveryStatus, Message
from atiende.core import tasks
from atiende.core.models import Task, TaskStatus
from atiende.inboxes.models import Inbox
from atiende.people.models import ContactIdentity
from atiende.social import x
from atiende.social.models import ChannelCredentials, WebhookEvent
from tests.factories import Factory
from tests.social import provider as fake
from tests.social.conftest import payload, post_x, social_inbox, webhook_url, with_notice
from tests.social.provider import Failure, Provider


def _inbox(factory: Factory, provider: Provider) -> Inbox:
    return social_inbox(factory, "x", provider, x_user_id=fake.X_USER_ID)


def _conversation(factory: Factory, provider: Provider) -> Conversation:
    inbox = _inbox(factory, provider)
    post_x(inbox, payload("x_dm.json"))
    tasks.drain()
    return Conversation.objects.get(inbox=inbox)


def test_oauth_signature_matches_the_documented_example() -> None:
    params = {
        "status": "Hello Ladies + Gentlemen, a signed OAuth request!",
        "include_entities": "true",
        "oauth_consumer_key": "xvz1evFS4wEEPTGEFPHBog",
        "oauth_nonce": "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "1318622958",
        "oauth_token": "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "oauth_version": "1.0",
    }

    signature = x.oauth_signature(
        "POST",
        "https://api.twitter.com/1.1/statuses/update.json",
        params,
        "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
    )

    assert signature == "hCtSmYh+iHYCEqBWrE7C7hYmtUk="


def test_the_crc_is_answered_with_the_consumer_secret(factory: Factory, provider: Provider) -> None:
    inbox = _inbox(factory, provider)
    ChannelCredentials.objects.filter(inbox=inbox).update(app_secret="consumer_secret")

    answer = Client().get(webhook_url(inbox), {"crc_token": "challenge123"})
    missing = Client().get(webhook_url(inbox))

    assert answer.status_code == 200
    assert answer.json() == {
        "response_token": "sha256=KJvg4WVYYDR3JRI5DWpq8o0K3Bw21U0STQMdMiBJ1j4="
    }
    assert missing.status_code == 403


def test_a_direct_message_becomes_a_conversation_once(factory: Factory, provider: Provider) -> None:
    inbox = _inbox(factory, provider)
    body = payload("x_dm.json")

    answers = [post_x(inbox, body).status_code for _ in range(2)]
    tasks.drain()

    assert answers == [200, 200]
    message = Message.objects.get(inbox=inbox)
    assert message.body_text == "My withdrawal is stuck since Monday"
    assert message.external_id == "954491830116155396"
    assert message.conversation.contact.name == "Jordan Brinks"
    identity = ContactIdentity.objects.get(contact=message.conversation.contact)
    assert (identity.kind, identity.value) == ("x", "3001969357")


def test_forged_signatures_and_the_account_own_dms_store_nothing(
    factory: Factory, provider: Provider
) -> None:
    inbox = _inbox(factory, provider)
    body = payload("x_dm.json")
    own = json.loads(body)
    own["direct_message_events"][0]["message_create"]["sender_id"] = fake.X_USER_ID
    own["direct_message_events"][0]["id"] = "954491830116155397"

    forged = post_x(inbox, body, signature="sha256=AAAA").status_code
    echoed = post_x(inbox, json.dumps(own).encode()).status_code
    tasks.drain()

    assert (forged, echoed) == (403, 200)
    assert WebhookEvent.objects.count() == 1
    assert Message.objects.count() == 0


def test_a_reply_is_signed_with_oauth_and_a_read_receipt_marks_it_read(
    factory: Factory, provider: Provider
) -> None:
    conversation = _conversation(factory, provider)
    inbox = conversation.inbox

    reply = send_reply(factory.user(role="admin"), conversation, text="We are on it")
    tasks.drain()
    reply.refresh_from_db()
    sent_status = reply.delivery_status
    receipt = {
        "for_user_id": fake.X_USER_ID,
        "direct_message_mark_read_events": [
            {
                "created_timestamp": "1765150100000",
                "sender_id": "3001969357",
                "target": {"recipient_id": fake.X_USER_ID},
                "last_read_event_id": reply.external_id,
            }
        ],
    }
    post_x(inbox, json.dumps(receipt).encode())
    tasks.drain()
    reply.refresh_from_db()

    (sent,) = provider.sends("/messages")
    assert sent.path == "/2/dm_conversations/with/3001969357/messages"
    assert sent.json == {"text": with_notice("We are on it")}
    assert sent.headers["authorization"].startswith("OAuth ")
    assert sent_status == DeliveryStatus.SENT
    assert reply.external_id.startswith("18000000000000000")
    assert reply.delivery_status == DeliveryStatus.READ


def test_x_5xx_is_retried_and_a_refusal_shows_x_words(factory: Factory, provider: Provider) -> None:
    conversation = _conversation(factory, provider)
    agent = factory.user(role="admin")
    provider.failures = [
        Failure(503, {"title": "Service Unavailable", "status": 503, "detail": "Over capacity"}),
    ]
    retried = send_reply(agent, conversation, text="First")
    tasks.drain()
    Task.objects.filter(status=TaskStatus.PENDING).update(run_at=timezone.now() - timedelta(days=1))
    tasks.drain()
    provider.failures = [
        Failure(
            403,
            {
                "errors": [
                    {
                        "message": "You cannot send messages to this user.",
                        "code": 349,
                    }
                ],
                "title": "Forbidden",
                "status": 403,
            },
        )
    ]
    refused = send_reply(agent, conversation, text="Second")
    tasks.drain()

    retried.refresh_from_db()
    refused.refresh_from_db()
    assert retried.delivery_status == DeliveryStatus.SENT
    assert refused.delivery_status == DeliveryStatus.FAILED
    assert refused.delivery_error == "403: You cannot send messages to this user."


def test_wrong_tokens_are_refused_by_x(factory: Factory, provider: Provider) -> None:
    inbox = social_inbox(factory, "x", provider, token="4337869213-revoked")
    post_x(inbox, payload("x_dm.json"))
    tasks.drain()
    conversation = Conversation.objects.get(inbox=inbox)

    reply = send_reply(factory.user(role="admin"), conversation, text="Hi")
    tasks.drain()
    report = x.XAdapter().test_connection(inbox)

    reply.refresh_from_db()
    assert (reply.delivery_status, reply.delivery_error) == (
        DeliveryStatus.FAILED,
        "401: Unauthorized",
    )
    assert (report.ok, report.lines) == (False, ("HTTP 401", "Unauthorized"))
    assert x.XAdapter().test_connection(_inbox(factory, provider)).lines == (
        "HTTP 200",
        "@atiende_help (4337869213)",
    )
