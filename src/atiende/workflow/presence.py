"""Agents' online / away / offline status, kept in the database so every process agrees.

An agent chooses a status (the control in the inbox); their sockets keep `last_seen_at` fresh
with a heartbeat. Routing counts an agent as online only while they chose "online" *and* were
heard from within `ATIENDE_PRESENCE_TTL` seconds, so a server process that dies with its sockets
cannot leave ghosts that receive chats. When an agent's last socket closes (or goes silent),
an online agent becomes away automatically, and comes back online when a socket reconnects;
signing out makes them offline.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.core import tasks
from atiende.core.errors import ActionError
from atiende.people.models import User
from atiende.workflow.availability import forget_shown, presence_ttl
from atiende.workflow.models import AgentConnection, AgentProfile, PresenceStatus

# Heartbeats write at most this often per socket (the TTL is several times longer).
TOUCH_INTERVAL = timedelta(seconds=15)


def offline_after() -> timedelta:
    """An agent away automatically for this long, with no socket, becomes offline."""
    return timedelta(seconds=int(getattr(settings, "ATIENDE_PRESENCE_OFFLINE_AFTER", 600)))


def profile_for(user: User) -> AgentProfile:
    profile, _created = AgentProfile.objects.get_or_create(user=user)
    return profile


def set_status(user: User, status: str, *, automatic: bool = False) -> AgentProfile:
    """The agent (or, with `automatic`, the server) sets their status; going online drains
    the chat queue."""
    if status not in PresenceStatus.values:
        raise ActionError(_("Unknown status."))
    with transaction.atomic():
        profile = profile_for(user)
        profile = AgentProfile.objects.select_for_update().get(pk=profile.pk)
        previous = profile.status
        profile.status = status
        profile.auto_away = automatic and status == PresenceStatus.AWAY
        profile.status_changed_at = timezone.now()
        if status == PresenceStatus.ONLINE and not automatic:
            # Choosing "online" in the page proves the agent is there right now.
            profile.last_seen_at = timezone.now()
        profile.save(update_fields=["status", "auto_away", "status_changed_at", "last_seen_at"])
        if status == PresenceStatus.ONLINE and previous != PresenceStatus.ONLINE:
            enqueue_drain(f"online:{user.pk}")
    return profile


def enqueue_drain(reason: str) -> None:
    """Ask for the queue to be drained (each request is its own task: keys are never reused)."""
    tasks.enqueue("workflow.drain", {"reason": reason}, key=f"drain:{reason}:{uuid.uuid4().hex}")


def socket_opened(user_id: int, channel_name: str) -> str:
    """A socket of this agent connected: remember it; an automatic "away" turns back online."""
    now = timezone.now()
    with transaction.atomic():
        AgentConnection.objects.update_or_create(
            channel_name=channel_name, defaults={"user_id": user_id, "last_seen_at": now}
        )
        profile, _created = AgentProfile.objects.get_or_create(user_id=user_id)
        profile = AgentProfile.objects.select_for_update().get(pk=profile.pk)
        profile.last_seen_at = now
        fields = ["last_seen_at"]
        if profile.status == PresenceStatus.AWAY and profile.auto_away:
            profile.status = PresenceStatus.ONLINE
            profile.auto_away = False
            profile.status_changed_at = now
            fields += ["status", "auto_away", "status_changed_at"]
            enqueue_drain(f"back:{user_id}")
        elif profile.status == PresenceStatus.ONLINE:
            # Back from a network drop: chats may have queued while this agent looked silent.
            enqueue_drain(f"reconnect:{user_id}")
        profile.save(update_fields=fields)
    return str(profile.status)


def socket_heartbeat(user_id: int, channel_name: str) -> None:
    now = timezone.now()
    updated = AgentConnection.objects.filter(channel_name=channel_name).update(last_seen_at=now)
    if not updated:
        AgentConnection.objects.create(user_id=user_id, channel_name=channel_name)
    AgentProfile.objects.filter(user_id=user_id).update(last_seen_at=now)


def socket_closed(user_id: int, channel_name: str) -> None:
    """A socket closed; if it was the agent's last live one, an online agent becomes away."""
    AgentConnection.objects.filter(channel_name=channel_name).delete()
    if not _has_live_socket(user_id):
        _auto_away([user_id])


def _has_live_socket(user_id: int) -> bool:
    cutoff = timezone.now() - presence_ttl()
    return AgentConnection.objects.filter(user_id=user_id, last_seen_at__gte=cutoff).exists()


def _auto_away(user_ids: list[int]) -> int:
    changed = AgentProfile.objects.filter(
        user_id__in=user_ids, status=PresenceStatus.ONLINE
    ).update(status=PresenceStatus.AWAY, auto_away=True, status_changed_at=timezone.now())
    if changed:
        forget_shown()
        transaction.on_commit(forget_shown)
    return changed


def sweep() -> int:
    """Forget silent sockets (a server process died with them) and update their agents:
    online with no live socket → away; automatically away for long → offline."""
    now = timezone.now()
    cutoff = now - presence_ttl()
    AgentConnection.objects.filter(last_seen_at__lt=cutoff).delete()
    connected = AgentConnection.objects.values("user_id")
    silent = list(
        AgentProfile.objects.filter(status=PresenceStatus.ONLINE)
        .exclude(user_id__in=connected)
        .filter(last_seen_at__lt=cutoff)
        .values_list("user_id", flat=True)
    )
    changed = _auto_away(silent)
    changed += (
        AgentProfile.objects.filter(
            status=PresenceStatus.AWAY, auto_away=True, status_changed_at__lt=now - offline_after()
        )
        .exclude(user_id__in=connected)
        .update(status=PresenceStatus.OFFLINE, auto_away=False, status_changed_at=now)
    )
    if changed:
        forget_shown()
        transaction.on_commit(forget_shown)
    return changed


def signed_out(user: User) -> None:
    """Signing out ends the working session: the agent is offline and receives no chats."""
    AgentProfile.objects.filter(user=user).update(
        status=PresenceStatus.OFFLINE, auto_away=False, status_changed_at=timezone.now()
    )
    forget_shown()  # the update sends no post_save
    transaction.on_commit(forget_shown)
