"""Agents' status across sockets and processes: heartbeats, last socket closing, sweeping,
signing out."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from atiende.core.models import Task
from atiende.workflow import presence
from atiende.workflow.models import AgentConnection, AgentProfile, PresenceStatus
from tests.factories import Factory


def status_of(user_id: int) -> tuple[str, bool]:
    profile = AgentProfile.objects.get(user_id=user_id)
    return profile.status, profile.auto_away


def test_closing_the_last_socket_makes_an_online_agent_away_and_reconnecting_restores(
    factory: Factory,
) -> None:
    agent = factory.user()
    presence.set_status(agent, PresenceStatus.ONLINE)
    presence.socket_opened(agent.pk, "tab-1")
    presence.socket_opened(agent.pk, "tab-2")

    presence.socket_closed(agent.pk, "tab-1")
    assert status_of(agent.pk) == (PresenceStatus.ONLINE, False)

    presence.socket_closed(agent.pk, "tab-2")
    assert status_of(agent.pk) == (PresenceStatus.AWAY, True)

    assert presence.socket_opened(agent.pk, "tab-3") == PresenceStatus.ONLINE
    assert status_of(agent.pk) == (PresenceStatus.ONLINE, False)


def test_an_agent_who_chose_away_stays_away_on_reconnect(factory: Factory) -> None:
    agent = factory.user()
    presence.set_status(agent, PresenceStatus.AWAY)

    assert presence.socket_opened(agent.pk, "tab-1") == PresenceStatus.AWAY


def test_the_sweep_forgets_sockets_of_a_dead_process(factory: Factory) -> None:
    agent = factory.user()
    presence.set_status(agent, PresenceStatus.ONLINE)
    presence.socket_opened(agent.pk, "dead-process-socket")
    long_ago = timezone.now() - timedelta(minutes=5)
    AgentConnection.objects.update(last_seen_at=long_ago)
    AgentProfile.objects.update(last_seen_at=long_ago)

    presence.sweep()

    assert not AgentConnection.objects.exists()
    assert status_of(agent.pk) == (PresenceStatus.AWAY, True)

    AgentProfile.objects.update(status_changed_at=timezone.now() - timedelta(hours=1))
    presence.sweep()
    assert status_of(agent.pk) == (PresenceStatus.OFFLINE, False)


def test_going_online_drains_the_queue(factory: Factory) -> None:
    agent = factory.user()

    presence.set_status(agent, PresenceStatus.ONLINE)

    assert Task.objects.filter(name="workflow.drain").count() == 1


def test_signing_out_makes_the_agent_offline(factory: Factory) -> None:
    agent = factory.user()
    presence.set_status(agent, PresenceStatus.ONLINE)
    client = Client()
    client.force_login(agent)

    client.post("/logout/")

    assert status_of(agent.pk) == (PresenceStatus.OFFLINE, False)
