"""The landing page and the public Help form: what a submission creates, how bad input is
refused, the rate limit, and which inbox the form writes to."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from atiende.conversations.models import Attachment, Conversation, Direction, Message
from atiende.inboxes.models import ChannelKind
from atiende.people.models import Contact, ContactIdentity
from tests.factories import Factory
from tests.portal.helpers import EXE, PNG, fresh_address, link_token, upload

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], object]]]]


def _form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Ana Pérez",
        "email": "Ana@Example.test",
        "subject": "My playlist disappeared",
        "message": "Since yesterday my 'Road trip' playlist is gone.",
    }
    data.update(overrides)
    return data


def test_landing_page_links_to_the_form_the_portal_and_agents_sign_in(client: Client) -> None:
    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Sonora" in html
    assert 'href="/help/"' in html
    assert 'href="/portal/"' in html
    assert 'href="/login/"' in html
    assert 'action="/i18n/setlang/"' in html


def test_landing_page_follows_the_visitors_language(client: Client) -> None:
    response = client.get("/", headers={"accept-language": "es"})

    assert '<html lang="es">' in response.content.decode()
    assert "Ayuda y soporte" in response.content.decode()


def test_the_language_switch_turns_the_form_spanish(client: Client, factory: Factory) -> None:
    factory.inbox(ChannelKind.WEBFORM)

    switched = client.post("/i18n/setlang/", {"language": "es", "next": "/help/"})
    page = client.get("/help/")

    assert switched["Location"] == "/help/"
    assert "¿Cómo podemos ayudarte?" in page.content.decode()
    assert 'aria-current="true">Español' in page.content.decode()


def test_submission_stores_the_request_and_emails_a_sign_in_link(
    client: Client, factory: Factory, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    inbox = factory.inbox(ChannelKind.WEBFORM)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/help/", {**_form(), "attachments": [upload("screenshot.png", PNG)]}
        )

    assert response.status_code == 302
    assert response["Location"] == "/help/sent/"
    conversation = Conversation.objects.get()
    assert conversation.inbox == inbox
    assert conversation.subject == "My playlist disappeared"
    assert conversation.language == "en"
    contact = Contact.objects.get()
    assert (contact.name, contact.email) == ("Ana Pérez", "ana@example.test")
    assert ContactIdentity.objects.get(contact=contact).value == "ana@example.test"
    message = Message.objects.get()
    assert message.direction == Direction.INBOUND
    assert "Road trip" in message.body_text
    attachment = Attachment.objects.get()
    assert (attachment.message, attachment.filename) == (message, "screenshot.png")
    assert attachment.content_type == "image/png"

    sent = client.get("/help/sent/")
    assert f"#{conversation.pk}" in sent.content.decode()
    assert "email" in sent.content.decode()

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["Ana@Example.test"]
    assert f"#{conversation.pk}" in str(email.subject)
    token = link_token(str(email.body))
    opened = client.post(f"/portal/signin/{token}/")
    assert opened["Location"] == f"/portal/requests/{conversation.pk}/"


def test_the_link_email_is_sent_only_after_the_commit(
    client: Client, factory: Factory, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    factory.inbox(ChannelKind.WEBFORM)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/help/", _form())
        assert Conversation.objects.count() == 1
        assert mail.outbox == []

    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


def test_submission_in_spanish_opens_a_spanish_conversation(
    client: Client, factory: Factory, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    factory.inbox(ChannelKind.WEBFORM)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/help/", _form(), headers={"accept-language": "es"})

    assert Conversation.objects.get().language == "es"
    assert "Recibimos" in str(mail.outbox[0].subject)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"message": "   "}, "This field is required."),
        ({"attachments": [upload("setup.exe", EXE)]}, "kind of file we do not accept"),
        ({"attachments": [upload("holiday.png.exe", PNG)]}, "kind of file we do not accept"),
        ({"attachments": [upload("recording.wav", b"x" * 2048)]}, "is too large"),
    ],
    ids=["invalid-email", "empty-message", "exe-attachment", "exe-name", "oversize-attachment"],
)
def test_bad_input_is_refused_with_a_clear_error_and_creates_nothing(
    client: Client, factory: Factory, settings: Any, overrides: dict[str, object], error: str
) -> None:
    factory.inbox(ChannelKind.WEBFORM)
    settings.ATIENDE_MAX_ATTACHMENT_BYTES = 1024

    response = client.post("/help/", _form(**overrides))

    html = response.content.decode()
    assert response.status_code == 400
    assert error in html
    assert 'role="alert"' in html
    # What the customer typed is kept.
    assert "My playlist disappeared" in html
    assert "Ana Pérez" in html
    assert (Contact.objects.count(), Conversation.objects.count()) == (0, 0)
    assert (Message.objects.count(), Attachment.objects.count()) == (0, 0)
    assert mail.outbox == []


def test_too_many_attachments_are_refused(client: Client, factory: Factory, settings: Any) -> None:
    factory.inbox(ChannelKind.WEBFORM)
    settings.ATIENDE_MAX_ATTACHMENTS_PER_MESSAGE = 2

    files = [upload(f"shot{n}.png", PNG) for n in range(3)]
    response = client.post("/help/", _form(attachments=files))

    assert response.status_code == 400
    assert "Attach at most 2 files." in response.content.decode()
    assert Conversation.objects.count() == 0


def test_the_form_is_rate_limited_per_client_address(
    client: Client, factory: Factory, settings: Any
) -> None:
    factory.inbox(ChannelKind.WEBFORM)
    settings.ATIENDE_RATE_LIMIT_ENABLED = True
    settings.ATIENDE_RATE_LIMITS = {**settings.ATIENDE_RATE_LIMITS, "help_form": (2, 3600)}
    address, other_address = fresh_address(), fresh_address()

    first = client.post("/help/", _form(), REMOTE_ADDR=address)
    second = client.post("/help/", _form(subject="Second"), REMOTE_ADDR=address)
    third = client.post("/help/", _form(subject="Third"), REMOTE_ADDR=address)
    from_elsewhere = client.post("/help/", _form(subject="Fourth"), REMOTE_ADDR=other_address)

    assert (first.status_code, second.status_code) == (302, 302)
    assert third.status_code == 429
    assert "Too many attempts" in third.content.decode()
    assert from_elsewhere.status_code == 302
    assert Conversation.objects.count() == 3


def test_the_form_writes_to_the_inbox_asked_for_when_it_is_an_active_webform_inbox(
    client: Client, factory: Factory
) -> None:
    default = factory.inbox(ChannelKind.WEBFORM)
    in_app = factory.inbox(ChannelKind.WEBFORM, name="In-app form")
    inactive = factory.inbox(ChannelKind.WEBFORM, is_active=False)
    api = factory.inbox(ChannelKind.API)

    page = client.get(f"/help/?inbox={in_app.pk}")
    client.post(f"/help/?inbox={in_app.pk}", _form(subject="from the app"))
    client.post(f"/help/?inbox={inactive.pk}", _form(subject="inactive asked"))
    client.post(f"/help/?inbox={api.pk}", _form(subject="api asked"))
    client.post("/help/?inbox=nonsense", _form(subject="nonsense asked"))

    assert f'action="/help/?inbox={in_app.pk}"' in page.content.decode()
    inboxes = dict(Conversation.objects.values_list("subject", "inbox_id"))
    assert inboxes == {
        "from the app": in_app.pk,
        "inactive asked": default.pk,
        "api asked": default.pk,
        "nonsense asked": default.pk,
    }


def test_without_an_active_webform_inbox_the_form_says_it_is_unavailable(
    client: Client, factory: Factory
) -> None:
    factory.inbox(ChannelKind.WEBFORM, is_active=False)

    response = client.get("/help/")

    assert response.status_code == 503
    assert "not available" in response.content.decode()


def test_the_form_is_protected_by_csrf(factory: Factory) -> None:
    factory.inbox(ChannelKind.WEBFORM)
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/help/", _form())

    assert response.status_code == 403
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize("path", ["/", "/help/", "/portal/"])
def test_public_pages_have_no_inline_script_or_style(
    client: Client, factory: Factory, path: str
) -> None:
    factory.inbox(ChannelKind.WEBFORM)

    response = client.get(path)

    html = response.content.decode()
    assert response.status_code == 200
    # Scripts come from static files only: no inline script, no inline style.
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
    assert "style=" not in html
    assert "<style" not in html
    assert "/static/portal/portal.css" in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
