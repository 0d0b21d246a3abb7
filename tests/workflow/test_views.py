"""The agent's status control, the "My chats" strip, the routing panel and the transfer form."""

from __future__ import annotations

from django.test import Client

from atiende.conversations import actions
from atiende.conversations.models import Direction
from atiende.people.models import User
from atiende.workflow.livechats import mark_read, my_chats
from atiende.workflow.models import AgentProfile, ChatRead, InboxSchedule, PresenceStatus
from atiende.workflow.routing import route_conversation
from tests.factories import Factory
from tests.workflow.conftest import Told, chat, chat_inbox, online_agent

HTMX = {"HX-Request": "true"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_agent_sets_their_status_from_the_inbox(factory: Factory) -> None:
    agent = factory.user()
    client = client_for(agent)

    page = client.get("/inbox/")
    assert 'id="status-form"' in page.content.decode()

    response = client.post("/inbox/presence/", {"status": "online"}, headers=HTMX)

    assert response.status_code == 200
    assert 'value="online" selected' in response.content.decode()
    assert AgentProfile.objects.get(user=agent).status == PresenceStatus.ONLINE


def test_without_javascript_the_status_form_redirects_back(factory: Factory) -> None:
    client = client_for(factory.user())

    response = client.post("/inbox/presence/", {"status": "away", "next": "https://evil.test/"})

    assert (response.status_code, response["Location"]) == (303, "/inbox/")


def test_my_chats_lists_unread_counts_and_the_last_line(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    agent = online_agent(factory, team)
    conversation = chat(factory, inbox)
    route_conversation(conversation.pk)
    factory.inbound(
        inbox, conversation.contact.email, "Are you there?", conversation_id=conversation.pk
    )
    email_conversation = factory.conversation(factory.inbox(team=team))
    actions.assign(agent, email_conversation, agent)

    chats = my_chats(agent)
    assert [(c.conversation.pk, c.unread, c.last_line) for c in chats] == [
        (conversation.pk, 2, "Are you there?")
    ]

    assert mark_read(agent, conversation.pk) == 2
    assert (conversation.pk, {"type": "read", "seq": 2, "by": "agent"}) in told
    assert mark_read(agent, conversation.pk) is None  # nothing new: no second receipt
    assert [c.unread for c in my_chats(agent)] == [0]

    html = client_for(agent).get("/inbox/chats/").content.decode()
    assert f'data-chat-id="{conversation.pk}"' in html


def test_an_agent_cannot_mark_read_a_chat_they_cannot_see(factory: Factory, told: Told) -> None:
    inbox = chat_inbox(factory, factory.team())
    conversation = chat(factory, inbox)
    outsider = factory.user(teams=[factory.team()])

    assert mark_read(outsider, conversation.pk) is None
    assert not ChatRead.objects.exists()


def test_transfer_from_the_conversation_page(factory: Factory, told: Told) -> None:
    team = factory.team()
    inbox = chat_inbox(factory, team)
    ana = online_agent(factory, team)
    bruno = factory.user(teams=[team])
    conversation = chat(factory, inbox)
    route_conversation(conversation.pk)
    client = client_for(ana)

    panel = client.get(f"/inbox/c/{conversation.pk}/routing/")
    assert "Transfer" in panel.content.decode()

    response = client.post(
        f"/inbox/c/{conversation.pk}/transfer/",
        {"agent": bruno.pk, "note": "She needs a refund"},
        headers=HTMX,
    )

    assert response.status_code == 200
    conversation.refresh_from_db()
    assert conversation.assignee_id == bruno.pk
    assert conversation.messages.filter(direction=Direction.NOTE).count() == 1


def test_transfer_without_a_target_is_refused(factory: Factory) -> None:
    agent = factory.user(role="admin")
    conversation = chat(factory, chat_inbox(factory))

    url = f"/inbox/c/{conversation.pk}/transfer/"
    response = client_for(agent).post(url, {"note": "x"}, headers=HTMX)

    assert response.status_code == 400
    assert "Choose a colleague or a team." in response.content.decode()


def test_the_routing_panel_of_an_invisible_conversation_is_not_found(factory: Factory) -> None:
    conversation = chat(factory, chat_inbox(factory, factory.team()))
    outsider = factory.user(teams=[factory.team()])

    client = client_for(outsider)

    assert client.get(f"/inbox/c/{conversation.pk}/routing/").status_code == 404
    assert client.post(f"/inbox/c/{conversation.pk}/transfer/", {"note": "x"}).status_code == 404


def test_admins_edit_hours_holidays_and_agent_capacity(factory: Factory) -> None:
    admin = factory.user(role="admin", is_staff=True, is_superuser=True)
    inbox = chat_inbox(factory)
    agent = factory.user()
    client = client_for(admin)

    response = client.post(
        "/admin/workflow/inboxschedule/add/",
        {
            "inbox": inbox.pk,
            "time_zone": "Europe/Madrid",
            "use_hours": "on",
            "reroute_after_seconds": 90,
            "intervals-TOTAL_FORMS": 1,
            "intervals-INITIAL_FORMS": 0,
            "intervals-0-weekday": 0,
            "intervals-0-opens": "09:00",
            "intervals-0-closes": "17:00",
            "holidays-TOTAL_FORMS": 1,
            "holidays-INITIAL_FORMS": 0,
            "holidays-0-name": "Christmas",
            "holidays-0-starts_on": "2026-12-25",
            "holidays-0-ends_on": "2026-12-25",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = InboxSchedule.objects.get(inbox=inbox)
    assert (schedule.intervals.count(), schedule.holidays.count()) == (1, 1)

    response = client.post(
        "/admin/workflow/agentprofile/add/",
        {"user": agent.pk, "status": "offline", "capacity": 5, "languages": '["es", "pt"]'},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AgentProfile.objects.get(user=agent).capacity == 5


def test_the_admin_refuses_an_unknown_time_zone(factory: Factory) -> None:
    admin = factory.user(role="admin", is_staff=True, is_superuser=True)
    inbox = chat_inbox(factory)

    response = client_for(admin).post(
        "/admin/workflow/inboxschedule/add/",
        {
            "inbox": inbox.pk,
            "time_zone": "Mars/Olympus_Mons",
            "reroute_after_seconds": 90,
            "intervals-TOTAL_FORMS": 0,
            "intervals-INITIAL_FORMS": 0,
            "holidays-TOTAL_FORMS": 0,
            "holidays-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert "Unknown time zone." in response.content.decode()
    assert not InboxSchedule.objects.exists()
