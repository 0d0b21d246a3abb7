"""A lean HTTP/1.1 load generator: N keep-alive connections on raw asyncio streams.

Run in its own process so that its CPU is not the server's: it reads a JSON spec (argument or
standard input), warms up, then measures the requests that complete within a window of fixed
time (stretched, within a bound, until a slow server has completed a minimum) and of at most a
fixed count, with each request's latency, and prints one JSON result. Every loop is bounded in
time and in count. Given the server's process ids it
also reads their CPU time (utime + stime from /proc, children included) at the start and at
the end of the measured window, so the server's CPU per request is known without the client's.

Only loopback addresses are accepted: this is a bench for servers that the bench started.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COUNTER = "__N__"
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# --- statistics --------------------------------------------------------------------------------
def percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear-interpolated percentile of already sorted values; `fraction` in [0, 1]."""
    if not sorted_values:
        return float("nan")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be within [0, 1], not {fraction}")
    position = (len(sorted_values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    weight = position - low
    return sorted_values[low] * (1.0 - weight) + sorted_values[high] * weight


def summarize(latencies: list[float], errors: int, elapsed: float) -> dict[str, Any]:
    """Requests per second and latency percentiles (milliseconds) of one measured window."""
    ordered = sorted(latencies)
    ok = len(ordered)
    return {
        "requests": ok + errors,
        "ok": ok,
        "errors": errors,
        "elapsed_s": round(elapsed, 3),
        "rps": round(ok / elapsed, 2) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 2) if ordered else None,
        "p90_ms": round(percentile(ordered, 0.90) * 1000, 2) if ordered else None,
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2) if ordered else None,
        "max_ms": round(ordered[-1] * 1000, 2) if ordered else None,
        "mean_ms": round(sum(ordered) / ok * 1000, 2) if ordered else None,
    }


# --- /proc ---------------------------------------------------------------------------------------
def descendants(root: int) -> list[int]:
    """`root` and every process below it (gunicorn and uvicorn workers are children)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    pending = [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the given processes and all their descendants, in seconds."""
    total = 0
    for root in pids:
        for pid in descendants(root):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # After the command: state(0) ppid(1) ... utime(11) stime(12).
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def rss_bytes(pid: int) -> int:
    """Resident set size of one process, from /proc/<pid>/status (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


# --- HTTP/1.1 over asyncio streams -------------------------------------------------------------
class HttpError(Exception):
    """The server's answer could not be read as HTTP/1.1."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def build_request(method: str, host: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def read_response(reader: asyncio.StreamReader) -> Response:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise HttpError(f"bad status line {status_line!r}")
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
        headers["connection"] = "close"
    return Response(int(parts[1]), headers, body)


@dataclass
class Spec:
    host: str
    port: int
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    concurrency: int = 8
    warmup_s: float = 2.0
    # The window lasts duration_s, longer if fewer than min_requests completed in it (a slow
    # server), never longer than max_duration_s; it closes early at max_requests completions.
    duration_s: float = 10.0
    min_requests: int = 20
    max_duration_s: float = 0.0  # 0: three times duration_s
    max_requests: int = 10_000
    expect: list[int] = field(default_factory=lambda: [200])
    cpu_pids: list[int] = field(default_factory=list)
    timeout_s: float = 30.0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Spec:
        spec = cls(**data)
        if not ipaddress.ip_address(spec.host).is_loopback:
            raise ValueError(f"only loopback targets are allowed, not {spec.host}")
        if spec.concurrency < 1 or spec.max_requests < 1 or spec.duration_s <= 0:
            raise ValueError("concurrency, max_requests and duration_s must be positive")
        if spec.max_duration_s <= 0:
            spec.max_duration_s = 3 * spec.duration_s
        spec.max_duration_s = max(spec.max_duration_s, spec.duration_s)
        return spec

    @property
    def issue_cap(self) -> int:
        """No client loop sends more than this many requests in all (warm-up included)."""
        return 2 * self.max_requests + 100 * self.concurrency


@dataclass
class Window:
    """What the client tasks share: requests completed inside [start, end] are measured."""

    start: float = float("inf")
    end: float = float("inf")
    stop: bool = False
    issued: int = 0
    in_window: int = 0
    counter: int = 0
    # (finished at, latency, ok) of every completed request.
    completions: list[tuple[float, float, bool]] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)


class Client:
    def __init__(self, spec: Spec, window: Window) -> None:
        self.spec = spec
        self.window = window
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def once(self, payload: bytes) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.spec.host, self.spec.port)
        assert self.reader is not None
        self.writer.write(payload)
        await self.writer.drain()
        response = await read_response(self.reader)
        if response.headers.get("connection", "").lower() == "close":
            await self.close()
        return response

    def next_payload(self) -> bytes:
        self.window.counter += 1
        body = self.spec.body.replace(COUNTER, str(self.window.counter)).encode()
        return build_request(
            self.spec.method,
            f"{self.spec.host}:{self.spec.port}",
            self.spec.path,
            self.spec.headers,
            body,
        )

    async def run(self) -> None:
        window = self.window
        while not window.stop and window.issued < self.spec.issue_cap:
            window.issued += 1
            payload = self.next_payload()
            began = time.perf_counter()
            try:
                response = await asyncio.wait_for(self.once(payload), self.spec.timeout_s)
                ok = response.status in self.spec.expect
                problem = "" if ok else f"{response.status} {response.body[:300]!r}"
            except (OSError, asyncio.IncompleteReadError, HttpError, TimeoutError) as exc:
                await self.close()
                ok, problem = False, f"{type(exc).__name__}: {exc}"
            finished = time.perf_counter()
            window.completions.append((finished, finished - began, ok))
            if window.start <= finished <= window.end:
                window.in_window += 1
                if not ok and len(window.error_samples) < 5:
                    window.error_samples.append(problem)
            if not ok:
                await asyncio.sleep(0.01)
        await self.close()


async def run(spec: Spec) -> dict[str, Any]:
    window = Window()
    tasks = [asyncio.create_task(Client(spec, window).run()) for _ in range(spec.concurrency)]
    try:
        await asyncio.sleep(spec.warmup_s)
        cpu_before = cpu_seconds(spec.cpu_pids)
        own_before = resource.getrusage(resource.RUSAGE_SELF)
        window.start = start = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            if (
                window.in_window >= spec.max_requests
                or now - start >= spec.max_duration_s
                or (now - start >= spec.duration_s and window.in_window >= spec.min_requests)
                or all(task.done() for task in tasks)
            ):
                break
        window.end = end = time.perf_counter()
        cpu_after = cpu_seconds(spec.cpu_pids)
        own_after = resource.getrusage(resource.RUSAGE_SELF)
        # Let the requests in flight finish (the server would go on with them anyway).
        window.stop = True
        await asyncio.wait(tasks, timeout=spec.timeout_s + 5)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    measured = [
        (latency, ok) for finished, latency, ok in window.completions if start <= finished <= end
    ]
    result = summarize(
        [latency for latency, ok in measured if ok],
        sum(1 for _, ok in measured if not ok),
        end - start,
    )
    server_cpu = cpu_after - cpu_before
    client_cpu = (own_after.ru_utime + own_after.ru_stime) - (
        own_before.ru_utime + own_before.ru_stime
    )
    result.update(
        {
            "concurrency": spec.concurrency,
            "server_cpu_s": round(server_cpu, 3),
            "server_cpu_ms_per_request": round(server_cpu / result["requests"] * 1000, 3)
            if spec.cpu_pids and result["requests"]
            else None,
            "client_cpu_s": round(client_cpu, 3),
            "error_samples": window.error_samples,
        }
    )
    return result


def main(argv: list[str]) -> int:
    raw = argv[1] if len(argv) > 1 else sys.stdin.read()
    spec = Spec.from_dict(json.loads(raw))
    try:
        import uvloop  # the client's own overhead, kept low
    except ImportError:
        result = asyncio.run(run(spec))
    else:
        result = uvloop.run(run(spec))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
