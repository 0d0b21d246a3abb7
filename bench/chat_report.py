"""The chat bench's arithmetic: merge what the visitor processes saw, set it against what the
database holds, and compute the figures (latency percentiles, losses, CPU, memory, ratios)."""

from __future__ import annotations

from typing import Any

from bench.loadgen import percentile

COUNTERS = (
    "sent",
    "acked",
    "replies",
    "replies_on_final_resume",
    "duplicates",
    "stray_replies",
    "connect_failures",
    "disconnects",
    "visitors",
    "connected",
    "pings",
    "pongs",
)
LISTS = (
    "ack_latencies",
    "reply_latencies",
    "ack_latencies_reconnected",
    "reply_latencies_reconnected",
    "acked_tokens",
    "reply_tokens",
    "unacked_tokens",
    "unreplied_tokens",
    "unverified_tokens",
    "resumes",
    "error_samples",
    "connect_latencies",
    "first_connected_at",
)


def merge(clients: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = dict.fromkeys(COUNTERS, 0)
    merged.update({name: [] for name in LISTS})
    merged["errors"] = {}
    for client in clients:
        for name in COUNTERS:
            merged[name] += int(client.get(name, 0))
        for name in LISTS:
            merged[name].extend(client.get(name, []))
        for key, value in client.get("errors", {}).items():
            merged["errors"][key] = merged["errors"].get(key, 0) + value
    return merged


def millis(values: list[float]) -> dict[str, float | None]:
    ordered = sorted(values)
    if not ordered:
        return {"p50": None, "p90": None, "p99": None, "max": None, "n": 0}
    return {
        "p50": round(percentile(ordered, 0.50) * 1000, 1),
        "p90": round(percentile(ordered, 0.90) * 1000, 1),
        "p99": round(percentile(ordered, 0.99) * 1000, 1),
        "max": round(ordered[-1] * 1000, 1),
        "n": len(ordered),
    }


def losses(seen: dict[str, Any], counts: dict[str, Any] | None, closed_at: float) -> dict[str, Any]:
    """What was acknowledged or stored but did not arrive; what was stored twice.

    `counts` maps each token to [rows, first stored at]. A reply stored after the visitors
    closed (`closed_at`, less a second) could not be received: it is late, not lost.
    """
    received = set(seen["reply_tokens"])
    if counts is None:  # the floor keeps nothing: a reply it never delivered is lost
        return {"lost": len(seen["unreplied_tokens"]), "unanswered": 0}
    acked = set(seen["acked_tokens"])
    unverified = set(seen.get("unverified_tokens", []))
    # Only this step's messages: the server may still be storing an earlier step's backlog.
    own = acked | received | unverified | set(seen["unacked_tokens"])
    inbound = {t: v for t, v in counts["inbound"].items() if t in own}
    outbound = {t: v for t, v in counts["outbound"].items() if t in own}
    lost_acked = [token for token in acked if token not in inbound]
    missed = [token for token in outbound if token not in received and token not in unverified]
    lost_replies = [token for token in missed if outbound[token][1] < closed_at - 1.0]
    return {
        "lost": len(lost_acked) + len(lost_replies),
        "lost_acked_not_stored": len(lost_acked),
        "lost_stored_reply_not_received": len(lost_replies),
        "lost_samples": (lost_acked + lost_replies)[:5],
        "replies_stored_after_visitors_left": len(missed) - len(lost_replies),
        # The visitor's final full `resume` did not finish in time (an overloaded server).
        "unverified": len(unverified),
        "stored_twice": sum(1 for n, _ in [*inbound.values(), *outbound.values()] if n > 1),
        "persisted_visitor_messages": int(sum(n for n, _ in inbound.values())),
        "persisted_replies": int(sum(n for n, _ in outbound.values())),
        # Rows of earlier steps' messages and replies stored during this one (a backlog).
        "persisted_from_earlier_steps": len(counts["inbound"])
        - len(inbound)
        + len(counts["outbound"])
        - len(outbound),
        "persisted_other": counts.get("other", 0),
        # Acknowledged, but the agent's reply was not stored before the step ended (the bot or
        # the server fell behind): not lost, late.
        "unanswered": len([token for token in acked if token not in outbound]),
        "unacked_but_stored": len([t for t in seen["unacked_tokens"] if t in inbound]),
        "unacked_not_stored": len([t for t in seen["unacked_tokens"] if t not in inbound]),
    }


def step_report(
    *,
    visitors: int,
    interval: float,
    window: float,
    cpu: float,
    rss_before: int,
    rss_loaded: int,
    clients: list[dict[str, Any]],
    counts: dict[str, Any] | None,
    closed_at: float,
    began_at: float | None = None,
    idle: dict[str, float] | None = None,
) -> dict[str, Any]:
    seen = merge(clients)
    loss = losses(seen, counts, closed_at)
    ack, reply = millis(seen["ack_latencies"]), millis(seen["reply_latencies"])
    connect = millis(seen["connect_latencies"])
    if counts is None:
        persisted = None
        delivered = 2 * seen["acked"]  # the ack-stamped message and its reply, in memory
    else:
        persisted = loss["persisted_visitor_messages"] + loss["persisted_replies"]
        delivered = persisted
    connected = max(1, seen["connected"])
    summary = {
        "visitors": visitors,
        "connected": seen["connected"],
        "offered_msgs_per_s": round(visitors / interval, 1),
        "sent": seen["sent"],
        "acked": seen["acked"],
        "replies_received": seen["replies"],
        "replies_only_on_final_resume": seen["replies_on_final_resume"],
        "persisted": persisted,
        "messages_per_s": round(delivered / window, 1),
        "ack_p50_ms": ack["p50"],
        "ack_p99_ms": ack["p99"],
        "reply_p50_ms": reply["p50"],
        "reply_p99_ms": reply["p99"],
        "lost": loss["lost"],
        "unverified": loss.get("unverified", 0),
        "unanswered": loss["unanswered"],
        "server_cpu_pct_of_one_core": round(cpu / window * 100, 1),
        "server_cpu_ms_per_visitor_message": round(cpu * 1000 / max(1, seen["acked"]), 2),
        "rss_mib": round(rss_loaded / 2**20, 1),
        "rss_kib_per_connection": round((rss_loaded - rss_before) / 1024 / connected, 1),
        "connect_p50_ms": connect["p50"],
        "connect_p99_ms": connect["p99"],
    }
    if began_at is not None and seen["first_connected_at"]:
        # From the step's start until the last visitor had its socket (session + handshake).
        summary["all_connected_s"] = round(max(seen["first_connected_at"]) - began_at, 1)
    if idle:
        # Every socket open, heartbeats only (`--idle-seconds`).
        summary["idle_cpu_pct_of_one_core"] = round(idle["cpu_s"] / idle["window_s"] * 100, 1)
        summary["idle_rss_kib_per_connection"] = round(
            (idle["rss"] - rss_before) / 1024 / connected, 1
        )
    return {
        "summary": summary,
        "window_s": round(window, 1),
        "ack_ms": ack,
        "reply_ms": reply,
        "losses": loss,
        "visitors_side": {name: seen[name] for name in COUNTERS},
        "errors": seen["errors"],
        "error_samples": seen["error_samples"][:5],
        "server_cpu_s": round(cpu, 2),
        "rss_before_mib": round(rss_before / 2**20, 1),
        "connect_ms": connect,
        "idle": {k: round(v, 2) for k, v in (idle or {}).items()},
    }


def restart_report(
    *,
    signal_name: str,
    killed_at: float,
    stopped_at: float,
    listening_at: float,
    startup: float,
    clients: list[dict[str, Any]],
    counts: dict[str, Any],
    closed_at: float,
    load: dict[str, list[float]] | None = None,
) -> dict[str, Any]:
    seen = merge(clients)
    loss = losses(seen, counts, closed_at)
    resumed = [resumed for dropped, resumed in seen["resumes"] if dropped >= killed_at - 1]
    after_kill = sorted(at - killed_at for at in resumed)
    summary = {
        "signal": signal_name,
        "visitors": seen["visitors"],
        "dropped": seen["disconnects"],
        "resumed": len(resumed),
        "server_down_s": round(listening_at - killed_at, 2),
        "resume_all_s_after_kill": round(after_kill[-1], 2) if after_kill else None,
        "resume_p50_s_after_kill": round(percentile(after_kill, 0.5), 2) if after_kill else None,
        "resume_all_s_after_listening": (
            round(max(resumed) - listening_at, 2) if resumed else None
        ),
        "resume_p50_s_after_listening": (
            round(percentile(sorted(at - listening_at for at in resumed), 0.5), 2)
            if resumed
            else None
        ),
        "sent": seen["sent"],
        "acked": seen["acked"],
        "replies_received": seen["replies"],
        "lost": loss["lost"],
        "stored_twice": loss["stored_twice"],
        "duplicates_received": seen["duplicates"],
        "unanswered": loss["unanswered"],
    }
    return {
        "summary": summary,
        # 1-minute load average at the signal, when the server answered, at the round's end.
        "load_avg": load or {},
        "stop_s": round(stopped_at - killed_at, 2),
        "startup_s": round(startup, 2),
        "losses": loss,
        "ack_ms_steady": millis(seen["ack_latencies"]),
        "ack_ms_across_restart": millis(seen["ack_latencies_reconnected"]),
        "reply_ms_across_restart": millis(seen["reply_latencies_reconnected"]),
        "errors": seen["errors"],
        "error_samples": seen["error_samples"][:5],
    }


def ratios(runs: list[dict[str, Any]], floor: dict[str, Any] | None) -> list[dict[str, Any]]:
    """atiende ÷ floor, step by step, for the same number of visitors in the same run."""
    if floor is None:
        return []
    by_visitors = {step["summary"]["visitors"]: step["summary"] for step in floor["steps"]}
    found = []
    for run in runs:
        for step in run["steps"]:
            mine = step["summary"]
            base = by_visitors.get(mine["visitors"])
            if base is None:
                continue
            row: dict[str, Any] = {"engine": run["engine"], "visitors": mine["visitors"]}
            for key in (
                "reply_p50_ms",
                "reply_p99_ms",
                "ack_p99_ms",
                "server_cpu_ms_per_visitor_message",
                "rss_kib_per_connection",
            ):
                if mine.get(key) is not None and base.get(key):
                    row[f"{key}_x"] = round(mine[key] / base[key], 1)
            found.append(row)
    return found
