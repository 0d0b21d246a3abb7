"""The agent inbox through Django's test client: sign-in, lists, the conversation page, actions."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from atiende.conversations import actions
from atiende.conversations.models import DeliveryStatus, Message, Status
from atiende.core import tasks
from atiende.core.models import Event
from atiende.people.models import Role
from tests.factories import Factory

HTMX = {"HX-Request": "true"}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_login_signs_in_and_redirects_to_the_inbox(factory: Factory) -> None:
    factory.user(username="ana", password="correct horse battery")
    response = Client().post(
        reverse("inbox:login"), {"username": "ana", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:home")


def test_login_with_a_wrong_password_shows_an_error(factory: Factory) -> None:
    factory.user(username="ana", password="correct horse battery")
    response = Client().post(reverse("inbox:login"), {"username": "ana", "password": "nope"})
    assert response.status_code == 200
    assert b"did not match" in response.content


def test_login_is_rate_limited_per_address(factory: Factory, settings: Any) -> None:
    settings.ATIENDE_RATE_LIMIT_ENABLED = True
    settings.ATIENDE_RATE_LIMITS = {**settings.ATIENDE_RATE_LIMITS, "login": (3, 60)}
    factory.user(username="ana", password="correct horse battery")
    # An address of its own: the limit is counted in a cache shared with other tests (Redis).
    client = Client(REMOTE_ADDR=f"2001:db8::{secrets.token_hex(2)}")
    codes = [
        client.post(reverse("inbox:login"), {"username": "ana", "password": "guess"}).status_code
        for _ in range(3)
    ]
    # Over the limit even the right password is refused, with a clear message.
    blocked = client.post(
        reverse("inbox:login"), {"username": "ana", "password": "correct horse battery"}
    )
    assert codes == [200, 200, 200]
    assert blocked.status_code == 429
    assert b"Too many sign-in attempts" in blocked.content
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(factory: Factory) -> None:
    client = signed_in(factory.user())
    assert client.get(reverse("inbox:logout")).status_code == 405
    assert client.post(reverse("inbox:logout")).status_code == 302
    assert client.get(reverse("inbox:home")).status_code == 302


def test_inbox_requires_sign_in(db: None) -> None:
    response = Client().get(reverse("inbox:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("inbox:login"))


def test_language_switcher_changes_the_language(factory: Factory) -> None:
    client = signed_in(factory.user())
    client.post(reverse("set_language"), {"language": "es", "next": reverse("inbox:home")})
    response = client.get(reverse("inbox:home"))
    assert '<html lang="es">' in response.content.decode()


def test_views_and_counts(factory: Factory) -> None:
    team = factory.team()
    agent = factory.user(teams=[team])
    inbox = factory.inbox(team=team)
    mine = factory.conversation(inbox)
    actions.assign(agent, mine, agent)
    unassigned = factory.conversation(inbox)
    solved = factory.conversation(inbox)
    actions.change_status(agent, solved, Status.SOLVED)
    client = signed_in(agent)

    def listed(**params: str) -> str:
        return client.get(reverse("inbox:home"), params).content.decode()

    page = listed(view="mine")
    assert f'id="row-{mine.pk}"' in page
    assert f'id="row-{unassigned.pk}"' not in page
    page = listed(view="unassigned")
    assert f'id="row-{unassigned.pk}"' in page
    assert f'id="row-{mine.pk}"' not in page
    page = listed(view="open")
    assert f'id="row-{mine.pk}"' in page
    assert f'id="row-{solved.pk}"' not in page
    page = listed(view="status", status="solved")
    assert f'id="row-{solved.pk}"' in page
    assert f'id="row-{mine.pk}"' not in page
    page = listed(view="team", team=str(team.pk))
    assert f'id="row-{unassigned.pk}"' in page
    nav = client.get(reverse("inbox:home")).context["views"]
    assert [(item.label, item.count) for item in nav] == [
        ("Mine", 1),
        ("Unassigned", 1),
        ("All open", 2),
        (team.name, 2),
    ]


def test_an_empty_mine_points_to_the_unassigned_ones(factory: Factory) -> None:
    # It only said "Nothing here. Well done." while customers waited for someone to take them.
    team = factory.team()
    agent = factory.user(teams=[team])
    inbox = factory.inbox(team=team)
    client = signed_in(agent)
    url = reverse("inbox:home") + "?view=mine"

    nothing = client.get(url).content.decode()
    factory.conversation(inbox)
    factory.conversation(inbox)
    waiting = client.get(url).content.decode()
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Nothing here. Well done." in nothing
    assert "Nothing is assigned to you. 2 conversations are waiting" in waiting
    assert 'href="/inbox/?view=unassigned">See the unassigned ones</a>' in waiting
    assert "No tienes nada asignado. 2 conversaciones esperan" in spanish


def test_every_page_names_its_icon(db: None) -> None:
    # Browsers asked for /favicon.ico, a 404 in the console of every page.
    for path in ["/login/", "/help/", "/hc/en/"]:
        html = Client().get(path, follow=True).content.decode()
        match = re.search(r'<link rel="icon" href="/static/([^"]+)" type="image/svg\+xml">', html)
        assert match, path
        found = finders.find(match.group(1))
        assert isinstance(found, str), match.group(1)
        assert Path(found).read_text().startswith("<svg ")


def test_the_bot_page_says_its_settings_were_saved_once(factory: Factory) -> None:
    # base.html shows the messages; the bot page listed them a second time.
    inbox = factory.inbox(name="Help form")
    client = signed_in(factory.user(role=Role.ADMIN))

    page = client.post(
        reverse("assistant:inbox_settings", args=[inbox.pk]), {"enabled": "1"}, follow=True
    ).content.decode()

    assert page.count("Bot settings saved for Help form.") == 1


def test_the_bot_page_names_sensitive_intents_in_words(factory: Factory) -> None:
    # Supervisors read the codes "refunds, account_security, legal, fraud", in every language.
    factory.inbox(name="Help form")
    supervisor = signed_in(factory.user(role=Role.SUPERVISOR))
    admin = signed_in(factory.user(role=Role.ADMIN))

    listed = supervisor.get(reverse("assistant:page"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    form = admin.get(reverse("assistant:page")).content.decode()

    assert "Reembolsos, Seguridad de la cuenta, Asuntos legales, Fraude" in listed
    assert "account_security" not in listed
    assert re.search(r'value="account_security"( checked)?> Account security</label>', form)


def test_list_is_paginated_by_fifty(factory: Factory) -> None:
    inbox = factory.inbox()
    for _ in range(55):
        factory.conversation(inbox)
    client = signed_in(factory.user(role=Role.SUPERVISOR))
    first = client.get(reverse("inbox:home"))
    assert len(first.context["conversations"]) == 50
    second = client.get(first.context["next_url"])
    assert len(second.context["conversations"]) == 5
    seen = {c.pk for c in first.context["conversations"]} | {
        c.pk for c in second.context["conversations"]
    }
    assert len(seen) == 55


def test_list_fragment_for_htmx(factory: Factory) -> None:
    conversation = factory.conversation()
    response = signed_in(factory.user(role=Role.ADMIN)).get(reverse("inbox:home"), headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="app" id="inbox-body">')
    assert f'id="row-{conversation.pk}"' in html


def test_conversation_page_shows_timeline_and_sidebar(factory: Factory) -> None:
    agent = factory.user(role=Role.ADMIN)
    inbox = factory.inbox()
    conversation = factory.conversation(inbox, email="rosa@example.test", subject="Lost playlist")
    other = factory.conversation(inbox, email="rosa@example.test", subject="Billing")
    actions.add_note(agent, conversation, text="Checked the logs")
    actions.change_priority(agent, conversation, "high")
    html = signed_in(agent).get(conversation.get_absolute_url()).content.decode()
    assert "Lost playlist" in html
    assert "Checked the logs" in html
    assert 'class="msg msg-note"' in html
    assert 'class="msg msg-inbound"' in html
    assert "changed the priority to High" in html
    assert "rosa@example.test" in html
    assert other.get_absolute_url() in html


def test_reply_through_the_view_with_htmx(factory: Factory) -> None:
    agent = factory.user(role=Role.AGENT)
    conversation = factory.conversation()
    response = signed_in(agent).post(
        reverse("inbox:reply", args=[conversation.pk]),
        {"text": "We restored your playlist.", "status": "pending"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="timeline" class="timeline" hx-swap-oob="true"' in html
    assert "We restored your playlist." in html
    assert 'id="composer" class="composer" hx-swap-oob="true"' in html
    reply = Message.objects.get(conversation=conversation, direction="outbound")
    assert reply.body_text == "We restored your playlist."
    assert reply.author_user == agent
    conversation.refresh_from_db()
    assert conversation.status == Status.PENDING


def test_reply_without_javascript_redirects(factory: Factory) -> None:
    agent = factory.user()
    conversation = factory.conversation()
    response = signed_in(agent).post(
        reverse("inbox:reply", args=[conversation.pk]), {"text": "Done."}
    )
    assert response.status_code == 303
    assert response["Location"] == conversation.get_absolute_url()


def test_action_errors_are_shown_not_500(factory: Factory) -> None:
    agent = factory.user()
    conversation = factory.conversation()
    actions.change_status(agent, conversation, Status.CLOSED)
    client = signed_in(agent)
    response = client.post(reverse("inbox:reply", args=[conversation.pk]), {"text": "Hello again"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "This conversation is closed" in html
    assert "Hello again" in html  # what the agent typed is kept
    response = client.post(
        reverse("inbox:status", args=[conversation.pk]), {"status": "open"}, headers=HTMX
    )
    assert response.status_code == 409
    assert "cannot become" in response.content.decode()
    response = client.post(
        reverse("inbox:reply", args=[conversation.pk]), {"text": ""}, headers=HTMX
    )
    assert response.status_code == 400


def test_note_with_attachment(factory: Factory) -> None:
    agent = factory.user()
    conversation = factory.conversation()
    upload = _upload("report.txt", b"line one\n")
    response = signed_in(agent).post(
        reverse("inbox:note", args=[conversation.pk]), {"text": "See file", "files": [upload]}
    )
    assert response.status_code == 303
    note = Message.objects.get(conversation=conversation, direction="note")
    assert [a.filename for a in note.attachments.all()] == ["report.txt"]


def test_assign_status_priority_team_tags(factory: Factory) -> None:
    team = factory.team()
    agent = factory.user(teams=[team])
    colleague = factory.user(teams=[team])
    conversation = factory.conversation(factory.inbox(team=team))
    client = signed_in(agent)
    url = conversation.get_absolute_url()
    assert client.post(url + "assign/", {"assignee": colleague.pk}, headers=HTMX).status_code == 200
    assert client.post(url + "status/", {"status": "open"}, headers=HTMX).status_code == 200
    assert client.post(url + "priority/", {"priority": "urgent"}, headers=HTMX).status_code == 200
    assert client.post(url + "tags/", {"add": "Refund, vip"}, headers=HTMX).status_code == 200
    assert client.post(url + "tags/", {"remove": "vip"}, headers=HTMX).status_code == 200
    conversation.refresh_from_db()
    assert conversation.assignee == colleague
    assert conversation.status == Status.OPEN
    assert conversation.priority == "urgent"
    assert list(conversation.tags.values_list("name", flat=True)) == ["refund"]
    kinds = list(Event.objects.filter(conversation=conversation).values_list("kind", flat=True))
    assert kinds.count("conversation.tagged") == 2
    # Moving it to a team the agent is not in (and unassigning) takes it out of sight.
    other_team = factory.team()
    client.post(url + "assign/", {"assignee": ""}, headers=HTMX)
    response = client.post(url + "team/", {"team": other_team.pk}, headers=HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("inbox:home")
    assert client.get(url).status_code == 404


def test_retry_a_failed_reply(factory: Factory) -> None:
    agent = factory.user()
    conversation = factory.conversation()
    reply = actions.send_reply(agent, conversation, text="Hello")
    Message.objects.filter(pk=reply.pk).update(delivery_status=DeliveryStatus.FAILED)
    client = signed_in(agent)
    assert b">Retry<" in client.get(conversation.get_absolute_url()).content
    response = client.post(reverse("inbox:retry", args=[conversation.pk, reply.pk]), headers=HTMX)
    assert response.status_code == 200
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.QUEUED
    tasks.drain()
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT


def test_customer_script_is_escaped(factory: Factory) -> None:
    from atiende.inboxes.contract import InboundMessage

    inbox = factory.inbox()
    result = actions.receive_message(
        InboundMessage(
            inbox_id=inbox.pk,
            identity_kind="email",
            identity_value="mallory@example.test",
            email="mallory@example.test",
            name='<script>alert("name")</script>',
            subject='<img src=x onerror="alert(1)">',
            html='<p>hi</p><script>alert("body")</script><img src=x onerror="alert(2)">',
            new_conversation=True,
        )
    )
    agent = factory.user(role=Role.ADMIN)
    client = signed_in(agent)
    pages = [
        client.get(result.conversation.get_absolute_url()).content.decode(),
        client.get(reverse("inbox:home")).content.decode(),
        client.get(reverse("inbox:timeline", args=[result.conversation.pk])).content.decode(),
    ]
    for html in pages:
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert 'onerror="' not in html
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in pages[0]


def _upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
