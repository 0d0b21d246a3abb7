"""The SLA clocks of one conversation, replayed from its history (pure: no database).

The history is a list of `Step`s in the order of the event log: a customer's message, a public
reply by an agent, a status change, the conversation merged away. The rules (Zendesk's):

- **first reply** starts at the customer's first message and is fulfilled by the first public
  reply by a person (automatic answers do not count); pending does not pause it;
- **next reply** starts at a customer's message once the first reply was given (the earliest
  message still unanswered), and is fulfilled by the next public reply;
- **resolution** starts at the customer's first message and is fulfilled by solving;
- **pending** (waiting on the customer) pauses next reply and resolution; back to open resumes
  them, with the time already used still counted;
- **solved** and **closed** stop every clock (a reply never given is neither met nor breached);
  a **reopened** conversation runs its resolution clock again from where it stopped;
- a clock that runs past its due time is **breached**; it stays breached when fulfilled late.

Time counts as `hours` says: every hour, or the inbox's business hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from atiende.conversations.models import Status
from atiende.sla.hours import Hours
from atiende.sla.models import Metric, Outcome

CUSTOMER = "customer"
AGENT = "agent"
STATUS = "status"
GONE = "gone"  # merged into another conversation


@dataclass(frozen=True)
class Step:
    at: datetime
    kind: str
    status: str = ""


@dataclass
class Clock:
    metric: str
    key: str  # names the clock in `sla.breached` events: one breach per key
    target: float  # seconds of counted time
    started_at: datetime
    used: float = 0.0  # counted seconds before `running_since`
    running_since: datetime | None = None
    finished_at: datetime | None = None
    fulfilled: bool = False
    breached_at: datetime | None = None
    due: datetime | None = None  # while running

    @property
    def running(self) -> bool:
        return self.running_since is not None

    @property
    def paused(self) -> bool:
        return self.running_since is None and self.finished_at is None

    @property
    def outcome(self) -> str:
        if self.breached_at is not None:
            return Outcome.BREACHED
        return Outcome.MET if self.fulfilled else Outcome.NONE

    @property
    def remaining(self) -> float:
        """Counted seconds left (negative: over the target), as of the last pause."""
        return self.target - self.used

    def resume(self, at: datetime, hours: Hours) -> None:
        if self.running_since is None and self.finished_at is None:
            self.running_since = at
            self.due = hours.add(at, max(0.0, self.target - self.used))

    def pause(self, at: datetime, hours: Hours) -> None:
        if self.running_since is None:
            return
        if self.due is not None and self.due <= at and self.breached_at is None:
            self.breached_at = self.due
        self.used += hours.seconds_between(self.running_since, at)
        self.running_since = None
        self.due = None

    def finish(self, at: datetime, hours: Hours, *, fulfilled: bool) -> None:
        if self.finished_at is not None:
            return
        self.pause(at, hours)
        self.finished_at = at
        self.fulfilled = fulfilled

    def reopen(self, at: datetime, hours: Hours) -> None:
        self.finished_at = None
        self.fulfilled = False
        self.resume(at, hours)

    def settle(self, now: datetime) -> None:
        """As of `now`: a running clock past its due time is breached."""
        if self.due is not None and self.due <= now and self.breached_at is None:
            self.breached_at = self.due


@dataclass
class Clocks:
    first_reply: Clock | None = None
    next_replies: list[Clock] = field(default_factory=list)
    resolution: Clock | None = None

    @property
    def next_reply(self) -> Clock | None:
        return self.next_replies[-1] if self.next_replies else None

    def shown(self) -> list[Clock]:
        """What the panel shows: the first reply, the latest next reply, the resolution."""
        found = (self.first_reply, self.next_reply, self.resolution)
        return [clock for clock in found if clock is not None]

    def every(self) -> list[Clock]:
        found = [self.first_reply, *self.next_replies, self.resolution]
        return [clock for clock in found if clock is not None]

    def next_due(self) -> datetime | None:
        dues = [clock.due for clock in self.every() if clock.due is not None]
        return min(dues, default=None)

    def alert_due(self, recorded: set[str]) -> datetime | None:
        """When the next breach not on the log yet is (or was) due: a running clock's due time,
        or the time a clock crossed its target (one met late between two checks included)."""
        dues = [
            clock.breached_at or clock.due
            for clock in self.every()
            if clock.key not in recorded and (clock.breached_at or clock.due) is not None
        ]
        return min((due for due in dues if due is not None), default=None)

    def unrecorded_breaches(self, recorded: set[str]) -> list[Clock]:
        return [c for c in self.every() if c.breached_at is not None and c.key not in recorded]


def replay(steps: list[Step], targets: dict[str, int], hours: Hours, now: datetime) -> Clocks:
    """The clocks after `steps`, as of `now`; `targets`: seconds by metric (absent: none)."""
    clocks = Clocks()
    status: str = Status.NEW
    replied = False
    waiting = frozenset({Status.PENDING, Status.SOLVED, Status.CLOSED})
    for step in steps:
        at = step.at
        if step.kind == CUSTOMER:
            if status in {Status.SOLVED, Status.CLOSED}:
                continue  # a message on a stopped conversation reopens it by a status step
            if clocks.first_reply is None and not replied and Metric.FIRST_REPLY in targets:
                clocks.first_reply = _start(Metric.FIRST_REPLY, "first_reply", targets, at, hours)
            if clocks.resolution is None and Metric.RESOLUTION in targets:
                clocks.resolution = _start(Metric.RESOLUTION, "resolution", targets, at, hours)
                if status in waiting:
                    clocks.resolution.pause(at, hours)
            current = clocks.next_reply
            if (
                replied
                and Metric.NEXT_REPLY in targets
                and (current is None or current.finished_at)
            ):
                key = f"next_reply:{len(clocks.next_replies) + 1}"
                cycle = _start(Metric.NEXT_REPLY, key, targets, at, hours)
                if status in waiting:
                    cycle.pause(at, hours)
                clocks.next_replies.append(cycle)
        elif step.kind == AGENT:
            replied = True
            for replied_to in (clocks.first_reply, clocks.next_reply):
                if replied_to is not None:
                    replied_to.finish(at, hours, fulfilled=True)
        elif step.kind == STATUS:
            previous, status = status, step.status
            _status_changed(clocks, previous, status, at, hours)
        elif step.kind == GONE:
            for clock in clocks.every():
                clock.finish(at, hours, fulfilled=False)
            status = Status.CLOSED
    for clock in clocks.every():
        clock.settle(now)
    return clocks


def _start(metric: str, key: str, targets: dict[str, int], at: datetime, hours: Hours) -> Clock:
    clock = Clock(metric, key, float(targets[metric]), at)
    clock.resume(at, hours)
    return clock


def _status_changed(clocks: Clocks, previous: str, status: str, at: datetime, hours: Hours) -> None:
    pausable = [clock for clock in (clocks.next_reply, clocks.resolution) if clock is not None]
    if status == Status.PENDING:
        for clock in pausable:
            clock.pause(at, hours)
    elif status in {Status.SOLVED, Status.CLOSED}:
        for reply in (clocks.first_reply, clocks.next_reply):
            if reply is not None:
                reply.finish(at, hours, fulfilled=False)
        if clocks.resolution is not None:
            clocks.resolution.finish(at, hours, fulfilled=True)
    elif previous in {Status.SOLVED, Status.CLOSED}:
        # Reopened: the resolution runs again; a customer's message starts a next reply.
        if clocks.resolution is not None:
            clocks.resolution.reopen(at, hours)
    else:
        for clock in pausable:
            clock.resume(at, hours)
