"""Our inbound SMTP server: 250 only once the message is durable, 550 for strangers, 451 when
storing fails, and redelivery stores nothing new."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest
from django.conf import settings

from atiende.conversations.models import Conversation, Message
from atiende.core import tasks
from atiende.mail.models import RawEmail, RawStatus
from tests.factories import Factory
from tests.mail.mailkit import email_inbox, inbound_server, mail

pytestmark = [pytest.mark.xdist_group("smtp"), pytest.mark.django_db(transaction=True)]


def test_smtp_delivery_becomes_a_conversation(factory: Factory) -> None:
    inbox = email_inbox(factory)
    raw = mail(sender="Ana <ana@example.org>", to="support+anything@atiende.test")
    with inbound_server() as port, smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        code, features = client.ehlo()
        refused = client.sendmail("ana@example.org", ["support+anything@atiende.test"], raw)

    assert refused == {}
    assert code == 250
    assert b"SIZE" in features
    [raw_email] = RawEmail.objects.all()
    assert raw_email.inbox_id == inbox.pk
    assert raw_email.source == "smtp"
    assert raw_email.status == RawStatus.RECEIVED
    tasks.drain()
    conversation = Conversation.objects.get(inbox=inbox)
    assert conversation.contact.email == "ana@example.org"


def test_unknown_recipients_are_refused(factory: Factory) -> None:
    email_inbox(factory)
    with inbound_server() as port, smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        client.mail("ana@example.org")
        code, _answer = client.rcpt("nobody@atiende.test")
        client.rset()
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("ana@example.org", ["sales@elsewhere.test"], mail())

    assert code == 550
    assert not RawEmail.objects.exists()


def test_a_failed_store_answers_451_and_leaves_nothing(factory: Factory, tmp_path: Path) -> None:
    email_inbox(factory)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the mail folder should be")
    settings.MEDIA_ROOT = str(blocker)
    with (
        inbound_server() as port,
        smtplib.SMTP("127.0.0.1", port, timeout=10) as client,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        client.sendmail("ana@example.org", ["support@atiende.test"], mail())

    assert refused.value.smtp_code == 451
    assert not RawEmail.objects.exists()
    assert blocker.read_text() == "a file where the mail folder should be"


def test_redelivering_the_same_messages_stores_nothing_new(factory: Factory) -> None:
    inbox = email_inbox(factory)
    batch = [mail(sender=f"c{n}@example.org", subject=f"Question {n}") for n in range(20)]
    with inbound_server() as port, smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        for raw in batch:
            client.sendmail("x@example.org", ["support@atiende.test"], raw)
        # The sender never saw our 250s (a lost connection) and sends everything again.
        for raw in batch:
            client.sendmail("x@example.org", ["support@atiende.test"], raw)
    tasks.drain()

    assert RawEmail.objects.count() == 20
    assert len(list(Path(settings.MEDIA_ROOT).rglob("*.eml"))) == 20
    assert Message.objects.filter(inbox=inbox).count() == 20
