"""Live chat under load: N websocket visitors, an agent bot answering each message, all persisted.

    .venv/bin/python bench/bench_chat.py            # make bench's default: 50, 200; ~5 minutes
    .venv/bin/python bench/bench_chat.py --full     # ramp 100, 500, 1000, 2000, + PostgreSQL
    .venv/bin/python bench/bench_chat.py --postgres --workers 2   # + PostgreSQL/Redis, 2 processes
    .venv/bin/python bench/bench_chat.py --visitors 50 --step-seconds 8 --no-restart --no-floor

For each number of visitors N, in one run: the same visitors (`chat_visitors.py`, asyncio, up to
1,000 per process) against atiende (`python -m atiende serve`, its own database: SQLite, or with
`--postgres` a fresh PostgreSQL database + Redis) answered by the agent bot (`chat_agentbot.py`:
inbox websocket + REST, as an agent's browser), and against the floor (`chat_floor.py`, a bare
asyncio websocket server with the same protocol and an agent socket). Each visitor sends a
message every `--interval` seconds. Reported per step: p50/p99 of send → ack and send → reply,
sent / acked / replied / persisted (rows counted in the database afterwards), lost (acked but not
stored, or stored replies never received: must be 0), duplicates, the server's CPU (utime +
stime from /proc over the send window) and resident memory per connection, and messages
persisted per second. Then the restart: visitors chatting, the server is stopped (SIGTERM, then
in a second round SIGKILL) and started again; time until every visitor has resumed, and the same
loss count. First, `chat_cost.py` measures the CPU of one round trip in one thread. Writes
bench/results/chat.json (atiende), chat_floor.json and chat_cost.json. Every step also records
the machine's load average and how long the server waited for a CPU (/proc schedstat): on a
shared machine, latency says more about the neighbours than about the server. Loopback only;
every step is bounded in time and everything stops by itself.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.chat_report import step_report  # noqa: E402
from bench.loadgen import cpu_seconds, rss_bytes  # noqa: E402
from bench.procs import LOOPBACK, free_port, wait_for_port  # noqa: E402

from bench import chat_setup  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PER_PROCESS = 1000


def run_visitors(spec: dict[str, Any], processes: int) -> list[subprocess.Popen[str]]:
    """Start the visitor processes (each with its share of the visitors); they end by themselves."""
    total = int(spec["visitors"])
    share = math.ceil(total / processes)
    started = []
    for index in range(processes):
        count = min(share, total - index * share)
        if count <= 0:
            break
        part = {**spec, "visitors": count, "prefix": f"{spec['prefix']}{index}"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.chat_visitors"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(part))
        proc.stdin.close()
        proc.stdin = None  # written and closed: communicate() must not flush it
        started.append(proc)
    return started


def collect(procs: list[subprocess.Popen[str]], deadline: float) -> list[dict[str, Any]]:
    results = []
    for proc in procs:
        try:
            out, _ = proc.communicate(timeout=max(5.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        lines = (out or "").strip().splitlines()
        if proc.returncode != 0 or not lines:
            raise RuntimeError(f"visitor process failed ({proc.returncode})")
        results.append(json.loads(lines[-1]))
    return results


def schedule(
    visitors: int, step_seconds: float, connect_s: float | None, idle_s: float = 0.0
) -> dict[str, float]:
    """Absolute times: connecting, then (with `idle_s`) every socket open and only heartbeats,
    then sending for most of the step, then draining."""
    now = time.time()
    connect = connect_s if connect_s is not None else 3.0 + visitors / 80
    send = max(3.0, step_seconds - connect - idle_s - 10)
    return {
        "began_at": now,
        "idle_from": now + connect,
        "start_at": now + connect + idle_s,
        "send_until": now + connect + idle_s + send,
        "drain_until": now + connect + idle_s + send + 10,
    }


def measure_step(
    target: dict[str, Any], visitors: int, args: argparse.Namespace, *, label: str
) -> dict[str, Any]:
    """One step of N visitors against one server; the server's CPU over the send window."""
    times = schedule(visitors, args.step_seconds, args.connect_seconds, args.idle_seconds)
    spec = {
        "host": LOOPBACK,
        "port": target["port"],
        "widget_key": target.get("widget_key", ""),
        "visitors": visitors,
        "prefix": f"{label}{visitors}-",
        "interval_s": args.interval,
        "ping_s": args.ping_seconds,
        "connect_concurrency": 32,
        **times,
    }
    rss_before = target["rss"]()
    load_before = os.getloadavg()[0]
    procs = run_visitors(spec, max(1, math.ceil(visitors / PER_PROCESS)))
    idle: dict[str, float] = {}
    if args.idle_seconds:
        # Every socket open, nothing sent but heartbeats: what holding the connections costs.
        time.sleep(max(0.0, times["idle_from"] - time.time()))
        idle_cpu = cpu_seconds(target["pids"])
        idle_load = os.getloadavg()[0]
        time.sleep(max(0.0, times["start_at"] - time.time()))
        idle = {
            "cpu_s": cpu_seconds(target["pids"]) - idle_cpu,
            "window_s": times["start_at"] - times["idle_from"],
            "rss": target["rss"](),
            "load": idle_load,
        }
    time.sleep(max(0.0, times["start_at"] - time.time()))
    cpu_start = cpu_seconds(target["pids"])
    generator_start = cpu_seconds([proc.pid for proc in procs])
    wait_start = chat_setup.runqueue_wait_seconds(target["pids"])
    time.sleep(max(0.0, times["send_until"] - time.time()))
    cpu_end = cpu_seconds(target["pids"])
    generator_cpu = cpu_seconds([proc.pid for proc in procs]) - generator_start
    waited = chat_setup.runqueue_wait_seconds(target["pids"]) - wait_start
    rss_loaded = target["rss"]()
    results = collect(procs, times["drain_until"] + 60)
    window = times["send_until"] - times["start_at"]
    counts = target["count"]() if "count" in target else None
    report = step_report(
        visitors=visitors,
        interval=args.interval,
        window=window,
        cpu=cpu_end - cpu_start,
        rss_before=rss_before,
        rss_loaded=rss_loaded,
        clients=results,
        counts=counts,
        closed_at=times["drain_until"],
        began_at=times["began_at"],
        idle=idle,
    )
    # Other work on this machine competes for its cores: the 1-minute load average says how much.
    report["machine_load_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    # Seconds the server's threads were runnable but waiting for a core, per second of window.
    report["summary"]["server_waiting_for_cpu_s_per_s"] = round(waited / window, 2)
    # The visitor processes' own CPU over the window: they share the machine with the server.
    report["summary"]["visitors_cpu_pct_of_one_core"] = round(generator_cpu / window * 100, 1)
    return report


def atiende_target(env: dict[str, str], tmp: Path, server: chat_setup.Server) -> dict[str, Any]:
    state = {"after": 0}

    def count() -> dict[str, Any]:
        counts = chat_setup.count_messages(env, tmp, state["after"])
        state["after"] = max(state["after"], int(counts["max_id"]))
        return counts

    return {
        "port": server.port,
        "pids": [server.pid],
        "rss": server.rss,
        "count": count,
    }


def run_atiende(args: argparse.Namespace, postgres: bool) -> dict[str, Any]:
    engine = "postgresql+redis" if postgres else "sqlite"
    print(f"== atiende on {engine}", flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="bench-chat-") as folder,
        chat_setup.database(Path(folder), postgres) as env,
    ):
        tmp = Path(folder)
        seeded = chat_setup.seed(env, agent_online=args.agent_online)
        workers = args.workers if postgres else 1
        server = chat_setup.Server(
            env, tmp / "server.log", profile_prefix(args, tmp), workers=workers
        )
        startup = server.start()
        bot_spec = {
            "host": LOOPBACK,
            "port": server.port,
            "session_key": seeded["session_key"],
            "cookie_name": seeded["cookie_name"],
            "token": seeded["token"],
            "pool": args.bot_pool,
        }
        bot = chat_setup.spawn(
            [sys.executable, "-m", "bench.chat_agentbot", json.dumps(bot_spec)],
            env,
            tmp / "bot.log",
        )
        target = atiende_target(env, tmp, server)
        target["widget_key"] = seeded["widget_key"]
        steps = []
        try:
            for visitors in args.visitors:
                print(f"   {visitors} visitors", flush=True)
                step = measure_step(target, visitors, args, label="a")
                print(f"   {json.dumps(step['summary'])}", flush=True)
                steps.append(step)
            restarts = [] if args.no_restart else restart_rounds(args, env, tmp, server, target)
        finally:
            chat_setup.stop(bot, signal.SIGTERM)
            server.stop()
        bot_counters = last_json(tmp / "bot.log")
        return {
            "engine": engine,
            "server": f"python -m atiende serve --workers {workers} (embedded worker in each)",
            "startup_s": round(startup, 2),
            "steps": steps,
            "restart": restarts,
            "agent_bot": {k: v for k, v in bot_counters.items() if k != "reply_ms"},
            "server_log_tail": server.log_tail() if args.keep_logs else "",
        }


def profile_prefix(args: argparse.Namespace, tmp: Path) -> list[str] | None:
    if not args.profile:
        return None
    return [sys.executable, str(ROOT / "bench" / "chat_profile.py"), str(args.profile)]


def last_json(path: Path) -> dict[str, Any]:
    for line in reversed(path.read_text(errors="replace").splitlines()):
        if line.startswith("{"):
            try:
                found: dict[str, Any] = json.loads(line)
            except ValueError:
                continue
            return found
    return {}


def restart_rounds(
    args: argparse.Namespace,
    env: dict[str, str],
    tmp: Path,
    server: chat_setup.Server,
    target: dict[str, Any],
) -> list[dict[str, Any]]:
    """Visitors chatting; the server stopped by `signum` and started again, twice."""
    from bench.chat_report import restart_report

    rounds = []
    for name in args.restart_signals:
        signum = signal.Signals[f"SIG{name}"]
        print(f"   restart with SIG{name}, {args.restart_visitors} visitors", flush=True)
        start_at = time.time() + 3.0 + args.restart_visitors / 80
        kill_at = start_at + args.restart_kill_after
        send_until = kill_at + args.restart_send_after
        spec = {
            "host": LOOPBACK,
            "port": server.port,
            "widget_key": target["widget_key"],
            "visitors": args.restart_visitors,
            "prefix": f"r{name}-",
            "interval_s": args.restart_interval,
            "connect_concurrency": 32,
            "start_at": start_at,
            "send_until": send_until,
            "drain_until": send_until + 20,
        }
        procs = run_visitors(spec, 1)
        time.sleep(max(0.0, kill_at - time.time()))
        load = {"at_signal": list(os.getloadavg())}
        killed_at = time.time()
        server.stop(signum)
        stopped_at = time.time()
        startup = server.start()
        listening_at = time.time()
        load["when_answering"] = list(os.getloadavg())
        target["pids"] = [server.pid]
        results = collect(procs, spec["drain_until"] + 60)
        load["at_end"] = list(os.getloadavg())
        rounds.append(
            restart_report(
                signal_name=f"SIG{name}",
                killed_at=killed_at,
                stopped_at=stopped_at,
                listening_at=listening_at,
                startup=startup,
                clients=results,
                counts=target["count"](),
                closed_at=spec["drain_until"],
                load=load,
            )
        )
        print(f"   {json.dumps(rounds[-1]['summary'])}", flush=True)
    return rounds


def run_floor(args: argparse.Namespace) -> dict[str, Any]:
    print("== floor (bare asyncio websockets)", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-chat-floor-") as folder:
        tmp = Path(folder)
        port = free_port()
        env = dict(os.environ)
        server = chat_setup.spawn(
            [sys.executable, "-m", "bench.chat_floor", "serve", "--port", str(port)],
            env,
            tmp / "floor.log",
        )
        wait_for_port(port, server, 30, tmp / "floor.log")
        agent = chat_setup.spawn(
            [sys.executable, "-m", "bench.chat_floor", "agent", "--port", str(port)],
            env,
            tmp / "agent.log",
        )
        time.sleep(0.5)
        target = {"port": port, "pids": [server.pid], "rss": lambda: rss_bytes(server.pid)}
        steps = []
        try:
            for visitors in args.visitors:
                print(f"   {visitors} visitors", flush=True)
                step = measure_step(target, visitors, args, label="f")
                print(f"   {json.dumps(step['summary'])}", flush=True)
                steps.append(step)
        finally:
            chat_setup.stop(agent)
            chat_setup.stop(server)
        return {"server": "bench/chat_floor.py (websockets, asyncio, in memory)", "steps": steps}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", default="", help="comma-separated ramp, e.g. 100,500")
    parser.add_argument("--full", action="store_true", help="ramp 100,500,1000,2000, + PostgreSQL")
    parser.add_argument("--step-seconds", type=float, default=0, help="per step (≤ 60)")
    parser.add_argument("--connect-seconds", type=float, default=None)
    parser.add_argument("--interval", type=float, default=4.0, help="seconds between messages")
    parser.add_argument(
        "--idle-seconds", type=float, default=0, help="all connected, heartbeats only, measured"
    )
    parser.add_argument(
        "--ping-seconds", type=float, default=0, help="visitor heartbeat (the widget's: 20)"
    )
    parser.add_argument("--restart-visitors", type=int, default=100)
    parser.add_argument("--restart-signals", default="TERM,KILL", help="one round per signal")
    parser.add_argument("--restart-interval", type=float, default=2.0)
    parser.add_argument("--restart-kill-after", type=float, default=8.0, help="seconds of chat")
    parser.add_argument("--restart-send-after", type=float, default=12.0, help="seconds")
    parser.add_argument("--bot-pool", type=int, default=8, help="agent bot HTTP connections")
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL + Redis")
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--no-restart", action="store_true")
    parser.add_argument("--no-cost", action="store_true", help="skip chat_cost.py")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile the server to here")
    parser.add_argument(
        "--agent-online",
        action="store_true",
        help="the agent is an online agent: routing assigns chats instead of queueing them",
    )
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    ramp = args.visitors or ("100,500,1000,2000" if args.full else "50,200")
    args.visitors = [int(n) for n in ramp.split(",") if n.strip()]
    args.restart_signals = [n.strip().upper() for n in args.restart_signals.split(",") if n]
    args.step_seconds = min(60.0, args.step_seconds or (60.0 if args.full else 30.0))
    args.postgres = args.postgres or args.full
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    meta = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join(["bench/bench_chat.py", *argv]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load": {
            "visitors": args.visitors,
            "interval_s": args.interval,
            "agent_online": args.agent_online,
        },
    }
    if not args.no_cost:
        # The per-round-trip CPU budget, in one thread, before the servers load the machine.
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "chat_cost.py"), "--rounds", "100",
             "--out", str(args.out / "chat_cost.json")],
            cwd=ROOT, check=False, timeout=600,
        )  # fmt: skip
    floor = None if args.no_floor else run_floor(args)
    runs = []
    if not args.no_sqlite:
        runs.append(run_atiende(args, postgres=False))
    if args.postgres:
        runs.append(run_atiende(args, postgres=True))
    from bench.chat_report import ratios

    result = {**meta, "atiende": runs, "ratios_to_floor": ratios(runs, floor)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "chat.json").write_text(json.dumps(result, indent=2) + "\n")
    if floor is not None:
        (args.out / "chat_floor.json").write_text(json.dumps({**meta, **floor}, indent=2) + "\n")
    print(f"wrote {args.out / 'chat.json'}", flush=True)
    lost = sum(
        int(step["summary"]["lost"]) for run in runs for step in [*run["steps"], *run["restart"]]
    )
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
