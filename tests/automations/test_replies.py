"""A rule's public reply: written like the answer bot's (no author, so automatic), with
`{contact_name}` filled in, delivered through the outbox; on mail only where the mail
channel's loop protection allows an automatic answer, and marked `Auto-Submitted`."""

from __future__ import annotations

import pytest

from atiende.automations.models import ActionKind, Trigger
from atiende.conversations.models import Conversation, Direction, Message
from atiende.core import tasks
from atiende.core.models import Event
from atiende.mail.models import AutoReply
from atiende.mail.pipeline import ingest
from tests.automations.conftest import applied, rule
from tests.factories import Factory
from tests.mail.mailkit import email_inbox, mail, relay

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("smtp")]

TEMPLATE = "Hola {contact_name}: recibimos tu mensaje y te respondemos hoy."


def _reply_rule() -> None:
    rule("Welcome", Trigger.CREATED, [{"kind": ActionKind.SEND_REPLY, "text": TEMPLATE}])


def _automatic_replies(conversation: Conversation) -> list[Message]:
    ids = [
        event.data["message_id"]
        for event in Event.objects.filter(conversation=conversation, kind="message.created")
        if event.data.get("automation_rule_id") and event.data.get("automatic")
    ]
    return list(Message.objects.filter(pk__in=ids))


def test_a_reply_with_the_contact_name_written_by_nobody(factory: Factory) -> None:
    _reply_rule()
    conversation = factory.conversation(name="Ana Peña")
    tasks.drain()

    [reply] = _automatic_replies(conversation)
    assert reply.direction == Direction.OUTBOUND
    assert reply.author_user_id is None
    assert reply.body_text == "Hola Ana Peña: recibimos tu mensaje y te respondemos hoy."
    [firing] = applied(conversation.pk)
    assert firing.data["skipped"] == []


def test_a_mail_reply_is_automatic_mail(factory: Factory) -> None:
    _reply_rule()
    with relay() as (recorder, port):
        inbox = email_inbox(factory, relay_port=port)
        ingest(inbox, mail(sender="Ana <ana@example.org>"), source="upload", source_key="u:1")
        tasks.drain()

    conversation = Conversation.objects.get(inbox=inbox)
    [reply] = _automatic_replies(conversation)
    assert reply.body_text == "Hola Ana: recibimos tu mensaje y te respondemos hoy."
    [sent] = recorder.received
    assert sent["To"] == "Ana <ana@example.org>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert "recibimos tu mensaje" in sent.get_body().get_content()  # type: ignore[union-attr]
    assert AutoReply.objects.filter(inbox=inbox, address="ana@example.org").count() == 1


def test_no_reply_to_automatic_mail(factory: Factory) -> None:
    _reply_rule()
    with relay() as (recorder, port):
        inbox = email_inbox(factory, relay_port=port)
        raw = mail(sender="robot@example.org", headers={"Auto-Submitted": "auto-replied"})
        ingest(inbox, raw, source="upload", source_key="u:2")
        tasks.drain()

    conversation = Conversation.objects.get(inbox=inbox)
    assert _automatic_replies(conversation) == []
    assert recorder.received == []
    [firing] = applied(conversation.pk)
    assert [item["kind"] for item in firing.data["skipped"]] == ["send_reply"]
