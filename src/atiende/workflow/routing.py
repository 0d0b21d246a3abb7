"""Live-chat routing: give each new chat to the least busy online agent who can take it.

A chat goes to an online agent of its team (the conversation's, else the inbox's default team;
everyone when neither has one) who speaks its language (when any online agent of the team
does) and has fewer active chats than their capacity; among equals, the least recently assigned
first (round robin). Nobody free: the chat waits in the queue of its team, oldest first, and
the visitor sees their position; the queue drains when an agent comes online or frees a chat.

Concurrency: a routing decision runs in one transaction that locks the chat's route row and the
candidate agents' profile rows (in primary-key order, so two routers never deadlock) before
counting their chats; on SQLite every write transaction is `BEGIN IMMEDIATE`, which serialises
routers the same way. Two routers can therefore never put an agent over capacity.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Field, Q
from django.utils import timezone

from atiende.conversations import actions
from atiende.conversations.models import Conversation, Direction, Message, Status
from atiende.core import events, tasks
from atiende.inboxes.models import ChannelKind
from atiende.people.models import Role, User
from atiende.workflow import notify, presence, visitor
from atiende.workflow.availability import inbox_availability, online_profiles
from atiende.workflow.models import (
    DEFAULT_REROUTE_SECONDS,
    AgentProfile,
    ChatRoute,
    InboxSchedule,
    RouteState,
)

logger = logging.getLogger(__name__)

ROUTING_USERNAME = "atiende-routing"
# Chats an agent is busy with: waiting on the customer ("pending") does not count.
BUSY_STATUSES = (Status.NEW, Status.OPEN)
CLOSED_STATUSES = (Status.SOLVED, Status.CLOSED)
DRAIN_BATCH = 200
NEVER = datetime.min.replace(tzinfo=UTC)
# pg_advisory_xact_lock key of the queue positions' publisher (any constant of our own).
POSITIONS_LOCK = 0x61746E_70


class Outcome(StrEnum):
    ASSIGNED = "assigned"
    QUEUED = "queued"
    SKIPPED = "skipped"


def routing_actor() -> User:
    """The system user routing acts as, so assignments are on the timeline and audited."""
    user, created = User.objects.get_or_create(
        username=ROUTING_USERNAME,
        defaults={"role": Role.ADMIN, "display_name": "Routing", "is_staff": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_routing_actor(user_id: int | None) -> bool:
    return user_id is not None and (
        User.objects.filter(pk=user_id, username=ROUTING_USERNAME).exists()
    )


def chat_loads(user_ids: list[int]) -> dict[int, int]:
    """How many live chats each agent is busy with now."""
    rows = (
        Conversation.objects.filter(
            assignee_id__in=user_ids, inbox__channel=ChannelKind.CHAT, status__in=BUSY_STATUSES
        )
        .values("assignee_id")
        .annotate(chats=Count("id"))
    )
    return {row["assignee_id"]: row["chats"] for row in rows}


def reroute_seconds(inbox_id: int) -> int:
    schedule = InboxSchedule.objects.filter(inbox_id=inbox_id).first()
    return schedule.reroute_after_seconds if schedule else DEFAULT_REROUTE_SECONDS


def routing_team_id(conversation: Conversation) -> int | None:
    return conversation.team_id or conversation.inbox.default_team_id


def conversation_language(conversation: Conversation) -> str:
    return conversation.language or conversation.contact.language or ""


def claim_agent(
    team_id: int | None, language: str, *, exclude: list[int] | None = None
) -> AgentProfile | None:
    """Lock the online candidates and pick one with free capacity (inside a transaction)."""
    candidate_ids = list(online_profiles(team_id).values_list("pk", flat=True))
    if not candidate_ids:
        return None
    locked = list(
        # The filter is checked again under the lock: a concurrent "go offline" wins.
        online_profiles(team_id)
        .filter(pk__in=candidate_ids)
        .select_related("user")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    eligible = [profile for profile in locked if profile.user_id not in set(exclude or [])]
    speakers = [profile for profile in eligible if profile.speaks(language)]
    # A language nobody online speaks must not strand the chat: then anyone may take it.
    pool = speakers or eligible
    loads = chat_loads([profile.user_id for profile in pool])
    free = [profile for profile in pool if loads.get(profile.user_id, 0) < profile.capacity]
    if not free:
        return None
    free.sort(
        key=lambda profile: (
            loads.get(profile.user_id, 0),
            profile.last_assigned_at or NEVER,
            profile.user_id,
        )
    )
    return free[0]


def _route_row(conversation: Conversation) -> ChatRoute:
    """The chat's route, locked for this transaction (created on first use)."""
    ChatRoute.objects.get_or_create(
        conversation=conversation,
        defaults={
            "inbox_id": conversation.inbox_id,
            "team_id": routing_team_id(conversation),
            "language": conversation_language(conversation),
            "state": RouteState.QUEUED,
        },
    )
    return ChatRoute.objects.select_for_update().get(conversation=conversation)


def hold_for_bot(conversation_id: int) -> None:
    """The answer bot talks first: routing waits for `conversation.handed_off`."""
    conversation = Conversation.objects.select_related("inbox", "contact").get(pk=conversation_id)
    with transaction.atomic():
        route = _route_row(conversation)
        # The bot may already have given up (its task ran first): then routing goes on.
        handed_off = conversation.events.filter(kind="conversation.handed_off").exists()
        if route.state == RouteState.QUEUED and route.attempt == 0 and not handed_off:
            route.state = RouteState.BOT
            route.save(update_fields=["state"])


def route_conversation(conversation_id: int, *, reason: str = "new") -> Outcome:
    """Assign the chat to an agent, or queue it. Idempotent: a routed chat stays put."""
    conversation = (
        Conversation.objects.select_related("inbox", "contact").filter(pk=conversation_id).first()
    )
    if conversation is None:
        return Outcome.SKIPPED
    with transaction.atomic():
        route = _route_row(conversation)
        conversation.refresh_from_db(fields=["status", "assignee", "team", "language"])
        if conversation.status in CLOSED_STATUSES:
            set_state(route, RouteState.DONE)
            return Outcome.SKIPPED
        if conversation.assignee_id is not None:
            # Someone has it (routing earlier, or a person by hand).
            if route.state in {RouteState.QUEUED, RouteState.BOT}:
                route.state = RouteState.ASSIGNED
                route.agent_id = conversation.assignee_id
                route.save(update_fields=["state", "agent"])
                leave_queue(route)
            return Outcome.SKIPPED
        route.team_id = routing_team_id(conversation)
        route.language = conversation_language(conversation)
        profile = claim_agent(route.team_id, route.language, exclude=route.skipped_agent_ids)
        if profile is None:
            return _queue(route, conversation, reason)
        assign_routed(route, conversation, profile)
        return Outcome.ASSIGNED


def set_state(route: ChatRoute, state: str) -> None:
    if route.state != state:
        was_queued = route.state == RouteState.QUEUED
        route.state = state
        route.save(update_fields=["state"])
        if was_queued:
            leave_queue(route)


def _queue(route: ChatRoute, conversation: Conversation, reason: str) -> Outcome:
    entering = route.state != RouteState.QUEUED or reason in {"new", "handoff"}
    route.state = RouteState.QUEUED
    route.agent = None
    if route.attempt == 0 and reason in {"new", "handoff"}:
        route.queued_at = timezone.now()
    route.save(update_fields=["state", "agent", "team", "language", "queued_at"])
    if entering and not conversation.events.filter(kind="routing.queued").exists():
        events.record("routing.queued", conversation=conversation, data={"team": route.team_id})
    if entering:
        conversation_id = conversation.pk
        inbox = conversation.inbox

        def tell_visitor() -> None:
            availability = inbox_availability(inbox)
            if not availability.open or availability.agents_online == 0:
                visitor.unavailable(conversation_id, availability.next_open)

        transaction.on_commit(tell_visitor)
    transaction.on_commit(publish_positions)
    return Outcome.QUEUED


def assign_routed(
    route: ChatRoute, conversation: Conversation, profile: AgentProfile, *, timer: bool = True
) -> None:
    """Give the chat to `profile`'s agent (inside the routing transaction)."""
    was_queued = route.state == RouteState.QUEUED
    now = timezone.now()
    actions.assign(routing_actor(), conversation, profile.user)
    AgentProfile.objects.filter(pk=profile.pk).update(last_assigned_at=now)
    route.state = RouteState.ASSIGNED
    route.agent_id = profile.user_id
    route.assigned_at = now
    route.attempt += 1
    route.save(update_fields=["state", "agent", "assigned_at", "attempt", "team", "language"])
    seconds = reroute_seconds(conversation.inbox_id)
    if timer and seconds:
        tasks.enqueue(
            "workflow.reroute",
            {"conversation_id": conversation.pk, "attempt": route.attempt},
            key=f"reroute:{conversation.pk}:{route.attempt}",
            delay=seconds,
        )
    notify.chat_routed(profile.user, conversation)
    if was_queued:
        leave_queue(route)


def leave_queue(route: ChatRoute) -> None:
    """The chat left the queue: the visitor stops waiting, the others move up (after commit)."""
    conversation_id = route.conversation_id
    if route.last_position:
        ChatRoute.objects.filter(pk=route.pk).update(last_position=0)
        transaction.on_commit(lambda: visitor.queue_position(conversation_id, 0))
    transaction.on_commit(publish_positions)


class _Publisher:
    """Who publishes the queue positions now, and whether another pass is owed.

    Every queue change asks for a pass after its commit. A pass started while one runs in this
    process is not run beside it: the running one makes one more pass when it is done (it
    reads the queue afresh), so a burst of changes costs a pass or two, not one each. Inside
    `held()` (a drain routing many chats in turn) the passes wait for the end of the block.
    """

    def __init__(self) -> None:
        self.running = threading.Lock()
        self.owed = threading.Event()
        self.local = threading.local()

    def publish(self) -> int:
        self.owed.set()
        if getattr(self.local, "held", False):
            return 0
        told = 0
        # Re-checked after the release: a pass asked for between the last one and the release
        # found the lock taken, and this thread takes it again for it.
        while self.owed.is_set() and self.running.acquire(blocking=False):
            try:
                while self.owed.is_set():
                    self.owed.clear()
                    told += _publish_pass()
            finally:
                self.running.release()
        return told

    @contextmanager
    def held(self) -> Iterator[None]:
        self.local.held = True
        try:
            yield
        finally:
            self.local.held = False


_publisher = _Publisher()


def publish_positions() -> int:
    """Tell each queued visitor whose place changed their new position (1 = next).

    Returns how many were told by this call (0 when the pass was left to the publisher already
    running in this process, or held for the end of a drain)."""
    return _publisher.publish()


def _positions_sql(connection: BaseDatabaseWrapper) -> str:
    meta = ChatRoute._meta
    table = connection.ops.quote_name(meta.db_table)

    def column(name: str) -> str:
        field = meta.get_field(name)
        assert isinstance(field, Field)
        return str(connection.ops.quote_name(field.column or ""))

    pk, state, last = column("id"), column("state"), column("last_position")
    # Only quoted names of our own model go into the text; the values are parameters.
    return (
        f"UPDATE {table} SET {last} = ranked.position FROM ("  # noqa: S608
        f"SELECT {pk} AS route_id, ROW_NUMBER() OVER (PARTITION BY {column('team')} "
        f"ORDER BY {column('queued_at')}, {pk}) AS position FROM {table} WHERE {state} = %s"
        f") AS ranked WHERE {table}.{pk} = ranked.route_id AND {table}.{state} = %s "
        f"AND {table}.{last} <> ranked.position "
        f"RETURNING {table}.{column('conversation')}, {table}.{last}"
    )


def _publish_pass() -> int:
    """Every queued chat's position in its team's queue, written in one statement that
    returns the rows whose position changed; their visitors hear it after the commit.

    The statement only changes rows whose stored position differs, so of two publishers (two
    processes) only one tells a visitor a given position; on PostgreSQL they take turns on an
    advisory lock (each would lock the rows it changes in its own order), on SQLite every
    write transaction already does."""
    with transaction.atomic():
        connection = transaction.get_connection()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [POSITIONS_LOCK])
            cursor.execute(_positions_sql(connection), [RouteState.QUEUED, RouteState.QUEUED])
            changed = cursor.fetchall()
        for conversation_id, position in changed:
            visitor.queue_position(conversation_id, position)
    return len(changed)


def queue_position(conversation_id: int) -> int | None:
    """Where a queued chat stands in its team's queue (None when it is not queued)."""
    route = ChatRoute.objects.filter(
        conversation_id=conversation_id, state=RouteState.QUEUED
    ).first()
    if route is None:
        return None
    same_queue = ChatRoute.objects.filter(state=RouteState.QUEUED).filter(
        Q(team__isnull=True) if route.team_id is None else Q(team_id=route.team_id)
    )
    ahead = same_queue.filter(
        Q(queued_at__lt=route.queued_at) | Q(queued_at=route.queued_at, pk__lt=route.pk)
    ).count()
    return ahead + 1


def drain_queue() -> int:
    """Route queued chats, oldest first, while agents have room; returns how many went."""
    blocked: set[tuple[int | None, str]] = set()
    assigned = 0
    queued = ChatRoute.objects.filter(state=RouteState.QUEUED).order_by("queued_at", "id")
    # Each chat that leaves moves every one behind it: the positions are published once, at
    # the end, not after each chat routed (which was O(queue) pushes per chat).
    with _publisher.held():
        for conversation_id, team_id, language in queued.values_list(
            "conversation_id", "team_id", "language"
        )[:DRAIN_BATCH]:
            if (team_id, language) in blocked:
                continue
            outcome = route_conversation(conversation_id, reason="queue")
            if outcome == Outcome.ASSIGNED:
                assigned += 1
            elif outcome == Outcome.QUEUED:
                # Nobody can take this team's chats in this language: keep their order.
                blocked.add((team_id, language))
    publish_positions()
    return assigned


def answered_since(conversation: Conversation, since: datetime | None) -> bool:
    replies = Message.objects.filter(
        conversation=conversation, direction=Direction.OUTBOUND, author_user__isnull=False
    )
    if since is not None:
        replies = replies.filter(created_at__gte=since)
    return replies.exists()


def reroute_if_unanswered(conversation_id: int, attempt: int) -> Outcome:
    """The timer of one assignment fired: if the agent has not replied, give the chat to
    someone else (the timeline says why); if nobody else can, check again later."""
    conversation = (
        Conversation.objects.select_related("inbox", "contact").filter(pk=conversation_id).first()
    )
    if conversation is None:
        return Outcome.SKIPPED
    with transaction.atomic():
        route = _route_row(conversation)
        conversation.refresh_from_db(fields=["status", "assignee"])
        if route.attempt != attempt or route.state != RouteState.ASSIGNED:
            return Outcome.SKIPPED
        if conversation.status in CLOSED_STATUSES:
            set_state(route, RouteState.DONE)
            return Outcome.SKIPPED
        if conversation.assignee_id != route.agent_id or answered_since(
            conversation, route.assigned_at
        ):
            set_state(route, RouteState.ANSWERED)
            return Outcome.SKIPPED
        previous = route.agent_id
        skipped = [*route.skipped_agent_ids, previous] if previous else route.skipped_agent_ids
        profile = claim_agent(route.team_id, route.language, exclude=skipped)
        seconds = reroute_seconds(conversation.inbox_id)
        if profile is None:
            # Nobody else is free: the chat stays with its agent; look again in a while.
            tasks.enqueue(
                "workflow.reroute",
                {"conversation_id": conversation.pk, "attempt": route.attempt},
                key=f"reroute:{conversation.pk}:{route.attempt}:{timezone.now().timestamp()}",
                delay=max(seconds, 30),
            )
            return Outcome.SKIPPED
        route.skipped_agent_ids = skipped
        route.save(update_fields=["skipped_agent_ids"])
        events.record(
            "routing.rerouted",
            conversation=conversation,
            actor_user=routing_actor(),
            data={"from": previous, "to": profile.user_id, "seconds": seconds},
        )
        assign_routed(route, conversation, profile)
        # The agent who let it time out has room for another chat now.
        presence.enqueue_drain(f"rerouted:{conversation.pk}")
        return Outcome.ASSIGNED
