"""Websocket consumers: live updates, presence and typing for agents.

`InboxConsumer` (ws/inbox/) listens to the "inbox" group, where every event is published after
commit, and forwards to the browser only the events of conversations the agent may see. The
socket keeps what decides that (`Visibility`: the agent's active flag, role and teams; each
recently seen conversation's team and assignee) for `VISIBILITY_SECONDS`, so an event costs
neither a query nor a thread hop; an event that may move a conversation (`conversation.*`,
`routing.*`) drops that conversation's entry before it is decided, so a transfer takes effect at
once, and a deactivation or team change of the agent within seconds. What is forwarded is only a
kind and a conversation id: the content is fetched by a request, checked then. Delivery ticks
(`message.delivery`) are published to the conversation's group only and forwarded only to the
socket that has that conversation open. A browser "watches" one conversation at a time: it then
hears who else is viewing or typing there (collision detection). Works with the in-process
channel layer and channels-redis.

The socket also carries the agent's live-chat work: it joins the groups of the agent's assigned
open chats (to hear the visitors typing), its own `agent-<id>` group (chats routed or
transferred to them), keeps the agent's presence fresh in the database (heartbeat), marks chats
read (the visitor gets a read receipt), and on `{"type": "resume", "last_event_id": N}` replays
the events the agent missed while disconnected, or orders a resync when there are too many.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from atiende.chat.extensions import conversation_visitors_group
from atiende.conversations.access import visible_conversations
from atiende.conversations.models import Conversation
from atiende.core import events
from atiende.core.events import INBOX_GROUP, WATCHERS_ONLY, conversation_group
from atiende.people.models import User
from atiende.realtime import agent_state
from atiende.realtime.dispatch import dispatch as direct_dispatch
from atiende.workflow.livechats import safe_page_url
from atiende.workflow.notify import agent_group

# Events reach a watching socket twice (the inbox group and the conversation group): remember
# the last few ids to forward each once.
SEEN_EVENTS = 512
PRESENCE_STATES = frozenset({"viewing", "typing", "left"})
# Heartbeats reach the database at most this often per socket.
TOUCH_SECONDS = 15.0
# One process sweeps silent sockets (of dead processes) at most this often.
SWEEP_SECONDS = 30.0
# Typing previews and page addresses are cut to this length.
PREVIEW_LENGTH = 200
# How long a socket trusts what it knows of the agent and of a conversation's team and assignee
# (events that move a conversation drop its entry at once).
VISIBILITY_SECONDS = 5.0
# Event kinds after which a conversation's team or assignee may have changed.
MOVING_KINDS = ("conversation.", "routing.")
_last_sweep = 0.0


def _active_agent(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


def _may_see(user_id: int, conversation_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    return visible_conversations(user).filter(pk=conversation_id).exists()


@dataclass(frozen=True)
class AgentFacts:
    """What decides an agent's visibility: active, sees everything, or which teams."""

    active: bool
    everything: bool
    teams: frozenset[int]


@dataclass(frozen=True)
class ConversationFacts:
    exists: bool
    team_id: int | None
    assignee_id: int | None


def _lookup(
    user_id: int, agent: bool, conversation_id: int | None
) -> tuple[AgentFacts | None, ConversationFacts | None]:
    """One thread hop: the facts a socket's visibility cache is missing (agent, conversation)."""
    agent_facts = None
    if agent:
        row = User.objects.filter(pk=user_id).values_list("is_active", "role", "is_superuser")
        found = row.first()
        if found is None:
            agent_facts = AgentFacts(False, False, frozenset())
        else:
            active, role, superuser = found
            everything = User(role=role, is_superuser=superuser).sees_everything
            teams = (
                frozenset()
                if everything or not active
                else frozenset(
                    User.teams.through.objects.filter(user_id=user_id).values_list(
                        "team_id", flat=True
                    )
                )
            )
            agent_facts = AgentFacts(bool(active), everything, teams)
    conversation_facts = None
    if conversation_id is not None:
        values = (
            Conversation.objects.filter(pk=conversation_id)
            .values_list("team_id", "assignee_id")
            .first()
        )
        conversation_facts = (
            ConversationFacts(True, values[0], values[1])
            if values is not None
            else ConversationFacts(False, None, None)
        )
    return agent_facts, conversation_facts


class Visibility:
    """A socket's cache of what it may see, so that an event costs no query and no thread hop.

    The agent's row (active, role, teams) and the team and assignee of recently seen
    conversations are kept `VISIBILITY_SECONDS`; a conversation's facts are dropped as soon as
    an event that may move it (assignment, transfer, routing, merge: any `conversation.*` or
    `routing.*` kind) reaches the socket. A deactivation or a team change of the agent takes
    effect within `VISIBILITY_SECONDS` (there is no event for those).
    """

    def __init__(self, user_id: int, seconds: float | None = None) -> None:
        self.user_id = user_id
        self.seconds = VISIBILITY_SECONDS if seconds is None else seconds
        self.agent: tuple[AgentFacts, float] | None = None
        self.conversations: dict[int, tuple[ConversationFacts, float]] = {}

    def forget(self, conversation_id: int, kind: str) -> None:
        if kind.startswith(MOVING_KINDS):
            self.conversations.pop(conversation_id, None)

    def missing(self, conversation_id: int, now: float) -> tuple[bool, int | None]:
        """(reload the agent?, the conversation to load or None)."""
        agent = self.agent
        need_agent = agent is None or now - agent[1] >= self.seconds
        if not need_agent and agent is not None and (agent[0].everything or not agent[0].active):
            return False, None
        cached = self.conversations.get(conversation_id)
        fresh = cached is not None and now - cached[1] < self.seconds
        return need_agent, None if fresh else conversation_id

    def learn(
        self,
        agent: AgentFacts | None,
        conversation_id: int,
        facts: ConversationFacts | None,
        now: float,
    ) -> None:
        if agent is not None:
            self.agent = (agent, now)
        if facts is not None:
            if len(self.conversations) >= SEEN_EVENTS:
                self.conversations.clear()
            self.conversations[conversation_id] = (facts, now)

    def answer(self, conversation_id: int) -> bool:
        """The decision from what is cached (call after `missing` was satisfied)."""
        if self.agent is None:
            return False
        agent = self.agent[0]
        if not agent.active:
            return False
        if agent.everything:
            return True
        cached = self.conversations.get(conversation_id)
        if cached is None or not cached[0].exists:
            return False
        facts = cached[0]
        return (
            facts.team_id is None
            or facts.team_id in agent.teams
            or facts.assignee_id == self.user_id
        )

    def check(self, conversation_id: int, kind: str = "") -> bool:
        """The same decision in the calling thread (the cost benchmark uses it)."""
        self.forget(conversation_id, kind)
        now = time.monotonic()
        need_agent, load = self.missing(conversation_id, now)
        if need_agent or load is not None:
            agent, facts = _lookup(self.user_id, need_agent, load)
            self.learn(agent, conversation_id, facts, now)
        return self.answer(conversation_id)


# database_sync_to_async (not plain sync_to_async): it also closes stale connections, which a
# long-lived socket would otherwise keep. Channels is untyped, so the types are stated here.
active_agent: Callable[[int], Awaitable[User | None]] = database_sync_to_async(_active_agent)
may_see: Callable[[int, int], Awaitable[bool]] = database_sync_to_async(_may_see)
lookup: Callable[
    [int, bool, int | None], Awaitable[tuple[AgentFacts | None, ConversationFacts | None]]
] = database_sync_to_async(_lookup)


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
        self.chats: set[int] = set()
        self.visibility = Visibility(self.user_id)
        self.last_touch = time.monotonic()
        await self.channel_layer.group_add(INBOX_GROUP, self.channel_name)
        await self.channel_layer.group_add(agent_group(self.user_id), self.channel_name)
        await self.accept()
        status, latest = await agent_state.opened(self.user_id, self.channel_name)
        await self.refresh_chats()
        await self.send_json({"type": "hello", "status": status, "last_event_id": latest})

    async def disconnect(self, code: int) -> None:
        if getattr(self, "user_id", None) is None:
            return
        await self.unwatch()
        for conversation_id in self.chats:
            await self.channel_layer.group_discard(
                conversation_group(conversation_id), self.channel_name
            )
        self.chats = set()
        await self.channel_layer.group_discard(INBOX_GROUP, self.channel_name)
        await self.channel_layer.group_discard(agent_group(self.user_id), self.channel_name)
        await agent_state.closed(self.user_id, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # The conversation groups are shared with the chat channel, which may publish kinds
        # this consumer has no handler for: ignore those instead of closing the socket.
        kind = message.get("type", "")
        if kind.startswith("atiende.") and not hasattr(self, kind.replace(".", "_")):
            return
        await direct_dispatch(self, message)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
            await self.touch()
        elif kind == "resume":
            await self.resume(content.get("last_event_id"))
        elif kind == "seen":
            conversation_id = content.get("conversation_id")
            if conversation_id == self.watching and isinstance(conversation_id, int):
                seq = await agent_state.mark_read(self.user_id, conversation_id)
                if seq is not None:
                    # The page refreshes its unread counts.
                    await self.send_json(
                        {"type": "read", "conversation_id": conversation_id, "seq": seq}
                    )
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
        if self.watching not in self.chats:
            await self.channel_layer.group_discard(
                conversation_group(self.watching), self.channel_name
            )
        self.watching = None

    async def announce(self, state: str, *, hello: bool = False) -> None:
        """Tell the others who have the conversation open, and its visitors (typing, seen),
        whose sockets listen to their own group only."""
        assert self.watching is not None
        await events.publish(
            self.channel_layer,
            [conversation_group(self.watching), conversation_visitors_group(self.watching)],
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

    async def atiende_roll_call(self, message: dict[str, Any]) -> None:
        """A visitor (re)joined a conversation: say again who has it open."""
        if self.watching is not None and message.get("conversation_id") == self.watching:
            await self.announce("viewing")

    async def atiende_event(self, message: dict[str, Any]) -> None:
        event_id = message.get("event_id")
        conversation_id = message.get("conversation_id")
        if not isinstance(event_id, int) or not isinstance(conversation_id, int):
            return
        kind = str(message.get("kind") or "")
        if kind in WATCHERS_ONLY and conversation_id != self.watching:
            return  # a delivery tick: only the page with the conversation open shows it
        if not self.remember(event_id):
            return
        if await self.may_see_cached(conversation_id, kind):
            await self.send_json(
                {
                    "type": "event",
                    "kind": message.get("kind"),
                    "conversation_id": conversation_id,
                    "event_id": event_id,
                }
            )
            if message.get("kind") in CHAT_CHANGES:
                await self.refresh_chats()

    def remember(self, event_id: int) -> bool:
        """False when this event was already forwarded (it arrives once per group)."""
        if event_id in self.seen:
            return False
        self.seen[event_id] = None
        if len(self.seen) > SEEN_EVENTS:
            self.seen.popitem(last=False)
        return True

    async def touch(self) -> None:
        """Heartbeat: the agent is here (throttled), and now and then sweep dead sockets."""
        global _last_sweep
        now = time.monotonic()
        if now - self.last_touch < TOUCH_SECONDS:
            return
        self.last_touch = now
        sweep = now - _last_sweep > SWEEP_SECONDS
        if sweep:
            _last_sweep = now
        await agent_state.heartbeat(self.user_id, self.channel_name, sweep)

    async def refresh_chats(self) -> None:
        """Join the groups of the agent's live chats (visitor typing), leave the others."""
        current = await agent_state.live_chat_ids(self.user_id)
        for conversation_id in current - self.chats:
            await self.channel_layer.group_add(
                conversation_group(conversation_id), self.channel_name
            )
        for conversation_id in self.chats - current:
            if conversation_id != self.watching:
                await self.channel_layer.group_discard(
                    conversation_group(conversation_id), self.channel_name
                )
        self.chats = current

    async def resume(self, last_event_id: object) -> None:
        """Replay, in order, what the agent missed after `last_event_id` (SECURITY.md I5)."""
        if not isinstance(last_event_id, int) or isinstance(last_event_id, bool):
            await self.send_json({"type": "error", "detail": "last_event_id must be a number"})
            return
        replay = await agent_state.replay(self.user_id, max(0, last_event_id))
        if replay.resync:
            await self.send_json({"type": "resync"})
            return
        for event_id, kind, conversation_id in replay.events:
            if self.remember(event_id):
                await self.send_json(
                    {
                        "type": "event",
                        "kind": kind,
                        "conversation_id": conversation_id,
                        "event_id": event_id,
                        "replayed": True,
                    }
                )
        await self.send_json({"type": "resumed", "count": len(replay.events)})
        await self.refresh_chats()

    async def may_see_cached(self, conversation_id: int, kind: str = "") -> bool:
        """`Visibility.check` with the lookup (when one is needed) in a database thread."""
        self.visibility.forget(conversation_id, kind)
        now = time.monotonic()
        need_agent, load = self.visibility.missing(conversation_id, now)
        if need_agent or load is not None:
            agent, facts = await lookup(self.user_id, need_agent, load)
            self.visibility.learn(agent, conversation_id, facts, now)
        return self.visibility.answer(conversation_id)

    async def atiende_visitor_typing(self, message: dict[str, Any]) -> None:
        """The chat channel's "visitor is typing" (with a preview and the page they are on)."""
        conversation_id = message.get("conversation_id")
        if not isinstance(conversation_id, int):
            return
        if conversation_id not in self.chats and conversation_id != self.watching:
            return
        if not await self.may_see_cached(conversation_id):
            return
        await self.send_json(
            {
                "type": "visitor_typing",
                "conversation_id": conversation_id,
                "preview": str(message.get("preview") or "")[:PREVIEW_LENGTH],
                "page_url": safe_page_url(message.get("page_url")),
            }
        )

    async def atiende_notify(self, message: dict[str, Any]) -> None:
        """Something for this agent only: a chat routed or transferred to them."""
        await self.refresh_chats()
        await self.send_json(
            {
                "type": "notify",
                "kind": message.get("kind"),
                "conversation_id": message.get("conversation_id"),
                "text": str(message.get("text", "")),
            }
        )


# Events after which the agent's set of live chats may have changed.
CHAT_CHANGES = frozenset(
    {"conversation.assigned", "conversation.status_changed", "conversation.transferred"}
)
