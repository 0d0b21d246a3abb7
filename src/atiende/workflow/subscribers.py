"""How routing hears about chats: event subscribers (quick, after commit) and the durable tasks
they enqueue (the real work, retried on failure).

- `conversation.created` in a chat inbox: route it, or hold it for the answer bot when the
  inbox's bot is enabled; `conversation.handed_off` (the bot gave up): route it.
- `conversation.assigned` by a person, `conversation.status_changed`: keep the chat's route in
  step and drain the queue (an agent may have room now).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from atiende.conversations.models import Conversation
from atiende.core import hooks, tasks
from atiende.inboxes.models import ChannelKind
from atiende.workflow import presence, routing
from atiende.workflow.models import ChatRoute, RouteState

if TYPE_CHECKING:
    from atiende.core.models import Event


def bot_enabled(conversation: Conversation) -> bool:
    config = conversation.inbox.config or {}
    answer_bot = config.get("answer_bot", {})
    return bool(isinstance(answer_bot, dict) and answer_bot.get("enabled"))


def on_conversation_created(event: Event) -> None:
    if event.conversation_id is None:
        return
    channel = (event.data or {}).get("channel")
    if channel is not None:
        # `receive_message` says the inbox's channel: an email or a form needs no query.
        is_chat = channel == ChannelKind.CHAT
    else:
        is_chat = Conversation.objects.filter(
            pk=event.conversation_id, inbox__channel=ChannelKind.CHAT
        ).exists()
    if is_chat:
        tasks.enqueue(
            "workflow.route",
            {"conversation_id": event.conversation_id, "reason": "new"},
            key=f"route:{event.conversation_id}:new",
        )


def on_handed_off(event: Event) -> None:
    if event.conversation_id is None:
        return
    tasks.enqueue(
        "workflow.route",
        {"conversation_id": event.conversation_id, "reason": "handoff"},
        key=f"route:{event.conversation_id}:handoff:{event.pk}",
    )


def on_conversation_changed(event: Event) -> None:
    """An assignment or status change of a routed chat: sync its route, then drain."""
    if event.conversation_id is None:
        return
    if not ChatRoute.objects.filter(conversation_id=event.conversation_id).exists():
        return
    if event.kind == "conversation.assigned" and routing.is_routing_actor(event.actor_user_id):
        return  # routing's own assignment: nothing to sync, nobody freed a chat
    tasks.enqueue(
        "workflow.sync",
        {
            "conversation_id": event.conversation_id,
            "kind": event.kind,
            "actor_user_id": event.actor_user_id,
            "to": event.data.get("to"),
        },
        key=f"sync:{event.pk}",
    )


@tasks.task("workflow.route")
def route_task(payload: dict[str, Any]) -> None:
    conversation_id = int(payload["conversation_id"])
    conversation = Conversation.objects.select_related("inbox").filter(pk=conversation_id).first()
    if conversation is None:
        return
    if payload.get("reason") == "new" and bot_enabled(conversation):
        routing.hold_for_bot(conversation_id)
        return
    routing.route_conversation(conversation_id, reason=str(payload.get("reason", "new")))


@tasks.task("workflow.reroute")
def reroute_task(payload: dict[str, Any]) -> None:
    routing.reroute_if_unanswered(int(payload["conversation_id"]), int(payload["attempt"]))


@tasks.task("workflow.drain")
def drain_task(payload: dict[str, Any]) -> None:
    routing.drain_queue()


@tasks.task("workflow.sync")
def sync_task(payload: dict[str, Any]) -> None:
    conversation_id = int(payload["conversation_id"])
    if payload["kind"] == "conversation.assigned" and not routing.is_routing_actor(
        payload.get("actor_user_id")
    ):
        sync_manual_assignment(conversation_id, payload.get("to"))
    elif payload["kind"] == "conversation.status_changed":
        with transaction.atomic():
            route = ChatRoute.objects.select_for_update().filter(conversation_id=conversation_id)
            current = route.first()
            closed = Conversation.objects.filter(
                pk=conversation_id, status__in=routing.CLOSED_STATUSES
            ).exists()
            if current is not None and closed and current.state != RouteState.DONE:
                routing.set_state(current, RouteState.DONE)
    routing.drain_queue()


def sync_manual_assignment(conversation_id: int, assignee_id: object) -> None:
    """A person assigned the chat: routing follows (no re-route timer on a choice made by hand);
    unassigned, it goes back to routing."""
    with transaction.atomic():
        route = (
            ChatRoute.objects.select_for_update().filter(conversation_id=conversation_id).first()
        )
        if route is None:
            return
        if isinstance(assignee_id, int):
            was_queued = route.state == RouteState.QUEUED
            route.state = RouteState.ASSIGNED
            route.agent_id = assignee_id
            route.attempt += 1
            route.save(update_fields=["state", "agent", "attempt"])
            if was_queued:
                routing.leave_queue(route)
            return
    routing.route_conversation(conversation_id, reason="unassigned")


def on_logged_out(sender: object, request: object, user: Any, **kwargs: object) -> None:
    if user is not None and getattr(user, "pk", None) is not None:
        presence.signed_out(user)


def subscribe() -> None:
    hooks.subscribe("conversation.created", on_conversation_created)
    hooks.subscribe("conversation.handed_off", on_handed_off)
    hooks.subscribe("conversation.assigned", on_conversation_changed)
    hooks.subscribe("conversation.status_changed", on_conversation_changed)
