"""The clock rules, replayed from a conversation's history (no database): first and next
replies, resolution, pending pausing, solved stopping, reopening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from atiende.sla.clocks import AGENT, CUSTOMER, GONE, STATUS, Step, replay
from atiende.sla.hours import CalendarHours
from atiende.sla.models import Metric, Outcome

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = 60
TARGETS: dict[str, int] = {
    Metric.FIRST_REPLY: 60 * MINUTE,
    Metric.NEXT_REPLY: 30 * MINUTE,
    Metric.RESOLUTION: 240 * MINUTE,
}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def customer(minutes: int) -> Step:
    return Step(at(minutes), CUSTOMER)


def agent(minutes: int) -> Step:
    return Step(at(minutes), AGENT)


def status(minutes: int, to: str) -> Step:
    return Step(at(minutes), STATUS, to)


def test_the_first_reply_in_time_is_met_and_the_resolution_runs() -> None:
    clocks = replay([customer(0), agent(45), status(45, "open")], TARGETS, CalendarHours(), at(50))

    assert clocks.first_reply is not None
    assert clocks.first_reply.outcome == Outcome.MET
    assert clocks.resolution is not None
    assert clocks.resolution.due == at(240)
    assert clocks.next_due() == at(240)


def test_an_unanswered_first_reply_is_breached_at_its_due_time() -> None:
    clocks = replay([customer(0)], TARGETS, CalendarHours(), at(61))

    assert clocks.first_reply is not None
    assert clocks.first_reply.breached_at == at(60)
    assert clocks.first_reply.outcome == Outcome.BREACHED
    assert clocks.next_due() == at(60)  # still running, past due


def test_a_late_first_reply_stays_breached() -> None:
    clocks = replay([customer(0), agent(90)], TARGETS, CalendarHours(), at(100))

    assert clocks.first_reply is not None
    assert clocks.first_reply.outcome == Outcome.BREACHED
    assert clocks.first_reply.finished_at == at(90)


def test_pending_does_not_pause_the_first_reply() -> None:
    clocks = replay([customer(0), status(10, "pending")], TARGETS, CalendarHours(), at(20))

    assert clocks.first_reply is not None
    assert clocks.first_reply.due == at(60)
    assert clocks.resolution is not None
    assert clocks.resolution.paused


def test_each_customer_message_after_a_reply_starts_a_next_reply_clock() -> None:
    steps = [customer(0), agent(10), customer(20), customer(25), agent(40), customer(60)]
    clocks = replay(steps, TARGETS, CalendarHours(), at(70))

    assert [clock.key for clock in clocks.next_replies] == ["next_reply:1", "next_reply:2"]
    first, second = clocks.next_replies
    # The earliest unanswered message sets the clock; the reply 20 minutes later met it.
    assert first.started_at == at(20)
    assert first.outcome == Outcome.MET
    assert second.due == at(90)


def test_pending_pauses_next_reply_and_resolution_and_open_resumes_them() -> None:
    steps = [
        customer(0),
        agent(10),
        status(10, "open"),
        customer(20),  # next reply due at 50
        status(30, "pending"),  # paused after 10 of its 30 minutes
        status(130, "open"),  # resumes with 20 minutes left
    ]
    clocks = replay(steps, TARGETS, CalendarHours(), at(135))
    following = clocks.next_reply
    resolution = clocks.resolution

    assert following is not None
    assert following.due == at(150)
    # Resolution: 30 minutes used before the pause, 210 left from 130.
    assert resolution is not None
    assert resolution.due == at(340)
    assert following.breached_at is None


def test_while_pending_the_clock_shows_paused_with_its_time_left() -> None:
    steps = [customer(0), agent(10), customer(20), status(30, "pending")]
    clocks = replay(steps, TARGETS, CalendarHours(), at(500))
    following = clocks.next_reply

    assert following is not None
    assert following.paused
    assert following.remaining == 20 * MINUTE
    assert following.breached_at is None  # the time waiting on the customer never counts
    assert clocks.next_due() is None


def test_solved_stops_every_clock_and_meets_the_resolution() -> None:
    steps = [customer(0), agent(10), customer(20), status(25, "solved")]
    clocks = replay(steps, TARGETS, CalendarHours(), at(1000))

    assert clocks.resolution is not None
    assert clocks.resolution.outcome == Outcome.MET
    following = clocks.next_reply
    assert following is not None
    assert following.finished_at == at(25)
    assert following.outcome == Outcome.NONE  # stopped: neither met nor breached
    assert clocks.next_due() is None


def test_a_reopened_conversation_runs_its_resolution_clock_again() -> None:
    steps = [
        customer(0),
        agent(10),
        status(100, "solved"),  # 100 of 240 minutes used
        status(300, "open"),  # the customer wrote again
        customer(300),
    ]
    clocks = replay(steps, TARGETS, CalendarHours(), at(310))

    assert clocks.resolution is not None
    assert clocks.resolution.due == at(440)
    assert clocks.resolution.outcome == Outcome.NONE
    assert clocks.next_reply is not None
    assert clocks.next_reply.due == at(330)


def test_a_merged_conversation_stops_its_clocks() -> None:
    clocks = replay([customer(0), Step(at(5), GONE)], TARGETS, CalendarHours(), at(500))

    assert clocks.next_due() is None
    assert clocks.first_reply is not None
    assert clocks.first_reply.outcome == Outcome.NONE


def test_metrics_without_a_target_have_no_clock() -> None:
    clocks = replay(
        [customer(0), agent(5), customer(6)],
        {Metric.RESOLUTION: 60 * MINUTE},
        CalendarHours(),
        at(10),
    )

    assert clocks.first_reply is None
    assert clocks.next_reply is None
    assert [clock.metric for clock in clocks.shown()] == [Metric.RESOLUTION]


def test_breach_alerts_skip_the_clocks_already_recorded() -> None:
    clocks = replay([customer(0)], TARGETS, CalendarHours(), at(500))

    assert clocks.alert_due(set()) == at(60)
    assert clocks.alert_due({"first_reply"}) == at(240)
