"""An agent of team A never sees team B's conversation: not in a list, a count, a search, the
sidebar, by a guessed URL, nor by an attachment token. And attachments download safely."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.http import FileResponse
from django.test import Client
from django.urls import reverse

from atiende.conversations.models import Attachment, Conversation
from atiende.inboxes.contract import InboundAttachment
from atiende.people.models import User
from tests.factories import Factory

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@dataclass
class World:
    agent_a: User
    mine: Conversation
    theirs: Conversation
    secret_file: Attachment
    own_file: Attachment


@pytest.fixture
def world(factory: Factory) -> World:
    team_a, team_b = factory.team("Billing"), factory.team("Security")
    inbox_a, inbox_b = factory.inbox(team=team_a), factory.inbox(team=team_b)
    # One customer with a conversation in each team: the sidebar must not show B's.
    email = "shared@example.test"
    mine = factory.conversation(inbox_a, email=email, subject="Invoice zebra")
    theirs_message = factory.inbound(
        inbox_b,
        email=email,
        subject="Stolen wallet zebra",
        text="my recovery words zebra",
        new_conversation=True,
        attachments=(InboundAttachment("evidence.png", PNG),),
    )
    own_message = factory.inbound(
        inbox_a,
        email=email,
        conversation_id=mine.pk,
        attachments=(InboundAttachment("notes.txt", b"plain words\n"),),
    )
    return World(
        agent_a=factory.user(teams=[team_a]),
        mine=mine,
        theirs=theirs_message.conversation,
        secret_file=theirs_message.attachments.get(),
        own_file=own_message.attachments.get(),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"view": "unassigned"},
        {"view": "status", "status": "new"},
        {"view": "team", "team": "0"},
        {"view": "mine"},
    ],
)
def test_lists_show_only_visible_conversations(world: World, params: dict[str, str]) -> None:
    client = client_for(world.agent_a)
    if params.get("team") == "0":
        params = {**params, "team": str(world.theirs.team_id)}
    html = client.get(reverse("inbox:home"), params).content.decode()
    assert f'id="row-{world.theirs.pk}"' not in html
    assert "Stolen wallet" not in html


def test_counts_include_only_visible_conversations(world: World) -> None:
    response = client_for(world.agent_a).get(reverse("inbox:home"))
    counts = {item.label: item.count for item in response.context["views"]}
    statuses = {item.label: item.count for item in response.context["statuses"]}
    assert counts == {"Mine": 0, "Unassigned": 1, "All open": 1, "Billing": 1}
    assert statuses["New"] == 1


def test_search_shows_only_visible_conversations(world: World) -> None:
    response = client_for(world.agent_a).get(reverse("inbox:home"), {"q": "zebra"})
    assert [c.pk for c in response.context["conversations"]] == [world.mine.pk]
    assert "Stolen wallet" not in response.content.decode()


def test_sidebar_lists_only_visible_other_conversations(world: World) -> None:
    html = client_for(world.agent_a).get(world.mine.get_absolute_url()).content.decode()
    assert "shared@example.test" in html
    assert world.theirs.get_absolute_url() not in html
    assert "Stolen wallet" not in html


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("conversation", "get"),
        ("timeline", "get"),
        ("panel", "get"),
        ("reply", "post"),
        ("note", "post"),
        ("assign", "post"),
        ("status", "post"),
        ("priority", "post"),
        ("team", "post"),
        ("tags", "post"),
    ],
)
def test_guessed_urls_are_404(world: World, name: str, method: str) -> None:
    client = client_for(world.agent_a)
    url = reverse(f"inbox:{name}", args=[world.theirs.pk])
    data = {"text": "x", "status": "open", "priority": "high", "add": "x", "assignee": ""}
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 404
    assert world.theirs.messages.count() == 1
    assert world.theirs.tags.count() == 0


def test_retry_of_a_message_in_an_invisible_conversation_is_404(world: World) -> None:
    message = world.theirs.messages.get()
    url = reverse("inbox:retry", args=[world.mine.pk, message.pk])
    response = client_for(world.agent_a).post(url)
    assert response.status_code == 404


def test_attachment_token_of_an_invisible_conversation_is_404(world: World) -> None:
    client = client_for(world.agent_a)
    response = client.get(reverse("inbox:attachment", args=[world.secret_file.token]))
    assert response.status_code == 404
    response = client.get(reverse("inbox:attachment", args=["not-a-real-token"]))
    assert response.status_code == 404


def test_attachments_need_sign_in(world: World) -> None:
    response = Client().get(reverse("inbox:attachment", args=[world.own_file.token]))
    assert response.status_code == 302


def test_non_images_download_as_attachments(world: World) -> None:
    response = client_for(world.agent_a).get(
        reverse("inbox:attachment", args=[world.own_file.token])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="notes.txt"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert isinstance(response, FileResponse)
    assert response.getvalue() == b"plain words\n"
    response.close()


def test_safe_images_are_inline_and_shown_in_the_timeline(factory: Factory) -> None:
    message = factory.inbound(
        factory.inbox(),
        new_conversation=True,
        attachments=(InboundAttachment('pi"c\r\n.png', PNG),),
    )
    attachment = message.attachments.get()
    admin = factory.user(role="admin")
    client = client_for(admin)
    url = reverse("inbox:attachment", args=[attachment.token])
    html = client.get(message.conversation.get_absolute_url()).content.decode()
    assert f'<img src="{url}"' in html
    response = client.get(url)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert "\r" not in response["Content-Disposition"]
    assert "\n" not in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    # Closing releases the file; it is the last step, as it also ends the "request".
    response.close()
