"""How routing's events read on the conversation timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from atiende.conversations import extensions
from atiende.people.models import Team, User

if TYPE_CHECKING:
    from atiende.core.models import Event


def _agent(user_id: object) -> str:
    if not isinstance(user_id, int):
        return _("nobody")
    user = User.objects.filter(pk=user_id).first()
    return str(user) if user else _("a former agent")


def _team(team_id: object) -> str:
    team = Team.objects.filter(pk=team_id).first() if isinstance(team_id, int) else None
    return str(team) if team else _("no team")


def describe_queued(event: Event) -> str:
    return _("Waiting in the queue: no agent was free")


def describe_rerouted(event: Event) -> str:
    return _("Re-routed: %(agent)s did not answer within %(seconds)s seconds") % {
        "agent": _agent(event.data.get("from")),
        "seconds": event.data.get("seconds", "?"),
    }


def describe_transferred(event: Event) -> str:
    by = str(event.actor_user) if event.actor_user_id else _("Someone")
    if event.data.get("to_agent"):
        return _("%(by)s transferred the conversation to %(agent)s") % {
            "by": by,
            "agent": _agent(event.data.get("to_agent")),
        }
    return _("%(by)s transferred the conversation to the team %(team)s") % {
        "by": by,
        "team": _team(event.data.get("to_team")),
    }


def register() -> None:
    extensions.register_event("routing.queued", describe_queued)
    extensions.register_event("routing.rerouted", describe_rerouted)
    extensions.register_event("conversation.transferred", describe_transferred)
