"""Process helpers for the benches: free loopback ports, servers in their own process group
that are always killed (on return, error, Ctrl-C or SIGTERM), the load generator run in its
own process, and memory readings from /proc."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

from bench.loadgen import descendants, rss_bytes

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
LOOPBACK = "127.0.0.1"

_running: list[subprocess.Popen[bytes]] = []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _kill_group(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def kill_all() -> None:
    """Kill every server this process started (each in its own process group)."""
    while _running:
        _kill_group(_running.pop())


def _on_signal(signum: int, frame: FrameType | None) -> None:
    kill_all()
    raise SystemExit(128 + signum)


def install_cleanup() -> None:
    """Servers die with the bench: at exit, on SIGTERM and SIGINT (Ctrl-C)."""
    atexit.register(kill_all)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; log:\n{tail(log)}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((LOOPBACK, port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server not listening on {port} after {timeout}s; log:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def server(
    argv: list[str], env: Mapping[str, str], port: int, log: Path, cwd: Path = ROOT
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server in its own session, wait until it listens, and always kill it after."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            env=dict(env),
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _running.append(proc)
    try:
        wait_for_port(port, proc, 60.0, log)
        yield proc
    finally:
        _kill_group(proc)
        if proc in _running:
            _running.remove(proc)


def run(
    argv: list[str], env: Mapping[str, str], cwd: Path = ROOT, timeout: float = 300, **kw: Any
) -> str:
    """Run a setup command; its output is returned, and shown when it fails."""
    done = subprocess.run(
        argv, env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
            f"{done.stderr[-3000:]}"
        )
    return done.stdout


def load(spec: dict[str, Any]) -> dict[str, Any]:
    """Run bench/loadgen.py in its own process with this spec; its JSON result."""
    window = max(float(spec.get("duration_s", 10)), float(spec.get("max_duration_s", 0)))
    budget = float(spec.get("warmup_s", 2)) + 3 * window + float(spec.get("timeout_s", 30)) + 30
    done = subprocess.run(
        [str(VENV_PYTHON if VENV_PYTHON.exists() else sys.executable), "loadgen.py"],
        input=json.dumps(spec),
        cwd=BENCH_DIR,
        capture_output=True,
        text=True,
        timeout=budget,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def rss_tree_bytes(root: int) -> int:
    """Resident memory of a process and its descendants (shared pages counted in each)."""
    total = 0
    for pid in descendants(root):
        with contextlib.suppress(OSError):
            total += rss_bytes(pid)
    return total
