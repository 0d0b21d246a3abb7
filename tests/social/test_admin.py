"""Social inbox admin: credentials written but never shown back, the app secret rotation, the
connection test reporting the provider's own answer, and Telegram's setWebhook."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from atiende.inboxes.models import Inbox
from atiende.people.models import Role
from atiende.social.models import ChannelCredentials
from tests.factories import Factory
from tests.social import provider as fake
from tests.social.conftest import APP_SECRET, meta_signature, payload, post_meta, social_inbox
from tests.social.provider import Provider


@pytest.fixture
def admin_client(factory: Factory) -> Client:
    client = Client()
    client.force_login(factory.user(role=Role.ADMIN, is_staff=True, is_superuser=True))
    return client


def _act(admin_client: Client, action: str, inbox: Inbox) -> list[str]:
    response = admin_client.post(
        reverse("admin:social_socialinbox_changelist"),
        {"action": action, "_selected_action": [inbox.pk]},
        follow=True,
    )
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_credentials_are_stored_and_never_shown_back(
    admin_client: Client, provider: Provider
) -> None:
    form = {
        "name": "WhatsApp support",
        "channel": "whatsapp",
        "language": "es",
        "is_active": "on",
        "phone_number_id": fake.PHONE_NUMBER_ID,
        "api_base_url": provider.url,
        "access_token": fake.GRAPH_TOKEN,
        "app_secret": "meta-app-secret-77",
        "verify_token": "verify-phrase-123",
    }

    created = admin_client.post(reverse("admin:social_socialinbox_add"), form)
    inbox = Inbox.objects.get(name="WhatsApp support")
    page = admin_client.get(reverse("admin:social_socialinbox_change", args=[inbox.pk]))
    listing = admin_client.get(reverse("admin:inboxes_inbox_change", args=[inbox.pk]))

    assert created.status_code == 302
    stored = ChannelCredentials.objects.get(inbox=inbox)
    assert (stored.access_token, stored.app_secret) == (fake.GRAPH_TOKEN, "meta-app-secret-77")
    assert inbox.config == {"phone_number_id": fake.PHONE_NUMBER_ID, "api_base_url": provider.url}
    html = page.content.decode()
    assert f"/social/{inbox.pk}/webhook" in html
    for secret in (fake.GRAPH_TOKEN, "meta-app-secret-77", "verify-phrase-123"):
        assert secret not in html
        assert secret not in listing.content.decode()
    assert "EAAG••••" in html


def test_a_new_app_secret_keeps_the_old_one_valid_and_empty_fields_keep_tokens(
    factory: Factory, admin_client: Client, provider: Provider
) -> None:
    inbox = social_inbox(factory, "whatsapp", provider, phone_number_id=fake.PHONE_NUMBER_ID)
    form = {
        "name": inbox.name,
        "channel": "whatsapp",
        "language": "en",
        "is_active": "on",
        "phone_number_id": fake.PHONE_NUMBER_ID,
        "api_base_url": provider.url,
        "access_token": "",
        "app_secret": "the-new-app-secret",
        "verify_token": "",
    }

    admin_client.post(reverse("admin:social_socialinbox_change", args=[inbox.pk]), form)
    body = payload("whatsapp_text.json")
    with_old = post_meta(inbox, body, signature=meta_signature(body, APP_SECRET))
    with_new = post_meta(inbox, body, signature=meta_signature(body, "the-new-app-secret"))

    stored = ChannelCredentials.objects.get(inbox=inbox)
    assert (stored.app_secret, stored.previous_app_secret) == ("the-new-app-secret", APP_SECRET)
    assert stored.access_token == fake.GRAPH_TOKEN
    assert (with_old.status_code, with_new.status_code) == (200, 200)


def test_the_connection_test_reports_what_the_provider_answered(
    factory: Factory, admin_client: Client, provider: Provider
) -> None:
    working = social_inbox(factory, "whatsapp", provider, phone_number_id=fake.PHONE_NUMBER_ID)
    wrong = social_inbox(factory, "messenger", provider, token="EAAG-revoked")
    bot = social_inbox(factory, "telegram", provider)

    reports = [_act(admin_client, "test_connection", inbox) for inbox in (working, wrong, bot)]

    assert reports[0] == [
        (
            f"{working.name}: works: HTTP 200 | display_phone_number: +1 555-010-0100 | "
            "verified_name: Atiende Test"
        )
    ]
    assert reports[1] == [
        (
            f"{wrong.name}: failed: HTTP 401 | Invalid OAuth access token - Cannot parse access "
            "token (190)"
        )
    ]
    assert reports[2] == [
        f"{bot.name}: works: @atiende_bot (123456) | webhook: none | pending updates: 0"
    ]


def test_set_webhook_gives_telegram_the_inbox_url_and_secret(
    factory: Factory, admin_client: Client, provider: Provider, settings: object
) -> None:
    bot = social_inbox(factory, "telegram", provider)
    settings.SITE_URL = "http://support.example.test"  # type: ignore[attr-defined]
    refused = _act(admin_client, "set_telegram_webhook", bot)
    settings.SITE_URL = "https://support.example.test"  # type: ignore[attr-defined]

    accepted = _act(admin_client, "set_telegram_webhook", bot)

    url = f"https://support.example.test/social/{bot.pk}/webhook"
    assert refused == [
        (
            f"{bot.name}: failed: http://support.example.test/social/{bot.pk}/webhook | 400: Bad "
            "Request: bad webhook: An HTTPS URL must be provided for webhook"
        )
    ]
    assert accepted == [f"{bot.name}: works: webhook set to {url}"]
    assert provider.webhook == {
        "url": url,
        "secret_token": bot.secret,
        "allowed_updates": ["message", "edited_message", "callback_query", "my_chat_member"],
    }


def test_the_social_admin_speaks_spanish(admin_client: Client, factory: Factory) -> None:
    factory.inbox(channel="telegram")
    admin_client.post("/i18n/setlang/", {"language": "es", "next": "/admin/"})

    page = admin_client.get(reverse("admin:social_socialinbox_changelist"))

    html = page.content.decode()
    assert "Probar la conexión" in html
    assert "Configurar el webhook de Telegram" in html
