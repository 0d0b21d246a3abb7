"""The webhook endpoint's promises, whatever the channel: 200 only after the delivery is
committed, one stored delivery however many copies arrive at once, nothing for unknown or
inactive inboxes."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test import Client

from atiende.core.models import Task
from atiende.social.models import WebhookEvent
from tests.factories import Factory
from tests.social import provider as fake
from tests.social.conftest import meta_signature, payload, post_meta, social_inbox, webhook_url
from tests.social.provider import Provider


def test_no_200_when_the_delivery_could_not_be_stored(
    factory: Factory, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = social_inbox(factory, "whatsapp", provider, phone_number_id=fake.PHONE_NUMBER_ID)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(WebhookEvent.objects, "get_or_create", broken)
    body = payload("whatsapp_text.json")
    response = Client(raise_request_exception=False).post(
        webhook_url(inbox),
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature(body)},
    )

    assert response.status_code == 500
    assert Task.objects.count() == 0


def test_unknown_and_inactive_inboxes_are_not_found(factory: Factory, provider: Provider) -> None:
    inactive = social_inbox(factory, "messenger", provider, page_id=fake.PAGE_ID)
    inactive.is_active = False
    inactive.save()
    webform = factory.inbox()

    answers = [
        post_meta(inbox, payload("messenger_text.json")).status_code
        for inbox in (inactive, webform)
    ]

    assert answers == [404, 404]
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_copies_arriving_at_once_store_one_delivery(provider: Provider) -> None:
    inbox = social_inbox(Factory(), "whatsapp", provider, phone_number_id=fake.PHONE_NUMBER_ID)
    body = payload("whatsapp_text.json")
    start = threading.Barrier(4)
    answers: list[int] = []

    def deliver() -> None:
        start.wait()
        try:
            answers.append(post_meta(inbox, body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200, 200, 200, 200]
    assert WebhookEvent.objects.count() == 1
    assert Task.objects.filter(name="social_process").count() == 1
