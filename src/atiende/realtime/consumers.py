"""Websocket consumers: live updates, presence and typing for agents.

`InboxConsumer` (ws/inbox/) listens to the "inbox" group, where every event is published after
commit, and forwards to the browser only the events of conversations the agent may see, checked
against the database at the moment of delivery (a team change or a deactivation takes effect
at once). A browser "watches" one conversation at a time: it then hears who else is viewing or
typing there (collision detection). Works with the in-process channel layer and channels-redis.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from atiende.conversations.access import visible_conversations
from atiende.core.events import INBOX_GROUP, conversation_group
from atiende.people.models import User

# Events reach a watching socket twice (the inbox group and the conversation group): remember
# the last few ids to forward each once.
SEEN_EVENTS = 512
PRESENCE_STATES = frozenset({"viewing", "typing", "left"})


def _active_agent(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


def _may_see(user_id: int, conversation_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    return visible_conversations(user).filter(pk=conversation_id).exists()


# database_sync_to_async (not plain sync_to_async): it also closes stale connections, which a
# long-lived socket would otherwise keep. Channels is untyped, so the types are stated here.
active_agent: Callable[[int], Awaitable[User | None]] = database_sync_to_async(_active_agent)
may_see: Callable[[int, int], Awaitable[bool]] = database_sync_to_async(_may_see)


class InboxConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels is untyped
    user_id: int
    name: str
    watching: int | None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not isinstance(user.pk, int):
            await self.close(code=4401)
            return
        agent = await active_agent(user.pk)
        if agent is None:
            await self.close(code=4403)
            return
        self.user_id = agent.pk
        self.name = str(agent)
        self.watching = None
        self.seen: OrderedDict[int, None] = OrderedDict()
        await self.channel_layer.group_add(INBOX_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "user_id", None) is None:
            return
        await self.unwatch()
        await self.channel_layer.group_discard(INBOX_GROUP, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "watch":
            await self.watch(content.get("conversation_id"))
        elif kind == "typing":
            if self.watching is not None:
                await self.announce("typing")
        elif kind == "unwatch":
            await self.unwatch()

    async def watch(self, conversation_id: object) -> None:
        if not isinstance(conversation_id, int) or isinstance(conversation_id, bool):
            await self.send_json({"type": "error", "detail": "conversation_id must be a number"})
            return
        if conversation_id == self.watching:
            # A repeated watch is the client's presence heartbeat.
            await self.announce("viewing")
            return
        if not await may_see(self.user_id, conversation_id):
            # Same answer as for a conversation that does not exist.
            await self.send_json({"type": "error", "detail": str(_("Conversation not found."))})
            return
        await self.unwatch()
        self.watching = conversation_id
        await self.channel_layer.group_add(conversation_group(conversation_id), self.channel_name)
        await self.announce("viewing", hello=True)

    async def unwatch(self) -> None:
        if self.watching is None:
            return
        await self.announce("left")
        await self.channel_layer.group_discard(conversation_group(self.watching), self.channel_name)
        self.watching = None

    async def announce(self, state: str, *, hello: bool = False) -> None:
        assert self.watching is not None
        await self.channel_layer.group_send(
            conversation_group(self.watching),
            {
                "type": "atiende.presence",
                "conversation_id": self.watching,
                "user_id": self.user_id,
                "name": self.name,
                "state": state,
                "sender": self.channel_name,
                # A newcomer asks the others to introduce themselves.
                "hello": hello,
            },
        )

    async def atiende_presence(self, message: dict[str, Any]) -> None:
        if message.get("sender") == self.channel_name:
            return
        if message.get("conversation_id") != self.watching or message["state"] not in (
            PRESENCE_STATES
        ):
            return
        await self.send_json(
            {
                "type": "presence",
                "conversation_id": message["conversation_id"],
                "user_id": message["user_id"],
                "name": message["name"],
                "state": message["state"],
            }
        )
        if message.get("hello"):
            await self.announce("viewing")

    async def atiende_event(self, message: dict[str, Any]) -> None:
        event_id = message.get("event_id")
        conversation_id = message.get("conversation_id")
        if not isinstance(event_id, int) or not isinstance(conversation_id, int):
            return
        if event_id in self.seen:
            return
        self.seen[event_id] = None
        if len(self.seen) > SEEN_EVENTS:
            self.seen.popitem(last=False)
        if not await may_see(self.user_id, conversation_id):
            return
        await self.send_json(
            {
                "type": "event",
                "kind": message.get("kind"),
                "conversation_id": conversation_id,
                "event_id": event_id,
            }
        )
