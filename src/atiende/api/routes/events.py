"""A conversation's timeline from the event log, for those who may see the conversation."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from atiende.api import paging, present
from atiende.api.auth import AGENT_AUTH, agent_of
from atiende.api.params import EventFilters
from atiende.api.schemas import Error, EventPage
from atiende.conversations.access import access_conversation_by_id
from atiende.core.models import Event

router = Router(tags=["events"], auth=AGENT_AUTH)


@router.get(
    "",
    response={200: EventPage, 400: Error, 401: Error, 404: Error, 422: Error},
    operation_id="list_events",
)
def list_events(request: HttpRequest, filters: Query[EventFilters]) -> EventPage:
    """Events of one conversation, oldest first; resume with `after_id`."""
    conversation = access_conversation_by_id(agent_of(request), filters.conversation_id)
    items = list(
        Event.objects.filter(conversation=conversation, pk__gt=filters.after_id).order_by("pk")[
            : filters.limit
        ]
    )
    more = len(items) == filters.limit
    return EventPage(
        results=present.events(items),
        next=paging.next_link(request, after_id=items[-1].pk) if more else None,
    )
