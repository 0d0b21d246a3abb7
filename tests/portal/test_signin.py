"""Signing in with one-time links: asking for one, opening it (GET spends nothing), using it
(POST), and the links that must not work."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.core import mail
from django.test import Client

from atiende.portal.links import make_token
from atiende.portal.models import SpentLink
from atiende.portal.session import SESSION_KEY
from tests.factories import Factory
from tests.portal.helpers import fresh_address, link_token, sign_in

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], object]]]]
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _comparable(html: str, address: str) -> str:
    """The page without what differs by design: the address typed, the masked CSRF token."""
    return CSRF_FIELD.sub("CSRF", html.replace(address, "ADDRESS"))


def test_a_known_address_is_emailed_a_link_and_an_unknown_one_gets_the_same_answer(
    client: Client, factory: Factory, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    factory.contact(email="known@example.test")

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/portal/", {"email": "Known@Example.test"})
        unknown = client.post("/portal/", {"email": "stranger@example.test"})

    assert known.status_code == unknown.status_code == 200
    known_text = _comparable(known.content.decode(), "Known@Example.test")
    unknown_text = _comparable(unknown.content.decode(), "stranger@example.test")
    assert known_text == unknown_text
    assert "If we know the address" in known_text
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Known@Example.test"]
    token = link_token(str(mail.outbox[0].body))
    assert client.post(f"/portal/signin/{token}/")["Location"] == "/portal/requests/"


def test_an_invalid_address_is_refused_with_a_clear_error(client: Client, db: None) -> None:
    response = client.post("/portal/", {"email": "nope"})

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_opening_a_link_does_not_spend_it_and_pressing_the_button_signs_in(
    client: Client, factory: Factory
) -> None:
    conversation = factory.conversation(email="kim@example.test")
    token = make_token("kim@example.test", conversation.pk)

    first_look = client.get(f"/portal/signin/{token}/")
    scanner_look = Client().get(f"/portal/signin/{token}/")
    signed_in = client.post(f"/portal/signin/{token}/")

    assert first_look.status_code == scanner_look.status_code == 200
    assert 'method="post"' in first_look.content.decode()
    assert SESSION_KEY not in scanner_look.wsgi_request.session
    assert signed_in.status_code == 302
    assert signed_in["Location"] == f"/portal/requests/{conversation.pk}/"
    assert client.session[SESSION_KEY] == conversation.contact_id
    assert client.get(signed_in["Location"]).status_code == 200


def test_a_link_works_only_once(client: Client, factory: Factory) -> None:
    factory.contact(email="kim@example.test")
    token = make_token("kim@example.test")

    client.post(f"/portal/signin/{token}/")
    other = Client()
    second_get = other.get(f"/portal/signin/{token}/")
    second_post = other.post(f"/portal/signin/{token}/")

    assert SpentLink.objects.count() == 1
    assert second_get.status_code == second_post.status_code == 400
    assert "cannot be used" in second_post.content.decode()
    assert 'action="/portal/"' in second_post.content.decode()
    assert SESSION_KEY not in other.session


def test_an_expired_link_does_not_work(client: Client, factory: Factory, settings: Any) -> None:
    factory.contact(email="kim@example.test")
    token = make_token("kim@example.test")
    settings.ATIENDE_PORTAL_LINK_MAX_AGE = -1

    opened = client.get(f"/portal/signin/{token}/")
    pressed = client.post(f"/portal/signin/{token}/")

    assert opened.status_code == pressed.status_code == 400
    assert "expired" in pressed.content.decode()
    assert SESSION_KEY not in client.session


def test_a_tampered_link_does_not_work(client: Client, factory: Factory) -> None:
    factory.contact(email="kim@example.test")
    factory.contact(email="mallory@example.test")
    token = make_token("mallory@example.test")
    payload, rest = token.split(":", 1)
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + rest

    response = client.post(f"/portal/signin/{tampered}/")
    truncated = client.post(f"/portal/signin/{token[:-3]}/")

    assert response.status_code == truncated.status_code == 400
    assert SESSION_KEY not in client.session
    assert SpentLink.objects.count() == 0


def test_a_link_for_an_address_nobody_has_does_not_sign_in(client: Client, db: None) -> None:
    response = client.post(f"/portal/signin/{make_token('ghost@example.test')}/")

    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_a_link_to_someone_elses_conversation_signs_in_to_the_list(
    client: Client, factory: Factory
) -> None:
    factory.contact(email="kim@example.test")
    other = factory.conversation(email="lee@example.test")

    assert sign_in(client, "kim@example.test", other.pk) == "/portal/requests/"


def test_asking_for_links_is_rate_limited(client: Client, factory: Factory, settings: Any) -> None:
    settings.ATIENDE_RATE_LIMIT_ENABLED = True
    settings.ATIENDE_RATE_LIMITS = {**settings.ATIENDE_RATE_LIMITS, "portal_link": (2, 3600)}
    address = fresh_address()

    answers = [
        client.post(
            "/portal/", {"email": f"{secrets.token_hex(4)}@example.test"}, REMOTE_ADDR=address
        ).status_code
        for _ in range(3)
    ]

    assert answers == [200, 200, 429]


def test_links_for_one_address_are_rate_limited_whatever_the_client(
    factory: Factory, settings: Any
) -> None:
    settings.ATIENDE_RATE_LIMIT_ENABLED = True
    settings.ATIENDE_RATE_LIMITS = {**settings.ATIENDE_RATE_LIMITS, "portal_link": (2, 3600)}
    email = f"{secrets.token_hex(4)}@example.test"

    answers = [
        Client(REMOTE_ADDR=fresh_address()).post("/portal/", {"email": email}) for _ in range(3)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert "Too many attempts" in answers[2].content.decode()


def test_signing_out_ends_the_portal_session(client: Client, factory: Factory) -> None:
    factory.contact(email="kim@example.test")
    sign_in(client, "kim@example.test")

    assert client.get("/portal/requests/").status_code == 200
    assert client.get("/portal/signout/").status_code == 405
    client.post("/portal/signout/")

    response = client.get("/portal/requests/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_a_signed_in_customer_going_to_sign_in_sees_their_requests(
    client: Client, factory: Factory
) -> None:
    factory.contact(email="kim@example.test")
    sign_in(client, "kim@example.test")

    assert client.get("/portal/")["Location"] == "/portal/requests/"
