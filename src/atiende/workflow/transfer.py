"""Transfer a conversation to a colleague or a team, with a note for whoever takes it.

The note is an internal note on the conversation; the assignment and team change go through the
conversation actions (timeline, audit); a `conversation.transferred` event records the whole
hand-over; the new assignee is notified at once. A chat transferred to a team (without a
colleague) goes back to routing within that team.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.conversations import actions
from atiende.conversations.access import can_see_conversation
from atiende.conversations.models import Conversation
from atiende.core import events
from atiende.core.errors import ActionError, NotFound
from atiende.people.models import Team, User
from atiende.workflow import notify
from atiende.workflow.routing import ROUTING_USERNAME

MAX_NOTE_LENGTH = 5000


def transfer(
    actor: User,
    conversation: Conversation,
    *,
    agent: User | None = None,
    team: Team | None = None,
    note: str = "",
) -> Conversation:
    if not can_see_conversation(actor, conversation):
        raise NotFound(_("Conversation not found."))
    if agent is None and team is None:
        raise ActionError(_("Choose a colleague or a team."))
    if agent is not None and (not agent.is_active or agent.username == ROUTING_USERNAME):
        raise ActionError(_("That agent is not active."))
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ActionError(_("The note is too long."))
    with transaction.atomic():
        conversation.refresh_from_db(fields=["assignee", "team", "status"])
        previous = conversation.assignee_id
        if agent is not None and agent.pk == previous and team is None:
            raise ActionError(_("The conversation is already assigned to that agent."))
        note_id = None
        if note:
            note_id = actions.add_note(actor, conversation, text=note).pk
        # Assign first: the actor may no longer see the conversation once it changed teams.
        actions.assign(actor, conversation, agent)
        if team is not None:
            actions.change_team(actor, conversation, team)
        events.record(
            "conversation.transferred",
            conversation=conversation,
            actor_user=actor,
            data={
                "from": previous,
                "to_agent": agent.pk if agent else None,
                "to_team": team.pk if team else None,
                "note_id": note_id,
            },
        )
        if agent is not None and agent.pk != actor.pk:
            notify.chat_transferred(agent, conversation, actor, note)
    return conversation
