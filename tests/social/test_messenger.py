"""Messenger and Instagram: signed `entry[].messaging[]` webhooks to conversations, echoes
ignored, attachments fetched by URL, replies with `messaging_type: RESPONSE`, receipts, the
24-hour window."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from atiende.conversations.actions import send_reply
from atiende.conversations.models import Attachment, Conversation, DeliveryStatus, Message
from atiende.core import tasks
from atiende.inboxes.models import Inbox
from atiende.people.models import ContactIdentity
from tests.factories import Factory
from tests.social import provider as fake
from tests.social.conftest import payload, post_meta, social_inbox, with_notice
from tests.social.provider import PDF, PNG, Failure, Provider


def _messenger(factory: Factory, provider: Provider) -> Inbox:
    return social_inbox(factory, "messenger", provider, page_id=fake.PAGE_ID)


def _instagram(factory: Factory, provider: Provider) -> Inbox:
    return social_inbox(factory, "instagram", provider, instagram_id="17841400000000001")


def _received(inbox: Inbox, provider: Provider, name: str = "messenger_text.json") -> Message:
    post_meta(inbox, payload(name, CDN=provider.url))
    tasks.drain()
    return Message.objects.get(inbox=inbox)


def test_a_messenger_message_with_an_image_becomes_a_conversation(
    factory: Factory, provider: Provider
) -> None:
    inbox = _messenger(factory, provider)

    message = _received(inbox, provider)

    conversation = message.conversation
    assert conversation.inbox == inbox
    assert message.body_text == "My order never arrived"
    assert message.external_id.startswith("m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM")
    attachment = Attachment.objects.get(message=message)
    assert (attachment.filename, attachment.content_type) == ("media-image-1", "image/png")
    assert Path(attachment.file.path).read_bytes() == PNG
    identity = ContactIdentity.objects.get(contact=conversation.contact)
    assert (identity.kind, identity.value) == ("messenger", "6789012345678901")
    assert conversation.contact.name == "Sam Rivera"


def test_the_profile_is_asked_once_per_person(factory: Factory, provider: Provider) -> None:
    inbox = _messenger(factory, provider)
    first = payload("messenger_text.json", CDN=provider.url)
    second = first.replace(b"m_AG5Hz2Uq7", b"m_BG5Hz2Uq7").replace(b"never arrived", b"hello?")

    post_meta(inbox, first)
    post_meta(inbox, second)
    tasks.drain()

    assert Message.objects.filter(inbox=inbox).count() == 2
    lookups = [call for call in provider.calls if call.path == "/v21.0/6789012345678901"]
    assert len(lookups) == 1


def test_echoes_of_the_page_own_messages_are_ignored(factory: Factory, provider: Provider) -> None:
    inbox = _messenger(factory, provider)

    response = post_meta(inbox, payload("messenger_echo.json"))
    tasks.drain()

    assert response.status_code == 200
    assert Message.objects.count() == 0


def test_an_instagram_webhook_is_refused_by_a_messenger_inbox_and_taken_by_an_instagram_one(
    factory: Factory, provider: Provider
) -> None:
    messenger = _messenger(factory, provider)
    instagram = _instagram(factory, provider)
    body = payload("instagram_text.json")

    refused = post_meta(messenger, body)
    taken = post_meta(instagram, body)
    tasks.drain()

    assert (refused.status_code, taken.status_code) == (400, 200)
    message = Message.objects.get()
    assert message.inbox == instagram
    assert message.body_text == "Where is my refund?"
    identity = ContactIdentity.objects.get(contact=message.conversation.contact)
    assert (identity.kind, identity.value) == ("instagram", "5432109876543210")
    assert message.conversation.contact.name == "Noa Levi"


def test_a_webhook_for_another_page_is_ignored(factory: Factory, provider: Provider) -> None:
    inbox = social_inbox(factory, "messenger", provider, page_id="999")

    post_meta(inbox, payload("messenger_text.json", CDN=provider.url))
    tasks.drain()

    assert Message.objects.count() == 0


def test_a_reply_is_sent_as_a_response_and_receipts_move_it_forward(
    factory: Factory, provider: Provider
) -> None:
    inbox = _messenger(factory, provider)
    conversation = _received(inbox, provider).conversation

    reply = send_reply(factory.user(role="admin"), conversation, text="Refund on its way")
    tasks.drain()
    reply.refresh_from_db()
    sent_status = reply.delivery_status
    delivery = {
        "object": "page",
        "entry": [
            {
                "id": fake.PAGE_ID,
                "time": 1,
                "messaging": [
                    {
                        "sender": {"id": "6789012345678901"},
                        "recipient": {"id": fake.PAGE_ID},
                        "delivery": {"mids": [reply.external_id], "watermark": 1},
                    }
                ],
            }
        ],
    }
    post_meta(inbox, json.dumps(delivery).encode())
    tasks.drain()
    reply.refresh_from_db()
    delivered_status = reply.delivery_status
    watermark = int((timezone.now() + timedelta(seconds=5)).timestamp() * 1000)
    read = delivery.copy()
    read["entry"][0]["messaging"][0] = {  # type: ignore[index]
        "sender": {"id": "6789012345678901"},
        "recipient": {"id": fake.PAGE_ID},
        "read": {"watermark": watermark},
    }
    post_meta(inbox, json.dumps(read).encode())
    tasks.drain()
    reply.refresh_from_db()

    (sent,) = provider.sends("/me/messages")
    assert sent.json == {
        "recipient": {"id": "6789012345678901"},
        "messaging_type": "RESPONSE",
        "message": {"text": with_notice("Refund on its way")},
    }
    assert reply.external_id.startswith("m_out")
    assert [sent_status, delivered_status, reply.delivery_status] == [
        DeliveryStatus.SENT,
        DeliveryStatus.DELIVERED,
        DeliveryStatus.READ,
    ]


def test_a_messenger_file_is_uploaded_with_the_message(
    factory: Factory, provider: Provider
) -> None:
    inbox = _messenger(factory, provider)
    conversation = _received(inbox, provider).conversation

    send_reply(factory.user(role="admin"), conversation, text="Here", files=[("r.pdf", PDF)])
    tasks.drain()

    text, upload = provider.sends("/me/messages")
    assert text.json["message"] == {"text": with_notice("Here")}
    assert upload.files["filedata"] == ("r.pdf", PDF)
    assert json.loads(upload.form["message"]) == {
        "attachment": {"type": "file", "payload": {"is_reusable": False}}
    }
    assert upload.form["messaging_type"] == "RESPONSE"


def test_outside_the_window_and_provider_refusals_fail_with_the_reason(
    factory: Factory, provider: Provider
) -> None:
    inbox = _instagram(factory, provider)
    conversation = _received(inbox, provider, "instagram_text.json").conversation
    agent = factory.user(role="admin")
    provider.failures = [
        Failure(
            400,
            {
                "error": {
                    "message": "(#100) No matching user found",
                    "type": "OAuthException",
                    "code": 100,
                    "error_subcode": 2018001,
                }
            },
        )
    ]

    refused = send_reply(agent, conversation, text="Hello")
    tasks.drain()
    Message.objects.filter(inbox=inbox).update(created_at=timezone.now() - timedelta(hours=25))
    late = send_reply(agent, conversation, text="Still there?")
    tasks.drain()

    refused.refresh_from_db()
    late.refresh_from_db()
    assert refused.delivery_status == DeliveryStatus.FAILED
    assert refused.delivery_error == "400: (#100) No matching user found (100/2018001)"
    assert late.delivery_status == DeliveryStatus.FAILED
    assert "more than 24 hours old" in late.delivery_error
    assert len(provider.sends("/me/messages")) == 1


def test_a_wrong_page_token_fails_the_reply_with_the_provider_words(
    factory: Factory, provider: Provider
) -> None:
    inbox = social_inbox(factory, "messenger", provider, token="EAAG-wrong")
    conversation = _received(inbox, provider).conversation

    reply = send_reply(factory.user(role="admin"), conversation, text="Hi")
    tasks.drain()

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "Invalid OAuth access token" in reply.delivery_error
    assert Conversation.objects.count() == 1
