"""The signed-in customer's pages: their requests, replies, attachments, and the isolation
between customers (someone else's ids and tokens are 404s)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from atiende.conversations.actions import add_note, change_status, receive_message, send_reply
from atiende.conversations.models import Attachment, Conversation, Direction, Message, Status
from atiende.core import tasks
from atiende.inboxes.contract import InboundAttachment, InboundMessage
from atiende.inboxes.models import ChannelKind
from tests.factories import Factory
from tests.portal.helpers import PDF, PNG, link_token, sign_in, upload


def _attachment(conversation: Conversation) -> Attachment:
    return Attachment.objects.get(message__conversation=conversation)


@pytest.fixture
def two_customers(factory: Factory) -> tuple[Conversation, Conversation]:
    """Ana's and Ben's requests in the same Help form inbox, each with a file."""
    inbox = factory.inbox(ChannelKind.WEBFORM)
    ana = factory.inbound(
        inbox,
        "ana@example.test",
        "Ana's problem",
        subject="Ana subject",
        new_conversation=True,
        attachments=(InboundAttachment("ana-invoice.pdf", PDF),),
    ).conversation
    ben = factory.inbound(
        inbox,
        "ben@example.test",
        "Ben's private problem",
        subject="Ben subject",
        new_conversation=True,
        attachments=(InboundAttachment("ben-passport.png", PNG),),
    ).conversation
    return ana, ben


def test_the_list_shows_only_the_customers_own_requests_with_status(
    client: Client, two_customers: tuple[Conversation, Conversation]
) -> None:
    ana, _ben = two_customers
    sign_in(client, "ana@example.test")

    html = client.get("/portal/requests/").content.decode()

    assert "Ana subject" in html
    assert f"/portal/requests/{ana.pk}/" in html
    assert "Ben subject" not in html
    assert 'class="status status-new"' in html


def test_the_conversation_shows_public_messages_and_attachments_never_notes(
    client: Client, factory: Factory, two_customers: tuple[Conversation, Conversation]
) -> None:
    ana, _ben = two_customers
    agent = factory.user(role="admin", first_name="Marta")
    send_reply(agent, ana, text="We are looking into it.")
    add_note(agent, ana, text="Internal: customer is on the legacy plan", files=[("n.pdf", PDF)])
    sign_in(client, "ana@example.test")

    html = client.get(f"/portal/requests/{ana.pk}/").content.decode()

    assert "Ana&#x27;s problem" in html
    assert "We are looking into it." in html
    assert "Marta, Sonora support" in html
    assert "ana-invoice.pdf" in html
    assert "legacy plan" not in html
    assert "n.pdf" not in html


@pytest.mark.parametrize(
    "request_for",
    [
        lambda client, ben: client.get(f"/portal/requests/{ben.pk}/"),
        lambda client, ben: client.post(f"/portal/requests/{ben.pk}/reply/", {"text": "hi"}),
        lambda client, ben: client.get(f"/portal/attachments/{_attachment(ben).token}/"),
        lambda client, ben: client.get("/portal/requests/999999/"),
        lambda client, ben: client.get("/portal/attachments/not-a-real-token/"),
    ],
    ids=["read", "reply", "attachment", "unknown-id", "unknown-token"],
)
def test_a_customer_cannot_reach_another_customers_request(
    client: Client, two_customers: tuple[Conversation, Conversation], request_for: object
) -> None:
    _ana, ben = two_customers
    sign_in(client, "ana@example.test")
    messages_before = Message.objects.count()

    response = request_for(client, ben)  # type: ignore[operator]

    assert response.status_code == 404
    assert "Ben" not in response.content.decode()
    assert Message.objects.count() == messages_before


@pytest.mark.parametrize(
    "request_for",
    [
        lambda client, ana: client.get("/portal/requests/"),
        lambda client, ana: client.get(f"/portal/requests/{ana.pk}/"),
        lambda client, ana: client.post(f"/portal/requests/{ana.pk}/reply/", {"text": "hi"}),
        lambda client, ana: client.get(f"/portal/attachments/{_attachment(ana).token}/"),
    ],
    ids=["list", "read", "reply", "attachment"],
)
def test_nobody_signed_in_is_sent_to_the_sign_in_page(
    client: Client, two_customers: tuple[Conversation, Conversation], request_for: object
) -> None:
    ana, _ben = two_customers
    messages_before = Message.objects.count()

    response = request_for(client, ana)  # type: ignore[operator]

    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert Message.objects.count() == messages_before


def test_a_note_attachment_is_not_downloadable_by_the_customer(
    client: Client, factory: Factory, two_customers: tuple[Conversation, Conversation]
) -> None:
    ana, _ben = two_customers
    note = add_note(factory.user(role="admin"), ana, text="see file", files=[("n.pdf", PDF)])
    sign_in(client, "ana@example.test")

    token = Attachment.objects.get(message=note).token
    assert client.get(f"/portal/attachments/{token}/").status_code == 404


def test_attachments_download_as_files_with_a_sandbox(
    client: Client, factory: Factory, two_customers: tuple[Conversation, Conversation]
) -> None:
    ana, _ben = two_customers
    factory.inbound(
        ana.inbox,
        "ana@example.test",
        "a screenshot",
        conversation_id=ana.pk,
        attachments=(InboundAttachment("shot.png", PNG),),
    )
    sign_in(client, "ana@example.test")
    pdf = Attachment.objects.get(message__conversation=ana, filename="ana-invoice.pdf")
    png = Attachment.objects.get(message__conversation=ana, filename="shot.png")

    document = client.get(f"/portal/attachments/{pdf.token}/")
    image = client.get(f"/portal/attachments/{png.token}/")

    assert document.status_code == image.status_code == 200
    assert b"".join(document.streaming_content) == PDF  # type: ignore[attr-defined]
    assert document["Content-Disposition"].startswith("attachment;")
    assert document["Content-Type"] == "application/pdf"
    assert image["Content-Disposition"].startswith("inline;")
    assert image["Content-Type"] == "image/png"
    for response in (document, image):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
        response.close()


def test_a_reply_lands_in_the_same_conversation_and_reopens_a_solved_one(
    client: Client, factory: Factory, two_customers: tuple[Conversation, Conversation]
) -> None:
    ana, _ben = two_customers
    change_status(factory.user(role="admin"), ana, Status.SOLVED)
    sign_in(client, "ana@example.test")

    response = client.post(
        f"/portal/requests/{ana.pk}/reply/",
        {"text": "It happened again today.", "attachments": [upload("again.png", PNG)]},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/portal/requests/{ana.pk}/"
    ana.refresh_from_db()
    assert ana.status == Status.OPEN
    latest = ana.messages.order_by("-seq").first()
    assert latest is not None
    assert latest.direction == Direction.INBOUND
    assert latest.body_text == "It happened again today."
    assert latest.author_contact_id == ana.contact_id
    assert [a.filename for a in latest.attachments.all()] == ["again.png"]
    assert "Your answer was sent." in client.get(response["Location"]).content.decode()


def test_a_reply_to_a_closed_request_opens_a_linked_one(
    client: Client, factory: Factory, two_customers: tuple[Conversation, Conversation]
) -> None:
    ana, _ben = two_customers
    change_status(factory.user(role="admin"), ana, Status.CLOSED)
    sign_in(client, "ana@example.test")

    response = client.post(f"/portal/requests/{ana.pk}/reply/", {"text": "Still broken."})

    follow_up = Conversation.objects.get(follow_up_of=ana)
    assert response["Location"] == f"/portal/requests/{follow_up.pk}/"
    assert "started a new one" in client.get(response["Location"]).content.decode()


def test_a_bad_reply_is_refused_with_a_clear_error(
    client: Client, two_customers: tuple[Conversation, Conversation]
) -> None:
    ana, _ben = two_customers
    sign_in(client, "ana@example.test")
    messages_before = Message.objects.count()

    empty = client.post(f"/portal/requests/{ana.pk}/reply/", {"text": " "})
    program = client.post(
        f"/portal/requests/{ana.pk}/reply/",
        {"text": "see attached", "attachments": [upload("fix.bat", b"echo hi")]},
    )

    assert empty.status_code == program.status_code == 400
    assert "This field is required." in empty.content.decode()
    assert "kind of file we do not accept" in program.content.decode()
    assert "see attached" in program.content.decode()
    assert Message.objects.count() == messages_before


def test_scripts_in_messages_and_file_names_are_never_rendered_as_markup(
    client: Client, factory: Factory
) -> None:
    inbox = factory.inbox(ChannelKind.WEBFORM)
    payload = "<script>alert(1)</script>"
    conversation = receive_message(
        InboundMessage(
            inbox_id=inbox.pk,
            identity_kind="email",
            identity_value="eve@example.test",
            email="eve@example.test",
            subject=f"{payload} subject",
            text=f"{payload} plain text",
            new_conversation=True,
            attachments=(InboundAttachment(f"{payload}.txt", b"hello"),),
        )
    ).conversation
    receive_message(
        InboundMessage(
            inbox_id=inbox.pk,
            identity_kind="email",
            identity_value="eve@example.test",
            html=f'<p>hi</p>{payload}<img src=x onerror="alert(2)"><a href="javascript:x()">x</a>',
            conversation_id=conversation.pk,
        )
    )
    sign_in(client, "eve@example.test")

    pages = [
        client.get("/portal/requests/").content.decode(),
        client.get(f"/portal/requests/{conversation.pk}/").content.decode(),
    ]

    for html in pages:
        assert "<script" not in html
        assert "onerror" not in html
        assert "javascript:" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; plain text" in pages[1]


def test_an_agents_reply_is_emailed_with_a_portal_link_when_the_worker_runs(
    client: Client, factory: Factory
) -> None:
    inbox = factory.inbox(ChannelKind.WEBFORM)
    client.post(
        "/help/",
        {
            "name": "Kim",
            "email": "kim@example.test",
            "subject": "Refund",
            "message": "I was charged twice.",
        },
    )
    conversation = Conversation.objects.get(inbox=inbox)
    mail.outbox.clear()

    send_reply(factory.user(role="admin"), conversation, text="We refunded the second charge.")
    assert mail.outbox == []
    tasks.drain()

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["kim@example.test"]
    assert "We refunded the second charge." in str(email.body)
    token = link_token(str(email.body))
    assert client.post(f"/portal/signin/{token}/")["Location"] == (
        f"/portal/requests/{conversation.pk}/"
    )
