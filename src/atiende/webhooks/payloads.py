"""The JSON body of a delivery: the event, with the objects it is about in the REST API's own
serialization (`atiende.api.present`), so an integrator parses one schema for both."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from atiende.api import present
from atiende.conversations.models import Conversation, Message
from atiende.core.models import Event
from atiende.people.models import Contact
from atiende.webhooks.kinds import KINDS, PING

API_VERSION = "1"


def dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def _actor(event: Event) -> dict[str, Any]:
    if event.actor_user_id is not None:
        return {"kind": "agent", "id": event.actor_user_id}
    if event.actor_contact_id is not None:
        return {"kind": "contact", "id": event.actor_contact_id}
    return {"kind": "system", "id": None}


def _conversation(conversation_id: int | None) -> dict[str, Any] | None:
    conversation = (
        Conversation.objects.select_related("contact").filter(pk=conversation_id).first()
        if conversation_id
        else None
    )
    return present.conversation(conversation).model_dump(mode="json") if conversation else None


def _message(message_id: object) -> dict[str, Any] | None:
    if not isinstance(message_id, int):
        return None
    message = (
        Message.objects.select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .filter(pk=message_id)
        .first()
    )
    return present.message(message).model_dump(mode="json") if message else None


def _contact(contact_id: int | None) -> dict[str, Any] | None:
    contact = (
        Contact.objects.prefetch_related("identities").filter(pk=contact_id).first()
        if contact_id
        else None
    )
    return present.contact(contact).model_dump(mode="json") if contact else None


def event_body(event: Event) -> str:
    """The body for `event`. The objects are read as they are now (moments after the event,
    for the first attempt); `data.change` is what the event itself recorded."""
    objects = KINDS[event.kind][1] if event.kind in KINDS else ()
    change = event.data if isinstance(event.data, dict) else {"value": event.data}
    data: dict[str, Any] = {}
    if "conversation" in objects:
        data["conversation"] = _conversation(event.conversation_id)
    if "message" in objects:
        data["message"] = _message(change.get("message_id"))
    if "contact" in objects:
        data["contact"] = _contact(event.contact_id)
    data["change"] = change
    return dumps(
        {
            "id": event.pk,
            "kind": event.kind,
            "created_at": event.created_at.isoformat(),
            "api_version": API_VERSION,
            "actor": _actor(event),
            "data": data,
        }
    )


def ping_body(endpoint_id: int) -> str:
    return dumps(
        {
            "id": None,
            "kind": PING,
            "created_at": timezone.now().isoformat(),
            "api_version": API_VERSION,
            "actor": {"kind": "system", "id": None},
            "data": {"endpoint_id": endpoint_id},
        }
    )
