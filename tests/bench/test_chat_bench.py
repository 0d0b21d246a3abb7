"""The chat bench, run small so that it keeps working: five visitors against the floor and
against atiende on SQLite (agent bot included), then one SIGKILL restart with five visitors
who resume. Figures are not asserted (benchmarks prove speed, tests do not); what is asserted is
that the harness measures: messages were acknowledged, answered, stored, none lost, and every
visitor resumed after the restart. The report's arithmetic is checked on its own below."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bench.chat_report import losses, merge, restart_report
from bench.chat_visitors import reconnect_delay

from bench import bench_chat

pytestmark = pytest.mark.xdist_group("chat_bench")


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="the harness runs its own SQLite servers whatever the pass: once, in the SQLite pass",
)
def test_a_small_chat_bench_measures_floor_atiende_and_a_restart(tmp_path: Path) -> None:
    bench_chat.main(
        [
            "--visitors", "5", "--step-seconds", "14", "--connect-seconds", "4",
            "--interval", "1", "--restart-visitors", "5", "--restart-signals", "KILL",
            "--restart-kill-after", "2", "--restart-send-after", "3", "--no-cost",
            "--out", str(tmp_path),
        ]
    )  # fmt: skip
    result = json.loads((tmp_path / "chat.json").read_text())
    floor = json.loads((tmp_path / "chat_floor.json").read_text())

    floor_step = floor["steps"][0]["summary"]
    assert floor_step["sent"] > 0
    assert floor_step["acked"] == floor_step["sent"]
    assert floor_step["replies_received"] == floor_step["acked"]
    assert floor_step["lost"] == 0

    (run,) = result["atiende"]
    assert run["engine"] == "sqlite"
    step = run["steps"][0]
    assert step["summary"]["connected"] == 5
    assert step["summary"]["acked"] > 0
    assert step["losses"]["persisted_visitor_messages"] >= step["summary"]["acked"]
    assert step["summary"]["lost"] == 0
    assert step["losses"]["stored_twice"] == 0
    assert run["agent_bot"]["replies"] > 0

    (restart,) = run["restart"]
    assert restart["summary"]["signal"] == "SIGKILL"
    assert restart["summary"]["resumed"] == 5
    assert restart["summary"]["lost"] == 0
    assert restart["summary"]["stored_twice"] == 0
    assert result["ratios_to_floor"][0]["visitors"] == 5


def visitor_side(**fields: object) -> dict[str, object]:
    empty: dict[str, object] = {"visitors": 1, "connected": 1, "errors": {}}
    return {**empty, **fields}


def test_losses_count_what_was_acked_or_stored_but_never_arrived() -> None:
    seen = merge(
        [
            visitor_side(acked_tokens=["a", "b"], reply_tokens=["a"], unacked_tokens=["c"]),
            visitor_side(acked_tokens=["d"], reply_tokens=[], unacked_tokens=[]),
        ]
    )
    counts = {
        # "b" acked and stored; "d" acked but not stored; "c" unacked yet stored.
        "inbound": {"a": [1, 100.0], "b": [1, 100.0], "c": [1, 100.0]},
        # "a" received; "b" stored long before the end, never received; "x" stored too late.
        "outbound": {"a": [1, 101.0], "b": [2, 102.0], "x": [1, 199.5], "old": [1, 50.0]},
        "other": 0,
    }
    seen["unacked_tokens"].append("x")  # sent at the very end, never acked
    found = losses(seen, counts, closed_at=200.0)
    assert found["lost_acked_not_stored"] == 1
    assert found["lost_stored_reply_not_received"] == 1  # "b"; "x" came too late to be received
    assert found["replies_stored_after_visitors_left"] == 1
    assert found["lost"] == 2
    assert found["stored_twice"] == 1
    assert found["unanswered"] == 1  # "d" has no stored reply
    assert found["unacked_but_stored"] == 1
    assert found["persisted_from_earlier_steps"] == 1  # "old": a reply to an earlier step


def test_restart_report_times_resumes_from_the_kill() -> None:
    clients = [visitor_side(resumes=[[10.0, 12.5], [10.2, 13.0]], disconnects=2, visitors=2)]
    report = restart_report(
        signal_name="SIGKILL",
        killed_at=10.0,
        stopped_at=10.1,
        listening_at=12.0,
        startup=1.9,
        clients=clients,
        counts={"inbound": {}, "outbound": {}, "other": 0},
        closed_at=20.0,
        load={"at_signal": [3.0, 2.0, 1.0]},
    )
    assert report["summary"]["resumed"] == 2
    assert report["summary"]["resume_all_s_after_kill"] == 3.0
    assert report["summary"]["resume_all_s_after_listening"] == 1.0
    assert report["summary"]["resume_p50_s_after_listening"] == 0.75
    assert report["summary"]["server_down_s"] == 2.0
    assert report["load_avg"] == {"at_signal": [3.0, 2.0, 1.0]}


def test_bench_visitors_reconnect_with_the_widgets_backoff() -> None:
    """0.25 s doubling to 5 s, each wait within ±50 %, as frame.js: never a fixed beat."""
    for attempt, base in ((0, 0.25), (1, 0.5), (2, 1.0), (4, 4.0), (5, 5.0), (30, 5.0)):
        waits = [reconnect_delay(attempt) for _ in range(400)]
        assert all(base * 0.5 <= wait <= base * 1.5 for wait in waits)
        assert max(waits) - min(waits) > base * 0.5  # spread, not one instant for everyone
    frame_js = (
        Path(__file__).resolve().parents[2] / "src/atiende/chat/static/chat/frame.js"
    ).read_text()
    assert "Math.min(5000, 250 * Math.pow(2, state.attempts)) * (0.5 + Math.random())" in frame_js
