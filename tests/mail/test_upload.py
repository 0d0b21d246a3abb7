"""The raw MIME upload endpoint: bearer token of the inbox, nothing stored without it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atiende.core import tasks
from atiende.inboxes.models import Inbox
from atiende.mail.models import RawEmail, RawStatus
from tests.factories import Factory
from tests.mail.mailkit import email_inbox, mail


def post(inbox: Inbox, body: bytes, **headers: str) -> tuple[int, dict[str, object]]:
    response = Client().post(
        reverse("mail:upload_raw", args=[inbox.pk]),
        data=body,
        content_type="message/rfc822",
        headers=headers,
    )
    return response.status_code, response.json()


def test_an_upload_is_stored_and_processed(factory: Factory) -> None:
    inbox = email_inbox(factory)

    status, answer = post(inbox, mail(), Authorization=f"Bearer {inbox.secret}")

    assert status == 202
    raw_email = RawEmail.objects.get()
    assert answer == {"id": raw_email.pk, "status": RawStatus.RECEIVED}
    assert raw_email.source_key == f"upload:{raw_email.sha256}"
    tasks.drain()
    raw_email.refresh_from_db()
    assert raw_email.status == RawStatus.PROCESSED


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer ", "Bearer forged-token", "Basic c3VwcG9ydDpwdw==", "Token {secret}"],
)
def test_a_missing_or_forged_token_is_refused_without_side_effect(
    factory: Factory, authorization: str
) -> None:
    inbox = email_inbox(factory)
    headers = {"Authorization": authorization.format(secret=inbox.secret)} if authorization else {}

    status, answer = post(inbox, mail(), **headers)

    assert status == 401
    assert answer == {"detail": "Invalid or missing token."}
    assert not RawEmail.objects.exists()


def test_another_inboxs_secret_is_refused(factory: Factory) -> None:
    inbox = email_inbox(factory)
    other = email_inbox(factory, address="sales@atiende.test")

    status, _answer = post(inbox, mail(), Authorization=f"Bearer {other.secret}")

    assert status == 401
    assert not RawEmail.objects.exists()


def test_the_previous_secret_works_during_a_rotation(factory: Factory) -> None:
    inbox = email_inbox(factory)
    old = inbox.secret
    inbox.previous_secret, inbox.secret = old, "a-brand-new-secret-for-tests"
    inbox.save()

    status, _answer = post(inbox, mail(), Authorization=f"Bearer {old}")

    assert status == 202


def test_an_idempotency_key_makes_a_retry_harmless(factory: Factory) -> None:
    inbox = email_inbox(factory)
    token = f"Bearer {inbox.secret}"

    first = post(inbox, mail(subject="one"), Authorization=token, **{"Idempotency-Key": "evt-1"})
    again = post(
        inbox, mail(subject="one, again"), Authorization=token, **{"Idempotency-Key": "evt-1"}
    )

    assert first == again
    assert RawEmail.objects.get().source_key == "upload:key:evt-1"


def test_the_same_body_twice_is_stored_once(factory: Factory) -> None:
    inbox = email_inbox(factory)
    raw = mail()

    first = post(inbox, raw, Authorization=f"Bearer {inbox.secret}")
    again = post(inbox, raw, Authorization=f"Bearer {inbox.secret}")

    assert first == again
    assert RawEmail.objects.count() == 1
