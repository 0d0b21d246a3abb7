"""Telegram Bot API: updates checked by the secret token, deduplicated by update_id, photos and
documents through getFile; replies by sendMessage and sendDocument; retries and refusals."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from atiende.conversations.actions import send_reply
from atiende.conversations.models import Attachment, Conversation, DeliveryStatus, Message
from atiende.core import tasks
from atiende.core.models import Task, TaskStatus
from atiende.inboxes.models import Inbox
from atiende.people.models import ContactIdentity
from atiende.social.models import WebhookEvent
from atiende.social.webhook import social_adapter
from tests.factories import Factory
from tests.social import provider as fake
from tests.social.conftest import FIXTURES, payload, post_telegram, social_inbox, with_notice
from tests.social.provider import PDF, PNG, Failure, Provider


def _inbox(factory: Factory, provider: Provider) -> Inbox:
    return social_inbox(factory, "telegram", provider)


def _conversation(factory: Factory, provider: Provider) -> Conversation:
    inbox = _inbox(factory, provider)
    post_telegram(inbox, payload("telegram_text.json"))
    tasks.drain()
    return Conversation.objects.get(inbox=inbox)


def test_an_update_becomes_a_conversation_once(factory: Factory, provider: Provider) -> None:
    inbox = _inbox(factory, provider)
    body = payload("telegram_text.json")

    answers = [post_telegram(inbox, body).status_code for _ in range(2)]
    tasks.drain()

    assert answers == [200, 200]
    assert WebhookEvent.objects.get().key == "update:727130501"
    message = Message.objects.get(inbox=inbox)
    assert message.body_text == "My card payment failed twice"
    assert message.external_id == "987654321:42"
    contact = message.conversation.contact
    assert (contact.name, contact.language) == ("Mia Schmidt", "de")
    identity = ContactIdentity.objects.get(contact=contact)
    assert (identity.kind, identity.value) == ("telegram", "987654321")


def test_a_wrong_or_missing_secret_token_is_refused(factory: Factory, provider: Provider) -> None:
    inbox = _inbox(factory, provider)
    body = payload("telegram_text.json")

    answers = [post_telegram(inbox, body, secret=s).status_code for s in ("nope", "")]

    assert answers == [403, 403]
    assert WebhookEvent.objects.count() == 0


def test_the_previous_secret_still_works_during_a_rotation(
    factory: Factory, provider: Provider
) -> None:
    inbox = _inbox(factory, provider)
    old = inbox.secret
    inbox.previous_secret, inbox.secret = old, "new-secret-token"
    inbox.save()

    response = post_telegram(inbox, payload("telegram_text.json"), secret=old)

    assert response.status_code == 200


def test_a_photo_is_fetched_with_get_file_largest_size_first(
    factory: Factory, provider: Provider
) -> None:
    inbox = _inbox(factory, provider)

    post_telegram(inbox, payload("telegram_photo.json"))
    tasks.drain()

    message = Message.objects.get(inbox=inbox)
    attachment = Attachment.objects.get(message=message)
    assert message.body_text == "Screenshot of the error"
    assert Path(attachment.file.path).read_bytes() == PNG
    (lookup,) = provider.sends("/getFile")
    assert lookup.json == {"file_id": "photo-big"}
    assert [call.path for call in provider.calls][-1] == (
        f"/file/bot{fake.BOT_TOKEN}/photos/file_7.jpg"
    )


def test_group_messages_are_not_customer_messages(factory: Factory, provider: Provider) -> None:
    inbox = _inbox(factory, provider)
    group = json.loads(payload("telegram_text.json"))
    group["update_id"] += 10
    group["message"]["chat"] = {"id": -100123, "title": "Fans", "type": "supergroup"}

    answers = [post_telegram(inbox, json.dumps(group).encode()).status_code]
    tasks.drain()

    assert answers == [200]
    assert Message.objects.count() == 0


def test_replies_go_out_with_send_message_and_send_document(
    factory: Factory, provider: Provider
) -> None:
    conversation = _conversation(factory, provider)
    agent = factory.user(role="admin")

    text = send_reply(agent, conversation, text="We refunded the second charge.")
    document = send_reply(agent, conversation, text="Receipt", files=[("receipt.pdf", PDF)])
    tasks.drain()

    (sent,) = provider.sends("/sendMessage")
    (upload,) = provider.sends("/sendDocument")
    assert sent.json == {
        "chat_id": "987654321",
        "text": with_notice("We refunded the second charge."),
    }
    assert upload.form == {"chat_id": "987654321", "caption": with_notice("Receipt")}
    assert upload.files["document"] == ("receipt.pdf", PDF)
    text.refresh_from_db()
    document.refresh_from_db()
    assert text.delivery_status == document.delivery_status == DeliveryStatus.SENT
    assert text.external_id.startswith("987654321:")


def test_too_many_requests_retries_and_a_blocked_bot_gives_up(
    factory: Factory, provider: Provider
) -> None:
    conversation = _conversation(factory, provider)
    agent = factory.user(role="admin")
    provider.failures = [
        Failure(
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            },
        )
    ]
    retried = send_reply(agent, conversation, text="First")
    tasks.drain()
    retried.refresh_from_db()
    waiting = retried.delivery_status
    Task.objects.filter(status=TaskStatus.PENDING).update(run_at=timezone.now() - timedelta(days=1))
    tasks.drain()
    provider.failures = [
        Failure(
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        )
    ]
    blocked = send_reply(agent, conversation, text="Second")
    tasks.drain()

    retried.refresh_from_db()
    blocked.refresh_from_db()
    assert waiting == DeliveryStatus.RETRYING
    assert retried.delivery_status == DeliveryStatus.SENT
    assert blocked.delivery_status == DeliveryStatus.FAILED
    assert blocked.delivery_error == "403: Forbidden: bot was blocked by the user"


def test_the_bot_token_never_reaches_the_logs(
    factory: Factory, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    conversation = _conversation(factory, provider)

    send_reply(factory.user(role="admin"), conversation, text="Hello")
    tasks.drain()

    assert "sendMessage" in caplog.text
    assert fake.BOT_TOKEN.split(":")[1] not in caplog.text


def _tap_update() -> dict[str, Any]:
    updates = json.loads((FIXTURES / "telegram_updates.json").read_text())
    return next(update for update in updates["handled"] if "callback_query" in update)


@pytest.mark.django_db(transaction=True)
def test_a_button_tap_is_answered_once_its_line_is_committed(
    factory: Factory, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = _inbox(factory, provider)
    update = _tap_update()
    query_id = update["callback_query"]["id"]
    adapter = social_adapter(inbox)

    with transaction.atomic():
        assert adapter.process(inbox, update) == []
        stored = Message.objects.get(inbox=inbox)
        assert not provider.sends("/answerCallbackQuery")  # not before the commit

    assert stored.body_text == "[Tapped “Yes, refund me”]"
    assert provider.answered == [{"callback_query_id": query_id}]

    # The same delivery read again (a retried task): nothing stored twice; Telegram refuses a
    # second answer, which is logged and changes nothing.
    with caplog.at_level(logging.WARNING, logger="atiende.social.telegram"):
        assert adapter.process(inbox, update) == []
    assert Message.objects.filter(inbox=inbox).count() == 1
    assert len(provider.sends("/answerCallbackQuery")) == 2
    assert provider.answered == [{"callback_query_id": query_id}]
    assert "query is too old" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_tap_through_the_webhook_stops_the_spinner(factory: Factory, provider: Provider) -> None:
    inbox = _inbox(factory, provider)
    update = _tap_update()

    assert post_telegram(inbox, json.dumps(update).encode()).status_code == 200
    assert not provider.sends("/answerCallbackQuery")  # stored for the worker, not read yet
    tasks.drain()

    assert (
        Message.objects.get(inbox=inbox).external_id == f"callback:{update['callback_query']['id']}"
    )
    assert provider.answered == [{"callback_query_id": update["callback_query"]["id"]}]
