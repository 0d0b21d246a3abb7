"""receive_message: contacts by identity, threading into the open conversation, de-duplication."""

from __future__ import annotations

import pytest

from atiende.conversations.actions import receive_message
from atiende.conversations.models import Conversation, Message, Status
from atiende.core.errors import ActionError
from atiende.core.models import Event
from atiende.inboxes.contract import InboundAttachment, InboundMessage
from atiende.people.models import Contact, ContactIdentity
from tests.factories import Factory


def test_first_message_creates_contact_conversation_and_events(factory: Factory) -> None:
    inbox = factory.inbox()

    message = factory.inbound(inbox, email="Ana@Example.test", text="No puedo iniciar sesión")

    identity = ContactIdentity.objects.get(kind="email", value="ana@example.test")
    assert message.conversation.contact == identity.contact
    assert message.conversation.status == Status.NEW
    assert message.body_text == "No puedo iniciar sesión"
    assert message.seq == 1
    kinds = list(
        Event.objects.filter(conversation=message.conversation).values_list("kind", flat=True)
    )
    assert kinds == ["conversation.created", "message.created"]


def test_second_message_joins_the_open_conversation(factory: Factory) -> None:
    inbox = factory.inbox()
    first = factory.inbound(inbox, email="bo@example.test")

    second = factory.inbound(inbox, email="BO@example.test", text="Any news?")

    assert second.conversation_id == first.conversation_id
    assert second.seq == 2
    assert Contact.objects.count() == 1


def test_redelivery_with_same_external_id_stores_nothing_new(factory: Factory) -> None:
    inbox = factory.inbox()
    first = factory.inbound(inbox, email="cy@example.test", external_id="provider-1")
    counts = (Message.objects.count(), Event.objects.count(), Conversation.objects.count())

    again = factory.inbound(inbox, email="cy@example.test", external_id="provider-1")

    assert again.pk == first.pk
    assert (Message.objects.count(), Event.objects.count(), Conversation.objects.count()) == counts


def test_same_external_id_in_another_inbox_is_a_different_message(factory: Factory) -> None:
    one, two = factory.inbox(), factory.inbox()
    first = factory.inbound(one, email="dee@example.test", external_id="x-1")

    second = factory.inbound(two, email="dee@example.test", external_id="x-1")

    assert first.pk != second.pk


def test_message_html_is_sanitised(factory: Factory) -> None:
    inbox = factory.inbox()
    result = receive_message(
        InboundMessage(
            inbox_id=inbox.pk,
            identity_kind="email",
            identity_value="eve@example.test",
            html=(
                '<p onclick="x()">Hi<script>alert(1)</script>'
                '<a href="javascript:alert(1)">l</a></p>'
            ),
        )
    )

    html = result.message.body_html
    assert "<script" not in html
    assert "onclick" not in html
    assert "javascript:" not in html
    assert result.message.body_text.startswith("Hi")


def test_customer_reply_reopens_a_solved_conversation(factory: Factory) -> None:
    inbox = factory.inbox()
    agent = factory.user(role="admin")
    first = factory.inbound(inbox, email="fay@example.test")
    from atiende.conversations.actions import change_status

    change_status(agent, first.conversation, Status.SOLVED)

    again = factory.inbound(inbox, email="fay@example.test", text="It broke again")

    again.conversation.refresh_from_db()
    assert again.conversation_id == first.conversation_id
    assert again.conversation.status == Status.OPEN


def test_message_to_a_closed_conversation_opens_a_linked_one(factory: Factory) -> None:
    inbox = factory.inbox()
    agent = factory.user(role="admin")
    first = factory.inbound(inbox, email="gus@example.test")
    from atiende.conversations.actions import change_status

    change_status(agent, first.conversation, Status.CLOSED)

    again = factory.inbound(inbox, email="gus@example.test", conversation_id=first.conversation_id)

    assert again.conversation_id != first.conversation_id
    assert again.conversation.follow_up_of_id == first.conversation_id


def test_empty_message_is_refused(factory: Factory) -> None:
    inbox = factory.inbox()

    with pytest.raises(ActionError):
        receive_message(
            InboundMessage(
                inbox_id=inbox.pk, identity_kind="email", identity_value="h@example.test"
            )
        )


def test_forbidden_attachment_refuses_the_message_and_stores_nothing(factory: Factory) -> None:
    inbox = factory.inbox()
    program = InboundAttachment("invoice.pdf.exe", b"MZ\x90\x00" + b"\x00" * 100)

    with pytest.raises(ActionError, match="do not accept"):
        factory.inbound(inbox, email="ida@example.test", attachments=(program,))

    assert Message.objects.count() == 0


def test_attachment_type_is_sniffed_not_trusted(factory: Factory) -> None:
    inbox = factory.inbox()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    message = factory.inbound(
        inbox,
        email="jo@example.test",
        attachments=(InboundAttachment("photo.txt", png), InboundAttachment("logo.png", svg)),
    )

    types = {a.filename: (a.content_type, a.is_safe_image) for a in message.attachments.all()}
    assert types == {"photo.txt": ("image/png", True), "logo.png": ("image/svg+xml", False)}
