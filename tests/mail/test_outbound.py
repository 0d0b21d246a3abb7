"""Replies leave through a real SMTP relay: headers, threading, attachments, no header
injection, 5xx fails and 4xx retries."""

from __future__ import annotations

import pytest
from django.utils import timezone

from atiende.conversations.actions import send_reply
from atiende.conversations.models import Conversation, DeliveryStatus
from atiende.core import tasks
from atiende.core.models import Task
from atiende.inboxes.models import Inbox
from atiende.mail import tokens
from atiende.mail.pipeline import ingest
from atiende.people.models import Role
from tests.factories import Factory
from tests.mail.mailkit import email_inbox, mail, relay

pytestmark = pytest.mark.xdist_group("smtp")


def customer_conversation(inbox: Inbox, raw: bytes) -> Conversation:
    ingest(inbox, raw, source="upload", source_key="upload:customer")
    tasks.drain()
    return Conversation.objects.get(inbox=inbox)


def test_a_reply_reaches_the_relay_threaded_with_attachments(factory: Factory) -> None:
    agent = factory.user(role=Role.ADMIN)
    with relay() as (recorder, port):
        inbox = email_inbox(factory, relay_port=port, plus_addressing=True)
        conversation = customer_conversation(
            inbox,
            mail(
                sender="Ana Ruiz <ana@example.org>",
                subject="My playlist is gone",
                message_id="<q1@example.org>",
            ),
        )
        reply = send_reply(
            agent,
            conversation,
            text="Restored it, sorry!",
            html="<p>Restored it, <b>sorry</b>!</p>",
            files=[("steps.txt", b"1. sign in\n2. open playlists\n")],
        )
        tasks.drain()

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    [sent] = recorder.received
    assert recorder.envelopes == [("support@atiende.test", ["ana@example.org"])]
    assert sent["From"] == "Sonora <support@atiende.test>"
    assert sent["To"] == "Ana Ruiz <ana@example.org>"
    assert sent["Subject"] == "Re: My playlist is gone"
    assert sent["In-Reply-To"] == "<q1@example.org>"
    assert sent["References"] == "<q1@example.org>"
    assert sent["Message-ID"] == f"<{reply.external_id}>"
    assert tokens.conversation_from_message_id(inbox, reply.external_id) == conversation.pk
    assert sent["Reply-To"] == f"Sonora <{tokens.reply_address(inbox, conversation.pk)}>"
    # A reply an agent wrote is not automatic mail.
    assert sent["Auto-Submitted"] is None
    assert sent["X-Auto-Response-Suppress"] is None
    body = sent.get_body(preferencelist=("plain",))
    html = sent.get_body(preferencelist=("html",))
    assert body is not None
    assert "Restored it, sorry!" in body.get_content()
    assert html is not None
    assert "<b>sorry</b>" in html.get_content()
    [attachment] = list(sent.iter_attachments())
    assert attachment.get_filename() == "steps.txt"
    assert attachment.get_content() == "1. sign in\n2. open playlists\n"


def test_a_second_reply_references_the_whole_thread(factory: Factory) -> None:
    agent = factory.user(role=Role.ADMIN)
    with relay() as (recorder, port):
        inbox = email_inbox(factory, relay_port=port)
        conversation = customer_conversation(inbox, mail(message_id="<t1@example.org>"))
        first = send_reply(agent, conversation, text="First answer.")
        tasks.drain()
        second = send_reply(agent, conversation, text="Second answer.")
        tasks.drain()

    first.refresh_from_db()
    second.refresh_from_db()
    later = recorder.received[1]
    assert later["In-Reply-To"] == f"<{first.external_id}>"
    assert later["References"] == f"<t1@example.org> <{first.external_id}>"
    assert first.external_id != second.external_id
    # Ids stay literal on the wire: never folded into encoded words.
    assert f"References: <t1@example.org> <{first.external_id}>".encode() in recorder.raw[1]


def test_crlf_in_names_and_subjects_cannot_inject_headers(factory: Factory) -> None:
    agent = factory.user(role=Role.ADMIN)
    with relay() as (recorder, port):
        inbox = email_inbox(factory, relay_port=port, display_name="Sonora\r\nBcc: a@evil.test")
        conversation = customer_conversation(inbox, mail(sender="ana@example.org"))
        conversation.contact.name = "Ana\r\nBcc: victim@evil.test"
        conversation.contact.save()
        Conversation.objects.filter(pk=conversation.pk).update(
            subject="Help\r\nBcc: other@evil.test\nX-Injected: yes"
        )
        send_reply(agent, conversation, text="Hello")
        tasks.drain()

    [sent] = recorder.received
    assert sent["Bcc"] is None
    assert sent["X-Injected"] is None
    assert recorder.envelopes == [("support@atiende.test", ["ana@example.org"])]
    assert "\n" not in str(sent["Subject"])
    assert str(sent["Subject"]).startswith("Re: Help Bcc: other@evil.test")


def test_a_5xx_answer_fails_the_reply_with_the_reason(factory: Factory) -> None:
    agent = factory.user(role=Role.ADMIN)
    with relay(reply="554 5.7.1 Message rejected as spam") as (_recorder, port):
        inbox = email_inbox(factory, relay_port=port)
        conversation = customer_conversation(inbox, mail())
        reply = send_reply(agent, conversation, text="Hello")
        tasks.drain()

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "554" in reply.delivery_error
    assert "rejected as spam" in reply.delivery_error
    assert Task.objects.get(key=f"deliver:{reply.uuid}").status == "done"


def test_a_4xx_answer_retries_with_the_same_message_id(factory: Factory) -> None:
    agent = factory.user(role=Role.ADMIN)
    with relay(reply="451 4.3.0 Try again later") as (recorder, port):
        inbox = email_inbox(factory, relay_port=port)
        conversation = customer_conversation(inbox, mail())
        reply = send_reply(agent, conversation, text="Hello")
        tasks.drain()
        reply.refresh_from_db()
        assert reply.delivery_status == DeliveryStatus.RETRYING
        assert "451" in reply.delivery_error

        recorder.reply = ""  # the relay recovers
        Task.objects.filter(key=f"deliver:{reply.uuid}").update(run_at=timezone.now())
        tasks.drain()

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    [sent] = recorder.received
    assert sent["Message-ID"] == f"<{reply.external_id}>"
    assert tokens.message_id(inbox, conversation.pk, str(reply.uuid)) == reply.external_id


def test_an_unreachable_server_retries(factory: Factory) -> None:
    agent = factory.user(role=Role.ADMIN)
    with relay() as (_recorder, port):
        pass  # stopped: nothing listens on the port any more
    inbox = email_inbox(factory, relay_port=port)
    conversation = customer_conversation(inbox, mail())
    reply = send_reply(agent, conversation, text="Hello")

    tasks.drain()
    reply.refresh_from_db()

    assert reply.delivery_status == DeliveryStatus.RETRYING
    assert "Could not reach the SMTP server" in reply.delivery_error
