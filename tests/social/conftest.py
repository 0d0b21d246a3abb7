"""Social channel fixtures: the fake provider on 127.0.0.1, inboxes wired to it, signed posts."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_str

from atiende.conversations.outbox import safety_notice
from atiende.inboxes.models import Inbox
from atiende.social.models import ChannelCredentials
from tests.factories import Factory
from tests.social import provider as fake
from tests.social.provider import Provider

FIXTURES = Path(__file__).parent / "fixtures"
APP_SECRET = "app_secret"
VERIFY_TOKEN = "verify-me-please"


@pytest.fixture
def provider(settings: Any) -> Iterator[Provider]:
    # The fake provider listens on loopback, which the SSRF check refuses otherwise.
    settings.ATIENDE_ALLOW_PRIVATE_CALLBACKS = True
    with fake.running() as running:
        yield running


def payload(name: str, **replace: str) -> bytes:
    text = (FIXTURES / name).read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.encode()


def social_inbox(
    factory: Factory, channel: str, provider: Provider, token: str = "", **config: str
) -> Inbox:
    inbox = factory.inbox(channel=channel, config={"api_base_url": provider.url, **config})
    if channel == "x":
        ChannelCredentials.objects.create(
            inbox=inbox,
            access_token=token or fake.X_TOKEN,
            access_token_secret=fake.X_TOKEN_SECRET,
            consumer_key=fake.X_CONSUMER_KEY,
            app_secret=fake.X_CONSUMER_SECRET,
        )
        return inbox
    default = fake.BOT_TOKEN if channel == "telegram" else fake.GRAPH_TOKEN
    ChannelCredentials.objects.create(
        inbox=inbox,
        access_token=token or default,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
    )
    return inbox


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_url(inbox: Inbox) -> str:
    return reverse("social:webhook", args=[inbox.pk])


def post_meta(inbox: Inbox, body: bytes, signature: str | None = None) -> Any:
    headers = {"X-Hub-Signature-256": meta_signature(body) if signature is None else signature}
    return Client().post(
        webhook_url(inbox), data=body, content_type="application/json", headers=headers
    )


def post_telegram(inbox: Inbox, body: bytes, secret: str | None = None) -> Any:
    token = inbox.secret if secret is None else secret
    headers = {"X-Telegram-Bot-Api-Secret-Token": token}
    return Client().post(
        webhook_url(inbox), data=body, content_type="application/json", headers=headers
    )


def x_signature(body: bytes, secret: str = fake.X_CONSUMER_SECRET) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def post_x(inbox: Inbox, body: bytes, signature: str | None = None) -> Any:
    headers = {
        "X-Twitter-Webhooks-Signature": x_signature(body) if signature is None else signature
    }
    return Client().post(
        webhook_url(inbox), data=body, content_type="application/json", headers=headers
    )


def text_of(response: Any) -> str:
    return force_str(response.content)


def with_notice(text: str) -> str:
    """A reply's text as a social network receives it: with the anti-impersonation line."""
    return f"{text}\n\n{safety_notice('en')}"
