"""`python -m atiende portal_link`: a fresh sign-in link for a known customer."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.factories import Factory
from tests.portal.helpers import link_token


def test_prints_a_link_that_signs_in_to_the_conversation(client: Client, factory: Factory) -> None:
    conversation = factory.conversation(email="demo@example.test")
    out = io.StringIO()

    call_command("portal_link", "Demo@Example.test", conversation=conversation.pk, stdout=out)

    token = link_token(out.getvalue())
    assert client.post(f"/portal/signin/{token}/")["Location"] == (
        f"/portal/requests/{conversation.pk}/"
    )


def test_refuses_an_unknown_address(db: None) -> None:
    with pytest.raises(CommandError, match="No customer"):
        call_command("portal_link", "ghost@example.test", stdout=io.StringIO())


def test_refuses_a_conversation_of_someone_else(factory: Factory) -> None:
    factory.contact(email="demo@example.test")
    other = factory.conversation(email="other@example.test")

    with pytest.raises(CommandError, match="is not one of"):
        call_command(
            "portal_link", "demo@example.test", conversation=other.pk, stdout=io.StringIO()
        )
