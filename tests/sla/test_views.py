"""What agents and supervisors see: the SLA panel, the inbox badge and SLA views (one join,
no query per row), the timeline line and the reports section."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from atiende.conversations import actions
from atiende.conversations.models import Conversation, Message, Priority
from atiende.core import tasks
from atiende.people.models import Role, User
from atiende.sla import breaches, state
from atiende.sla.models import ConversationSLA, Policy
from tests.factories import Factory
from tests.sla.conftest import policy

pytestmark = pytest.mark.django_db(transaction=True)

TARGETS: dict[str, tuple[int | None, int | None, int | None]] = {Priority.NORMAL: (60, 30, 240)}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def written_ago(conversation: Conversation, minutes: int) -> None:
    """The customer's message was written `minutes` ago; the state recomputed."""
    Message.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )
    state.refresh(conversation.pk)


def test_the_panel_shows_each_target_with_its_time_left(factory: Factory) -> None:
    policy("Gold", targets=TARGETS)
    supervisor = factory.user(role=Role.SUPERVISOR)
    conversation = factory.conversation()

    response = signed_in(supervisor).get(reverse("sla:panel", args=[conversation.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Policy: Gold" in html
    assert 'data-metric="first_reply"' in html
    assert 'data-metric="resolution"' in html
    assert "59 min left" in html
    assert "3 h 59 min left" in html


def test_the_panel_shows_breached_by_and_paused(factory: Factory) -> None:
    policy(targets=TARGETS)
    supervisor = factory.user(role=Role.SUPERVISOR)
    conversation = factory.conversation()
    written_ago(conversation, 90)
    actions.change_status(supervisor, conversation, "pending")

    html = signed_in(supervisor).get(reverse("sla:panel", args=[conversation.pk])).content
    text = html.decode()

    assert "breached by 30 min" in text  # the first reply: pending does not pause it
    assert "Paused: waiting on the customer" in text  # the resolution
    assert "2 h 29 min left" in text  # 150 minutes left, less the moment the test took


def test_the_panel_says_when_no_policy_applies(factory: Factory) -> None:
    supervisor = factory.user(role=Role.SUPERVISOR)
    conversation = factory.conversation()

    html = signed_in(supervisor).get(reverse("sla:panel", args=[conversation.pk])).content

    assert b"No SLA policy applies to this conversation." in html


def test_the_panel_is_not_shown_to_an_agent_who_may_not_see_it(factory: Factory) -> None:
    policy(targets=TARGETS)
    conversation = factory.conversation(factory.inbox(team=factory.team()))
    outsider = factory.user(role=Role.AGENT, teams=[factory.team()])

    response = signed_in(outsider).get(reverse("sla:panel", args=[conversation.pk]))

    assert response.status_code == 404


def test_the_conversation_page_loads_the_panel_and_shows_the_breach(factory: Factory) -> None:
    policy(targets=TARGETS)
    supervisor = factory.user(role=Role.SUPERVISOR)
    conversation = factory.conversation()
    written_ago(conversation, 61)
    breaches.check_breaches()

    html = signed_in(supervisor).get(conversation.get_absolute_url()).content.decode()

    assert reverse("sla:panel", args=[conversation.pk]) in html
    assert "SLA breached: First reply target of the policy Standard" in html


def test_the_inbox_badges_and_sla_views(factory: Factory) -> None:
    policy(targets={Priority.NORMAL: (120, 30, 240)})
    supervisor = factory.user(role=Role.SUPERVISOR)
    late = factory.conversation(subject="Late one")
    soon = factory.conversation(subject="Soon one")
    calm = factory.conversation(subject="Calm one")
    tasks.drain()
    written_ago(late, 121)  # first reply due two hours after: breached
    written_ago(soon, 100)  # first reply due in 20 minutes
    client = signed_in(supervisor)

    everything = client.get(reverse("inbox:home") + "?view=open").content.decode()
    breached = client.get(reverse("inbox:home") + "?view=sla_breached").content.decode()
    due_soon = client.get(reverse("inbox:home") + "?view=sla_soon").content.decode()

    assert "SLA breached" in everything
    assert "SLA due in 19 min" in everything
    assert everything.count("sla-badge") == 2
    assert "Late one" in breached
    assert "Soon one" not in breached
    assert "Calm one" not in breached
    assert "Soon one" in due_soon
    assert "Late one" not in due_soon
    assert "Calm one" not in due_soon
    assert 'href="/inbox/?view=sla_breached"' in everything
    assert calm.pk


def test_the_inbox_list_reads_the_sla_with_the_rows(factory: Factory) -> None:
    policy(targets=TARGETS)
    supervisor = factory.user(role=Role.SUPERVISOR)
    client = signed_in(supervisor)
    factory.conversation()
    tasks.drain()
    client.get(reverse("inbox:home"))  # session and caches warm
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("inbox:home"))
    for _n in range(10):
        factory.conversation()
    tasks.drain()
    assert ConversationSLA.objects.count() == 11

    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("inbox:home"))

    assert response.content.decode().count('id="row-') == 11
    assert len(many) == len(few)
    rows = next(query["sql"] for query in many if "last_message_at" in query["sql"])
    assert "sla_conversationsla" in rows


def test_reports_show_sla_attainment(factory: Factory) -> None:
    policy(targets=TARGETS)
    supervisor = factory.user(role=Role.SUPERVISOR)
    met = factory.conversation()
    actions.send_reply(supervisor, met, text="Hi")
    late = factory.conversation()
    written_ago(late, 61)
    factory.conversation()  # still running: not counted
    tasks.drain()
    breaches.check_breaches()

    html = signed_in(supervisor).get(reverse("reports:page")).content.decode()

    assert "Service levels" in html
    assert '50% <span class="muted">(1 met, 1 breached)</span>' in html


def test_the_reports_section_in_spanish(factory: Factory) -> None:
    policy(targets=TARGETS)
    supervisor = factory.user(role=Role.SUPERVISOR, language="es")
    conversation = factory.conversation()
    written_ago(conversation, 61)
    client = signed_in(supervisor)

    html = client.get(
        reverse("sla:panel", args=[conversation.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    assert "Primera respuesta" in html
    assert "superado por 1 min" in html


def test_a_supervisor_with_admin_access_configures_a_policy(factory: Factory) -> None:
    admin = factory.user(role=Role.ADMIN, is_staff=True, is_superuser=True)
    inbox = factory.inbox(name="Billing mail")
    client = signed_in(admin)

    response = client.post(
        reverse("admin:sla_policy_add"),
        {
            "name": "Billing urgent",
            "position": "1",
            "is_active": "on",
            "inboxes": [str(inbox.pk)],
            "priorities": ["high", "urgent"],
            "business_hours": "on",
            "escalate_to_team": "",
            "notify_assignee": "on",
            "targets-TOTAL_FORMS": "1",
            "targets-INITIAL_FORMS": "0",
            "targets-MIN_NUM_FORMS": "0",
            "targets-MAX_NUM_FORMS": "1000",
            "targets-0-priority": "urgent",
            "targets-0-first_reply_minutes": "15",
            "targets-0-next_reply_minutes": "30",
            "targets-0-resolution_minutes": "240",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Policy.objects.get(name="Billing urgent")
    assert saved.priorities == ["high", "urgent"]
    assert list(saved.inboxes.all()) == [inbox]
    assert saved.targets.get().seconds() == {
        "first_reply": 900,
        "next_reply": 1800,
        "resolution": 14400,
    }
    assert state.policy_for(inbox.pk, Priority.URGENT) == saved
    assert state.policy_for(inbox.pk, Priority.NORMAL) is None


def titles_in_order(html: str, titles: list[str]) -> list[str]:
    return sorted((title for title in titles if title in html), key=html.index)


def test_sla_views_sort_by_due_time_and_are_counted_in_the_navigation(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy(targets={Priority.NORMAL: (120, 30, 240)})
    supervisor = factory.user(role=Role.SUPERVISOR)
    made = {
        title: factory.conversation(subject=title)
        for title in ("Late 3h", "Late 1h", "Late 4h", "Due 50m", "Due 10m", "Calm")
    }
    tasks.drain()
    for title, minutes in (("Late 3h", 300), ("Late 1h", 180), ("Late 4h", 360)):
        written_ago(made[title], minutes)  # first reply due 120 minutes after
    written_ago(made["Due 50m"], 70)
    written_ago(made["Due 10m"], 110)
    # The newest activity is on the least urgent rows: the order below is not activity's.
    for n, title in enumerate(("Late 3h", "Late 1h", "Late 4h", "Due 10m", "Due 50m")):
        Conversation.objects.filter(pk=made[title].pk).update(
            last_message_at=timezone.now() - timedelta(hours=10 - n)
        )
    client = signed_in(supervisor)
    home = reverse("inbox:home")

    breached = client.get(home + "?view=sla_breached").content.decode()
    due_soon = client.get(home + "?view=sla_soon").content.decode()

    assert titles_in_order(breached, list(made)) == ["Late 4h", "Late 3h", "Late 1h"]
    assert titles_in_order(due_soon, list(made)) == ["Due 10m", "Due 50m"]
    assert (
        '<a href="/inbox/?view=sla_breached" aria-current="page"><span>SLA breached</span> '
        '<span class="count">3</span></a>'
    ) in breached
    assert (
        '<a href="/inbox/?view=sla_soon"><span>SLA due within 1 h</span> '
        '<span class="count">2</span></a>'
    ) in breached

    # Page by page (one row a page), the keyset follows the due time.
    monkeypatch.setattr("atiende.conversations.views.inbox.PAGE_SIZE", 1)
    seen: list[str] = []
    url = home + "?view=sla_breached"
    while url:
        response = client.get(url)
        seen += titles_in_order(response.content.decode(), list(made))
        url = response.context["next_url"]
    assert seen == ["Late 4h", "Late 3h", "Late 1h"]


def test_an_agent_counts_only_the_sla_views_conversations_they_may_see(
    factory: Factory,
) -> None:
    policy(targets={Priority.NORMAL: (120, 30, 240)})
    mine = factory.team(name="Billing")
    agent = factory.user(role=Role.AGENT, teams=[mine])
    theirs = factory.conversation(factory.inbox(team=mine), subject="Visible late")
    other = factory.inbox(team=factory.team(name="Other"))
    hidden = factory.conversation(other, subject="Hidden late")
    tasks.drain()
    written_ago(theirs, 200)
    written_ago(hidden, 200)

    html = signed_in(agent).get(reverse("inbox:home") + "?view=sla_breached").content.decode()

    assert "Visible late" in html
    assert "Hidden late" not in html
    assert '<span>SLA breached</span> <span class="count">1</span>' in html
