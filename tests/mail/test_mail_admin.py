"""Email admin: quarantine count and retry, block list inline, the connection test against a real
SMTP server, and inbox configuration from ATIENDE_EMAIL_INBOXES."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from atiende.core import tasks
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.mail.models import RawStatus
from atiende.mail.pipeline import ingest
from atiende.people.models import Role
from tests.factories import Factory
from tests.mail.mailkit import email_inbox, free_port, relay


@pytest.fixture
def admin_client(factory: Factory) -> Client:
    client = Client()
    client.force_login(factory.user(role=Role.ADMIN, is_staff=True, is_superuser=True))
    return client


def test_quarantined_mail_is_counted_and_can_be_retried(
    factory: Factory, admin_client: Client
) -> None:
    inbox = email_inbox(factory)
    raw_email = ingest(inbox, b"\x00garbage", source="upload", source_key="upload:bad")
    tasks.drain()
    raw_email.refresh_from_db()
    assert raw_email.status == RawStatus.QUARANTINED

    page = admin_client.get(reverse("admin:mail_rawemail_changelist"))
    inboxes = admin_client.get(reverse("admin:mail_emailinbox_changelist"))
    detail = admin_client.get(reverse("admin:mail_rawemail_change", args=[raw_email.pk]))
    retried = admin_client.post(
        reverse("admin:mail_rawemail_changelist"),
        {"action": "retry", "_selected_action": [raw_email.pk]},
        follow=True,
    )

    assert "Raw emails: 1 quarantined" in page.content.decode()
    assert inboxes.status_code == 200
    assert detail.status_code == 200
    assert "1 quarantined email queued again." in retried.content.decode()
    raw_email.refresh_from_db()
    assert raw_email.status == RawStatus.RECEIVED
    tasks.drain()
    raw_email.refresh_from_db()
    assert raw_email.status == RawStatus.QUARANTINED
    assert raw_email.attempts == 1


@pytest.mark.xdist_group("smtp")
def test_test_connection_reports_the_servers_answer(factory: Factory, admin_client: Client) -> None:
    with relay() as (_recorder, port):
        inbox = email_inbox(factory, relay_port=port)
        page = admin_client.post(
            reverse("admin:mail_emailinbox_changelist"),
            {"action": "test_connection", "_selected_action": [inbox.pk]},
            follow=True,
        )
    text = page.content.decode()

    assert f"SMTP 127.0.0.1:{port} works" in text
    assert "banner: 220" in text
    assert "EHLO: 250" in text


def test_test_connection_reports_a_refused_connection(
    factory: Factory, admin_client: Client
) -> None:
    inbox = email_inbox(factory, relay_port=free_port())

    page = admin_client.post(
        reverse("admin:mail_emailinbox_changelist"),
        {"action": "test_connection", "_selected_action": [inbox.pk]},
        follow=True,
    )

    assert "failed: error:" in page.content.decode()
    assert "refused" in page.content.decode().lower()


def test_blocked_senders_are_edited_on_the_email_inbox(
    factory: Factory, admin_client: Client
) -> None:
    inbox = email_inbox(factory)
    page = admin_client.get(reverse("admin:mail_emailinbox_change", args=[inbox.pk]))

    assert page.status_code == 200
    assert "blocked_senders-TOTAL_FORMS" in page.content.decode()


def test_inboxes_are_configured_from_the_environment(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = email_inbox(factory, auto_acknowledge=True)
    monkeypatch.setenv(
        "ATIENDE_EMAIL_INBOXES",
        json.dumps(
            [
                {
                    "address": "Support@Atiende.test",
                    "name": "Support",
                    "smtp": {"host": "smtp.example.org", "port": 587, "security": "starttls"},
                },
                {"address": "ventas@atiende.test", "name": "Ventas", "language": "es"},
            ]
        ),
    )

    output = io.StringIO()
    call_command("configure_email_inboxes", stdout=output)
    call_command("configure_email_inboxes", stdout=output)

    existing.refresh_from_db()
    assert existing.name == "Support"
    assert existing.config["smtp"]["host"] == "smtp.example.org"
    assert existing.config["auto_acknowledge"] is True
    ventas = Inbox.objects.get(name="Ventas")
    assert ventas.channel == ChannelKind.EMAIL
    assert ventas.language == "es"
    assert ventas.config["address"] == "ventas@atiende.test"
    assert Inbox.objects.filter(channel=ChannelKind.EMAIL).count() == 2
    assert output.getvalue().count("updated inbox") == 3
