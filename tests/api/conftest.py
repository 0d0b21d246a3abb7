"""A small world for API tests: two teams, every role, two customers, an API inbox, notes and
attachments, and clients that call the API as each of them."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from atiende.api.tokens import create_token
from atiende.conversations.actions import add_note, change_team
from atiende.conversations.models import Attachment, Conversation, Message
from atiende.inboxes.contract import InboundAttachment
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import Contact, Role, Team, User
from atiende.portal.session import SESSION_KEY
from tests.factories import Factory

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@dataclass
class World:
    team_a: Team
    team_b: Team
    admin: User
    supervisor: User
    agent_a: User
    agent_b: User
    inbox: Inbox
    customer_a: Contact
    customer_b: Contact
    conversation_a: Conversation  # customer A's, in team A
    conversation_b: Conversation  # customer B's, in team B
    note_a: Message
    attachment_a: Attachment  # on customer A's own message
    note_attachment_a: Attachment  # on an internal note in customer A's conversation
    attachment_b: Attachment
    tokens: dict[str, str]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(autouse=True)
def _static_from_finders(settings: Any) -> None:
    # pytest-django reads settings before tests/conftest.py sets ATIENDE_STATIC_FINDERS, so
    # WhiteNoise would otherwise warn (an error here) about the uncollected static folder.
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture
def world(factory: Factory) -> World:
    team_a, team_b = factory.team("Billing"), factory.team("Tech")
    admin = factory.user(role=Role.ADMIN)
    supervisor = factory.user(role=Role.SUPERVISOR)
    agent_a = factory.user(role=Role.AGENT, teams=[team_a])
    agent_b = factory.user(role=Role.AGENT, teams=[team_b])
    inbox = factory.inbox(channel=ChannelKind.API, team=team_a)
    first = factory.inbound(
        inbox,
        email="ana@example.test",
        text="My invoice is wrong",
        new_conversation=True,
        attachments=(InboundAttachment("invoice.png", PNG),),
    )
    second = factory.inbound(
        inbox,
        email="bruno@example.test",
        text="The app crashes",
        new_conversation=True,
        attachments=(InboundAttachment("crash.png", PNG),),
    )
    conversation_a, conversation_b = first.conversation, second.conversation
    change_team(admin, conversation_b, team_b)
    note = add_note(
        agent_a,
        conversation_a,
        text="Secret: refund was approved by finance",
        files=[("internal.png", PNG)],
    )
    tokens = {
        role: create_token(user, name=f"{role} token")[1]
        for role, user in {
            "admin": admin,
            "supervisor": supervisor,
            "agent_a": agent_a,
            "agent_b": agent_b,
        }.items()
    }
    return World(
        team_a=team_a,
        team_b=team_b,
        admin=admin,
        supervisor=supervisor,
        agent_a=agent_a,
        agent_b=agent_b,
        inbox=inbox,
        customer_a=conversation_a.contact,
        customer_b=conversation_b.contact,
        conversation_a=conversation_a,
        conversation_b=conversation_b,
        note_a=note,
        attachment_a=first.attachments.get(),
        note_attachment_a=note.attachments.get(),
        attachment_b=second.attachments.get(),
        tokens=tokens,
    )


def customer_client(contact: Contact, enforce_csrf: bool = False) -> Client:
    """A client signed in to the portal as `contact`."""
    client = Client(enforce_csrf_checks=enforce_csrf)
    session = client.session
    session[SESSION_KEY] = contact.pk
    session.save()
    return client


def csrf(client: Client) -> dict[str, str]:
    """Give `client` a CSRF cookie, as a page of ours would, and the matching header."""
    token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    client.cookies["csrftoken"] = token
    return {"X-CSRFToken": token}


def client_for(world: World, who: str) -> Client:
    """A client calling as `who`: an agent role by token, a customer by portal session."""
    if who in world.tokens:
        return Client(headers=bearer(world.tokens[who]))
    if who == "customer_a":
        return customer_client(world.customer_a)
    if who == "customer_b":
        return customer_client(world.customer_b)
    assert who == "anonymous"
    return Client()
