"""WhatsApp Cloud API: signed webhooks to conversations, media by id, replies through the outbox
to the provider, delivery statuses, the 24-hour window, retries and refusals."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.test import Client
from django.utils import timezone

from atiende.conversations.actions import send_reply
from atiende.conversations.models import (
    Attachment,
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
)
from atiende.core import tasks
from atiende.core.masking import MASK
from atiende.core.models import Task, TaskStatus
from atiende.people.models import ContactIdentity
from atiende.social import meta
from atiende.social.models import EventStatus, WebhookEvent
from tests.factories import Factory
from tests.social import provider as fake
from tests.social.conftest import (
    VERIFY_TOKEN,
    payload,
    post_meta,
    social_inbox,
    text_of,
    webhook_url,
    with_notice,
)
from tests.social.provider import PDF, PNG, Failure, Provider

PHRASE = "gravity open stadium emotion monitor innocent pool announce three tomato unit under"


def _inbox(factory: Factory, provider: Provider):  # type: ignore[no-untyped-def]
    return social_inbox(factory, "whatsapp", provider, phone_number_id=fake.PHONE_NUMBER_ID)


def _due_now() -> None:
    Task.objects.filter(status=TaskStatus.PENDING).update(run_at=timezone.now() - timedelta(1))


def _conversation_with_reply(factory: Factory, provider: Provider, text: str = "On it") -> Message:
    inbox = _inbox(factory, provider)
    post_meta(inbox, payload("whatsapp_text.json"))
    tasks.drain()
    conversation = Conversation.objects.get(inbox=inbox)
    return send_reply(factory.user(role="admin"), conversation, text=text)


def test_meta_signature_matches_the_published_vector() -> None:
    body = b'{"object":"page","entry":[]}'

    assert meta.signature("app_secret", body) == (
        "sha256=22d3988d1017c437ea81a89d41e2d3266c00a508cffdb23f8ad8746d232d77e9"
    )


def test_subscription_handshake_echoes_the_challenge_only_for_the_verify_token(
    factory: Factory, provider: Provider
) -> None:
    inbox = _inbox(factory, provider)
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}

    good = Client().get(webhook_url(inbox), {**query, "hub.verify_token": VERIFY_TOKEN})
    bad = Client().get(webhook_url(inbox), {**query, "hub.verify_token": "guess"})

    assert good.status_code == 200
    assert text_of(good) == "1158201444"
    assert bad.status_code == 403


def test_a_text_message_becomes_a_conversation_in_the_inbox(
    factory: Factory, provider: Provider
) -> None:
    inbox = _inbox(factory, provider)

    response = post_meta(inbox, payload("whatsapp_text.json"))
    stored = WebhookEvent.objects.get()
    tasks.drain()

    assert response.status_code == 200
    assert stored.inbox == inbox
    conversation = Conversation.objects.get(inbox=inbox)
    message = conversation.messages.get()
    assert message.body_text == "Hola, no puedo entrar en mi cuenta"
    assert message.external_id.startswith("wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQzQTRB")
    assert conversation.contact.name == "Lucía Pérez"
    identity = ContactIdentity.objects.get(contact=conversation.contact)
    assert (identity.kind, identity.value) == ("whatsapp", "34600111222")
    stored.refresh_from_db()
    assert stored.status == EventStatus.DONE


def test_the_same_webhook_twice_stores_one_message(factory: Factory, provider: Provider) -> None:
    inbox = _inbox(factory, provider)
    body = payload("whatsapp_text.json")
    # Meta may also resend the same message inside a differently shaped delivery.
    reshaped = json.dumps(json.loads(body)).encode()

    answers = [post_meta(inbox, item).status_code for item in (body, body, reshaped)]
    tasks.drain()

    assert answers == [200, 200, 200]
    assert WebhookEvent.objects.count() == 2
    assert Message.objects.filter(inbox=inbox).count() == 1


def test_forged_or_missing_signatures_are_refused_and_nothing_is_stored(
    factory: Factory, provider: Provider
) -> None:
    inbox = _inbox(factory, provider)
    body = payload("whatsapp_text.json")
    sha1 = Client().post(
        webhook_url(inbox),
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature": "sha1=9b2e4e2c6d0f1a1c4f5c1d3f0b2a4e6c8d0e2f4a"},
    )

    answers = [
        post_meta(inbox, body, signature="sha256=" + "0" * 64).status_code,
        post_meta(inbox, body, signature="").status_code,
        post_meta(inbox, body.replace(b"cuenta", b"tarjeta"), signature=meta.signature(
            "app_secret", body)).status_code,
        sha1.status_code,
    ]  # fmt: skip

    assert answers == [403, 403, 403, 403]
    assert WebhookEvent.objects.count() == 0
    assert Task.objects.count() == 0
    assert Message.objects.count() == 0


def test_malformed_unknown_and_huge_bodies_are_refused(
    factory: Factory, provider: Provider
) -> None:
    inbox = _inbox(factory, provider)
    huge = b'{"object":"whatsapp_business_account","entry":[],"pad":"' + b"x" * 1_100_000 + b'"}'

    answers = [
        post_meta(inbox, b'{"object": "whatsapp_business_account", "entry": [').status_code,
        post_meta(inbox, b'{"object":"page","entry":[]}').status_code,
        post_meta(inbox, b"[1, 2]").status_code,
        post_meta(inbox, huge).status_code,
    ]

    assert answers == [400, 400, 400, 413]
    assert WebhookEvent.objects.count() == 0


def test_images_and_documents_are_fetched_by_media_id_with_the_token(
    factory: Factory, provider: Provider
) -> None:
    inbox = _inbox(factory, provider)

    post_meta(inbox, payload("whatsapp_image.json"))
    tasks.drain()

    first, second = Message.objects.filter(inbox=inbox).order_by("seq")
    image = Attachment.objects.get(message=first)
    document = Attachment.objects.get(message=second)
    assert first.body_text == "This is the error I get"
    assert (image.content_type, Path(image.file.path).read_bytes()) == ("image/png", PNG)
    assert (document.filename, Path(document.file.path).read_bytes()) == (
        "invoice-2026-11.pdf",
        PDF,
    )
    lookups = [call.path for call in provider.calls if call.method == "GET"]
    assert lookups == [
        "/v21.0/media-image-1",
        "/media-files/media-image-1",
        "/v21.0/media-doc-1",
        "/media-files/media-doc-1",
    ]
    assert all(
        call.headers["authorization"] == f"Bearer {fake.GRAPH_TOKEN}" for call in provider.calls
    )


def test_a_media_lookup_the_provider_refuses_keeps_the_text_and_says_why(
    factory: Factory, provider: Provider
) -> None:
    inbox = _inbox(factory, provider)
    body = payload("whatsapp_image.json", **{"media-image-1": "media-gone"})

    post_meta(inbox, body)
    tasks.drain()

    first = Message.objects.filter(inbox=inbox).order_by("seq").first()
    assert first is not None
    assert first.body_text.startswith("This is the error I get\n[A file could not be fetched")
    assert "Unsupported request" in first.body_text


def test_a_reply_goes_through_the_outbox_to_the_messages_endpoint(
    factory: Factory, provider: Provider
) -> None:
    reply = _conversation_with_reply(factory, provider, text="We reset your password.")

    tasks.drain()

    reply.refresh_from_db()
    (sent,) = provider.sends("/messages")
    assert sent.path == f"/v21.0/{fake.PHONE_NUMBER_ID}/messages"
    assert sent.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "34600111222",
        "type": "text",
        "text": {"preview_url": False, "body": with_notice("We reset your password.")},
    }
    assert reply.delivery_status == DeliveryStatus.SENT
    assert reply.external_id.startswith("wamid.out")


def test_a_reply_with_a_file_uploads_it_and_sends_it_with_the_text_as_caption(
    factory: Factory, provider: Provider
) -> None:
    inbox = _inbox(factory, provider)
    post_meta(inbox, payload("whatsapp_text.json"))
    tasks.drain()
    conversation = Conversation.objects.get(inbox=inbox)

    reply = send_reply(
        factory.user(role="admin"), conversation, text="Your invoice", files=[("inv.pdf", PDF)]
    )
    tasks.drain()

    (upload,) = provider.sends("/media")
    (sent,) = provider.sends("/messages")
    assert upload.files["file"] == ("inv.pdf", PDF)
    assert upload.form == {"messaging_product": "whatsapp", "type": "application/pdf"}
    assert sent.json["type"] == "document"
    assert sent.json["document"] == {
        "id": sent.json["document"]["id"],
        "filename": "inv.pdf",
        "caption": with_notice("Your invoice"),
    }
    assert sent.json["document"]["id"].startswith("uploaded-")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT


def test_statuses_move_the_reply_forward_and_failures_show_the_reason(
    factory: Factory, provider: Provider
) -> None:
    reply = _conversation_with_reply(factory, provider)
    tasks.drain()
    reply.refresh_from_db()
    inbox = reply.inbox

    seen = []
    for status in ("delivered", "read", "delivered"):
        post_meta(inbox, payload("whatsapp_status.json", WAMID=reply.external_id, STATUS=status))
        tasks.drain()
        reply.refresh_from_db()
        seen.append(reply.delivery_status)
    failed = json.loads(payload("whatsapp_status.json", WAMID=reply.external_id, STATUS="failed"))
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [
        {
            "code": 131026,
            "title": "Message undeliverable",
            "message": "Message undeliverable",
            "error_data": {"details": "Unable to deliver message."},
        }
    ]
    post_meta(inbox, json.dumps(failed).encode())
    tasks.drain()
    reply.refresh_from_db()

    assert seen == [DeliveryStatus.DELIVERED, DeliveryStatus.READ, DeliveryStatus.READ]
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert reply.delivery_error == "131026 Message undeliverable: Unable to deliver message."


def test_a_reply_outside_the_24_hour_window_is_refused_with_a_clear_error(
    factory: Factory, provider: Provider
) -> None:
    inbox = _inbox(factory, provider)
    post_meta(inbox, payload("whatsapp_text.json"))
    tasks.drain()
    Message.objects.filter(inbox=inbox).update(created_at=timezone.now() - timedelta(hours=25))
    conversation = Conversation.objects.get(inbox=inbox)

    reply = send_reply(factory.user(role="admin"), conversation, text="Are you still there?")
    tasks.drain()

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "more than 24 hours old" in reply.delivery_error
    assert provider.sends("/messages") == []


def test_a_provider_5xx_is_retried_and_the_reply_sent_once(
    factory: Factory, provider: Provider
) -> None:
    reply = _conversation_with_reply(factory, provider)
    provider.failures = [
        Failure(500, {"error": {"message": "An unknown error occurred", "code": 1}}),
        Failure(400, {"error": {"message": "Rate limit hit", "code": 130429}}),
    ]

    tasks.drain()
    reply.refresh_from_db()
    first = (reply.delivery_status, reply.delivery_error)
    _due_now()
    tasks.drain()
    reply.refresh_from_db()
    second = (reply.delivery_status, reply.delivery_error)
    _due_now()
    tasks.drain()
    reply.refresh_from_db()

    assert first == (DeliveryStatus.RETRYING, "500: An unknown error occurred (1)")
    assert second == (DeliveryStatus.RETRYING, "400: Rate limit hit (130429)")
    assert reply.delivery_status == DeliveryStatus.SENT
    assert len(provider.sends("/messages")) == 3


def test_a_provider_4xx_gives_up_at_once_and_shows_the_provider_words(
    factory: Factory, provider: Provider
) -> None:
    reply = _conversation_with_reply(factory, provider)
    provider.failures = [
        Failure(
            400,
            {
                "error": {
                    "message": "(#131030) Recipient phone number not in allowed list",
                    "type": "OAuthException",
                    "code": 131030,
                    "error_data": {"details": "Recipient not in the allowed list"},
                }
            },
        )
    ]

    tasks.drain()

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert reply.delivery_error == (
        "400: (#131030) Recipient phone number not in allowed list "
        "Recipient not in the allowed list (131030)"
    )
    assert Task.objects.get(name="deliver_message").status == TaskStatus.DONE


def test_a_recovery_phrase_sent_on_whatsapp_is_masked_in_the_message_and_the_raw_copy(
    factory: Factory, provider: Provider
) -> None:
    inbox = _inbox(factory, provider)
    body = payload("whatsapp_text.json", **{"Hola, no puedo entrar en mi cuenta": PHRASE})

    post_meta(inbox, body)
    tasks.drain()

    message = Message.objects.get(inbox=inbox, direction=Direction.INBOUND)
    assert "stadium" not in message.body_text
    assert message.body_text.count(MASK) == 12
    stored = WebhookEvent.objects.get()
    assert "stadium" not in stored.body
    assert stored.status == EventStatus.DONE
    assert json.loads(stored.body)["object"] == "whatsapp_business_account"


def test_a_provider_address_on_a_private_network_is_refused(
    factory: Factory, provider: Provider, settings: object
) -> None:
    reply = _conversation_with_reply(factory, provider)
    settings.ATIENDE_ALLOW_PRIVATE_CALLBACKS = False  # type: ignore[attr-defined]

    tasks.drain()

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "127.0.0.1, which is not public" in reply.delivery_error
    assert provider.sends("/messages") == []
