"""Loop protection (SECURITY.md I4): no automatic answer to automatic mail, and at most three
per sender per day even when the peer sets no headers."""

from __future__ import annotations

import itertools

import pytest

from atiende.conversations.models import Conversation, Message
from atiende.core import tasks
from atiende.mail.loops import may_autoreply
from atiende.mail.models import AutoReply, BlockedSender
from atiende.mail.parse import parse_email
from atiende.mail.pipeline import ingest
from tests.factories import Factory
from tests.mail.mailkit import email_inbox, mail, relay

pytestmark = pytest.mark.xdist_group("smtp")

_keys = itertools.count(1)


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"List-Id": "<news.example.org>"},
        {"Return-Path": "<>"},
    ],
)
def test_no_autoreply_to_automatic_or_bulk_mail(factory: Factory, headers: dict[str, str]) -> None:
    inbox = email_inbox(factory)

    assert may_autoreply(inbox, parse_email(mail())) is True
    assert may_autoreply(inbox, parse_email(mail(headers=headers))) is False


def test_no_autoreply_to_robots_blocked_senders_or_ourselves(factory: Factory) -> None:
    inbox = email_inbox(factory)
    BlockedSender.objects.create(inbox=inbox, pattern="example.net")

    assert may_autoreply(inbox, parse_email(mail(sender="MAILER-DAEMON@example.org"))) is False
    assert may_autoreply(inbox, parse_email(mail(sender="no-reply@example.org"))) is False
    assert may_autoreply(inbox, parse_email(mail(sender="x@example.net"))) is False
    assert may_autoreply(inbox, parse_email(mail(sender="support@atiende.test"))) is False


def test_acknowledgement_is_automatic_mail_in_the_conversation_language(
    factory: Factory,
) -> None:
    with relay() as (recorder, port):
        inbox = email_inbox(factory, relay_port=port, auto_acknowledge=True)
        raw = mail(headers={"Content-Language": "es"}, message_id="<ask@example.org>")
        ingest(inbox, raw, source="upload", source_key="upload:ask")
        tasks.drain()

    conversation = Conversation.objects.get(inbox=inbox)
    [acknowledgement] = recorder.received
    assert acknowledgement["Auto-Submitted"] == "auto-replied"
    assert acknowledgement["X-Auto-Response-Suppress"] == "All"
    assert acknowledgement["In-Reply-To"] == "<ask@example.org>"
    body = acknowledgement.get_body(preferencelist=("plain",))
    assert body is not None
    assert f"#{conversation.pk}" in body.get_content()
    assert conversation.language == "es"
    assert AutoReply.objects.filter(address="ana@example.org").count() == 1


def test_a_loop_with_a_peer_that_sets_no_headers_stops_after_three(factory: Factory) -> None:
    """The peer answers every mail with a new ticket of its own and no loop headers."""
    with relay() as (recorder, port):
        inbox = email_inbox(factory, relay_port=port, auto_acknowledge=True)
        peer_mail = mail(sender="helpdesk@peer.example", subject="Ticket 1 opened")
        for round_number in range(1, 8):
            ingest(inbox, peer_mail, source="smtp", source_key=f"smtp:{next(_keys)}")
            tasks.drain()
            if len(recorder.received) < round_number:
                break
            ours = recorder.received[-1]
            peer_mail = mail(
                sender="helpdesk@peer.example",
                subject=f"Ticket {round_number + 1} opened: {ours['Subject']}",
                text="Thank you, we opened a ticket.",
            )

    assert len(recorder.received) == 3
    assert AutoReply.objects.filter(inbox=inbox, address="helpdesk@peer.example").count() == 3
    assert Conversation.objects.filter(inbox=inbox).count() == 4
    assert (
        Message.objects.filter(inbox=inbox, author_user__isnull=True, direction="outbound").count()
        == 3
    )
