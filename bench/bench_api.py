"""API bench: atiende against django-helpdesk, side by side in one run.

    .venv/bin/python bench/bench_api.py [--duration 15] [--no-postgres] [--no-peer]

Measures, at 8 concurrent keep-alive clients on loopback (bench/loadgen.py, its own process):
- conversation / ticket creation rate through each REST API: atiende on SQLite (one process, the
  embedded default) and, when PostgreSQL and Redis answer on 127.0.0.1, on PostgreSQL + Redis
  with 2 processes; django-helpdesk under gunicorn (gthread) on SQLite with Django's defaults and
  with WAL, with HTTP basic auth (its documented example) and with DRF token auth;
- list latency at 10,000 existing tickets (`GET /api/conversations?limit=50` against
  `GET /api/tickets/?page_size=50`), at 8 clients and at 1;
- the server's CPU time per request (from /proc, the client's excluded);
- the resident memory of one idle atiende process after start-up, after a first request and
  after the load.
Ratios are computed from figures of the same run. Writes bench/results/api.json and
bench/results/memory.json and prints a table. Every server it starts listens on 127.0.0.1 only
and is killed at the end, on error and on Ctrl-C; every load loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.loadgen import rss_bytes  # noqa: E402

from bench import peer_helpdesk, procs  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PG_URL = "postgres://postgres@127.0.0.1:5432/atiende_bench_api"
REDIS_URL = "redis://127.0.0.1:6379/0"
MB = 1024 * 1024
USERNAME = "bench"


@dataclass
class Options:
    duration: float
    warmup: float
    list_duration: float
    concurrency: int
    tickets: int
    max_create: int
    postgres: bool
    peer: bool
    peer_workers: int
    peer_threads: int


@dataclass
class Target:
    """One server under test and how to talk to it."""

    name: str
    port: int
    pid: int
    create_path: str
    create_body: str
    list_path: str
    headers: dict[str, str]
    log: Path | None = None


def log(message: str) -> None:
    print(f"[bench_api {time.strftime('%H:%M:%S')}] {message}", flush=True)


def measure(target: Target, options: Options, kind: str, concurrency: int) -> dict[str, Any]:
    if kind == "create":
        spec: dict[str, Any] = {
            "method": "POST",
            "path": target.create_path,
            "body": target.create_body,
            "headers": {**target.headers, "Content-Type": "application/json"},
            "expect": [201],
            "duration_s": options.duration,
            "min_requests": 20,
            "max_duration_s": 3 * options.duration,
            "max_requests": options.max_create,
        }
    else:
        spec = {
            "method": "GET",
            "path": target.list_path,
            "headers": target.headers,
            "expect": [200],
            "duration_s": options.list_duration,
            "min_requests": 10 if concurrency > 1 else 5,
            # django-helpdesk's list takes seconds per request at 10,000 tickets.
            "max_duration_s": 40.0,
            "max_requests": 20_000,
            "timeout_s": 90.0,
        }
    spec.update(
        {
            "host": procs.LOOPBACK,
            "port": target.port,
            "concurrency": concurrency,
            "warmup_s": options.warmup,
            "cpu_pids": [target.pid],
        }
    )
    result = procs.load(spec)
    if result["errors"] and target.log is not None:
        result["server_log_tail"] = procs.tail(target.log, 40)
    log(
        f"{target.name} {kind} c={concurrency}: {result['rps']} req/s, p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms, errors {result['errors']}, "
        f"server CPU {result['server_cpu_ms_per_request']} ms/req"
    )
    return result


# --- atiende -------------------------------------------------------------------------------------
def ours_env(work: Path, database_url: str = "", redis_url: str = "") -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        and not key.startswith("ATIENDE_")
    }
    env.update(
        {
            "ATIENDE_VAR_DIR": str(work / "var"),
            "ATIENDE_SQLITE_PATH": str(work / "atiende.sqlite3"),
            "ATIENDE_CHANNEL_PREFIX": f"atiende-bench-{os.getpid()}",
            "SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
            "LOG_LEVEL": "WARNING",
            "DJANGO_SUPERUSER_PASSWORD": "bench-Pass-8841",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def prepare_ours(env: dict[str, str]) -> tuple[int, str]:
    """Migrate, an admin, an API inbox and a token, all with atiende's own commands."""
    python = str(procs.VENV_PYTHON)
    procs.run([python, "-m", "atiende", "migrate", "--noinput"], env, timeout=300)
    procs.run(
        [
            python,
            "-m",
            "atiende",
            "createsuperuser",
            "--noinput",
            "--username",
            USERNAME,
            "--email",
            "bench@example.com",
        ],
        env,
    )
    inbox = json.loads(
        procs.run([python, "bench/seed_atiende.py", "setup"], env).strip().splitlines()[-1]
    )
    token = (
        procs.run([python, "-m", "atiende", "create_api_token", USERNAME, "--name", "bench"], env)
        .strip()
        .splitlines()[-1]
    )
    return int(inbox["inbox_id"]), token


def seed_ours(env: dict[str, str], total: int) -> int:
    out = procs.run([str(procs.VENV_PYTHON), "bench/seed_atiende.py", "seed", str(total)], env)
    return int(json.loads(out.strip().splitlines()[-1])["conversations"])


def ours_body(inbox_id: int, run: str) -> str:
    return json.dumps(
        {
            "inbox_id": inbox_id,
            "contact": {"email": "customer__N__@example.com", "name": "Customer __N__"},
            "subject": "Order __N__ arrived damaged",
            "text": "The box was crushed and the mug inside is broken. Can you send another?",
            "external_id": f"{run}-__N__",
        }
    )


@contextlib.contextmanager
def ours_server(env: dict[str, str], workers: int, work: Path, label: str) -> Iterator[Any]:
    port = procs.free_port()
    argv = [
        str(procs.VENV_PYTHON),
        "-m",
        "atiende",
        "serve",
        "--host",
        procs.LOOPBACK,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    with procs.server(argv, env, port, work / f"{label}.log") as proc:
        yield proc, port


def bench_ours(
    options: Options, work: Path, label: str, workers: int, database_url: str = ""
) -> tuple[dict[str, Any], dict[str, Any]]:
    work.mkdir(parents=True, exist_ok=True)
    env = ours_env(work, database_url, REDIS_URL if database_url else "")
    inbox_id, token = prepare_ours(env)
    headers = {"Authorization": f"Bearer {token}"}
    memory: dict[str, Any] = {}
    result: dict[str, Any] = {
        "server": f"atiende serve --workers {workers} (uvicorn)",
        "database": "PostgreSQL + Redis" if database_url else "SQLite (WAL, BEGIN IMMEDIATE)",
        "auth": "Bearer token",
    }
    with ours_server(env, workers, work, label) as (proc, port):
        target = Target(
            name=label,
            port=port,
            pid=proc.pid,
            create_path="/api/conversations",
            create_body=ours_body(inbox_id, label),
            list_path="/api/conversations?limit=50",
            headers=headers,
            log=work / f"{label}.log",
        )
        if workers == 1:
            time.sleep(2.0)
            memory["after_startup_mb"] = round(rss_bytes(proc.pid) / MB, 1)
            first = procs.load(
                {
                    "host": procs.LOOPBACK,
                    "port": port,
                    "method": "GET",
                    "path": target.list_path,
                    "headers": headers,
                    "concurrency": 1,
                    "warmup_s": 0.0,
                    "duration_s": 0.5,
                    "max_requests": 1,
                }
            )
            if first["errors"]:
                raise RuntimeError(f"first request to {label} failed: {first['error_samples']}")
            memory["after_first_request_mb"] = round(rss_bytes(proc.pid) / MB, 1)
        result["create"] = measure(target, options, "create", options.concurrency)
        result["tickets_before_list"] = seed_ours(env, options.tickets)
        result["list"] = measure(target, options, "list", options.concurrency)
        result["list_1_client"] = measure(target, options, "list", 1)
        if workers == 1:
            time.sleep(1.0)
            memory["after_load_mb"] = round(rss_bytes(proc.pid) / MB, 1)
            result["rss_mb"] = memory
        else:
            result["rss_tree_mb"] = round(procs.rss_tree_bytes(proc.pid) / MB, 1)
    return result, memory


def postgres_available() -> bool:
    for port in (5432, 6379):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            if sock.connect_ex((procs.LOOPBACK, port)) != 0:
                return False
    return True


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(
        "postgres://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=5
    ) as connection:
        connection.execute(statement.encode())


@contextlib.contextmanager
def bench_database() -> Iterator[str]:
    _pg_admin("DROP DATABASE IF EXISTS atiende_bench_api WITH (FORCE)")
    _pg_admin("CREATE DATABASE atiende_bench_api")
    try:
        yield PG_URL
    finally:
        with contextlib.suppress(Exception):
            _pg_admin("DROP DATABASE IF EXISTS atiende_bench_api WITH (FORCE)")


# --- django-helpdesk -----------------------------------------------------------------------------
PEER_CONFIGS = [
    # name, WAL, auth, list too
    ("helpdesk-documented", False, "basic", True),
    ("helpdesk-token", False, "token", True),
    ("helpdesk-wal-basic", True, "basic", False),
    ("helpdesk-wal-token", True, "token", True),
]


def peer_body(queue_id: int) -> str:
    return json.dumps(
        {
            "queue": queue_id,
            "title": "Order __N__ arrived damaged",
            "description": "The box was crushed and the mug inside is broken. "
            "Can you send another?",
            "submitter_email": "customer__N__@example.com",
            "priority": 3,
        }
    )


def bench_peer(options: Options, work: Path) -> dict[str, Any]:
    log("peer: preparing bench/.peer-venv (pip, reused when unchanged)")
    python = peer_helpdesk.ensure_venv()
    project = peer_helpdesk.write_project(work / "peer", python)
    template = work / "peer" / "template.sqlite3"
    info = project.prepare_db(template)
    import base64

    basic = base64.b64encode(f"{peer_helpdesk.USERNAME}:{peer_helpdesk.PASSWORD}".encode()).decode()
    results: dict[str, Any] = {"versions": peer_helpdesk.installed_versions(python)}
    for name, wal, auth, with_list in PEER_CONFIGS:
        db = work / "peer" / f"{name}.sqlite3"
        shutil.copyfile(template, db)
        port = procs.free_port()
        argv = project.gunicorn(port, options.peer_workers, options.peer_threads)
        headers = {
            "Authorization": f"Basic {basic}" if auth == "basic" else f"Token {info['token']}"
        }
        entry: dict[str, Any] = {
            "server": f"gunicorn {' '.join(argv[argv.index('--workers') :])}",
            "database": "SQLite, WAL + BEGIN IMMEDIATE + synchronous=NORMAL"
            if wal
            else "SQLite, Django defaults (rollback journal)",
            "auth": "HTTP basic (documented; PBKDF2 per request)"
            if auth == "basic"
            else "DRF token (rest_framework.authtoken)",
        }
        env = project.env(db, wal)
        with procs.server(argv, env, port, work / f"{name}.log", cwd=project.folder) as proc:
            target = Target(
                name=name,
                port=port,
                pid=proc.pid,
                create_path="/api/tickets/",
                create_body=peer_body(int(info["queue_id"])),
                list_path="/api/tickets/?page_size=50",
                headers=headers,
                log=work / f"{name}.log",
            )
            entry["create"] = measure(target, options, "create", options.concurrency)
            if with_list:
                entry["tickets_before_list"] = project.seed(db, wal, options.tickets)
                entry["list"] = measure(target, options, "list", options.concurrency)
                if wal and auth == "token":
                    entry["list_1_client"] = measure(target, options, "list", 1)
            entry["rss_tree_mb"] = round(procs.rss_tree_bytes(proc.pid) / MB, 1)
        results[name] = entry
        db.unlink(missing_ok=True)
    return results


# --- ratios and report ---------------------------------------------------------------------------
def _get(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _ratio(numerator: Any, denominator: Any) -> float | None:
    if not numerator or not denominator:
        return None
    return round(float(numerator) / float(denominator), 2)


def ratios(report: dict[str, Any]) -> dict[str, Any]:
    peers = {
        name: entry
        for name, entry in report.get("helpdesk", {}).items()
        if name.startswith("helpdesk-")
    }
    out: dict[str, Any] = {}
    for ours_name in ("atiende-sqlite", "atiende-postgres"):
        ours = report.get(ours_name)
        if not ours or not peers:
            continue
        best_create = max(peers.values(), key=lambda e: _get(e, "create", "rps") or 0)
        listing = [e for e in peers.values() if _get(e, "list", "rps")]
        best_list = max(listing, key=lambda e: _get(e, "list", "rps") or 0) if listing else {}
        documented = peers.get("helpdesk-documented", {})
        out[ours_name] = {
            "create_rps_vs_documented": _ratio(
                _get(ours, "create", "rps"), _get(documented, "create", "rps")
            ),
            "create_rps_vs_best_peer": _ratio(
                _get(ours, "create", "rps"), _get(best_create, "create", "rps")
            ),
            "create_cpu_per_request_peer_over_ours": _ratio(
                _get(best_create, "create", "server_cpu_ms_per_request"),
                _get(ours, "create", "server_cpu_ms_per_request"),
            ),
            "list_rps_vs_documented": _ratio(
                _get(ours, "list", "rps"), _get(documented, "list", "rps")
            ),
            "list_rps_vs_best_peer": _ratio(
                _get(ours, "list", "rps"), _get(best_list, "list", "rps")
            ),
            "list_p50_best_peer_over_ours_1_client": _ratio(
                _get(peers.get("helpdesk-wal-token", {}), "list_1_client", "p50_ms"),
                _get(ours, "list_1_client", "p50_ms"),
            ),
            "target": ">= 10x django-helpdesk at 8 concurrent clients (creation and listing)",
        }
        ratios_ = out[ours_name]
        ratios_["meets_target_vs_best_peer"] = bool(
            (ratios_["create_rps_vs_best_peer"] or 0) >= 10
            and (ratios_["list_rps_vs_best_peer"] or 0) >= 10
        )
    return out


def table(report: dict[str, Any]) -> str:
    rows = [("config", "op", "clients", "req/s", "p50 ms", "p99 ms", "errors", "CPU ms/req")]
    entries = [(k, v) for k, v in report.items() if k.startswith("atiende-")]
    entries += [(k, v) for k, v in report.get("helpdesk", {}).items() if k.startswith("helpdesk-")]
    for name, entry in entries:
        for op in ("create", "list", "list_1_client"):
            result = entry.get(op)
            if not result:
                continue
            rows.append(
                (
                    name,
                    op.split("_")[0],
                    str(result["concurrency"]),
                    f"{result['rps']:.1f}",
                    str(result["p50_ms"]),
                    str(result["p99_ms"]),
                    str(result["errors"]),
                    str(result["server_cpu_ms_per_request"]),
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    for name, values in report.get("ratios", {}).items():
        lines.append(
            f"{name}: create x{values['create_rps_vs_best_peer']} vs best helpdesk "
            f"(x{values['create_rps_vs_documented']} vs documented), list "
            f"x{values['list_rps_vs_best_peer']} vs best (x{values['list_rps_vs_documented']} "
            f"vs documented); meets 10x: {values['meets_target_vs_best_peer']}"
        )
    return "\n".join(lines)


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per creation run")
    parser.add_argument("--list-duration", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--tickets", type=int, default=10_000, help="tickets when listing")
    parser.add_argument("--max-create", type=int, default=6000, help="requests per create run")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--peer-workers", type=int, default=2)
    parser.add_argument("--peer-threads", type=int, default=4)
    args = parser.parse_args(argv)
    return Options(
        duration=args.duration,
        warmup=args.warmup,
        list_duration=args.list_duration,
        concurrency=args.concurrency,
        tickets=args.tickets,
        max_create=args.max_create,
        postgres=not args.no_postgres,
        peer=not args.no_peer,
        peer_workers=args.peer_workers,
        peer_threads=args.peer_threads,
    )


def main(argv: list[str]) -> int:
    options = parse(argv)
    procs.install_cleanup()
    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="atiende-bench-api-"))
    report: dict[str, Any] = {
        "bench": "api",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            # Other work on the machine skews every figure: read them with this in mind.
            "loadavg_at_start": os.getloadavg(),
        },
        "options": options.__dict__,
    }
    memory: dict[str, Any] = {}
    try:
        log("atiende on SQLite, one process")
        report["atiende-sqlite"], memory = bench_ours(options, work, "atiende-sqlite", 1)
        if options.postgres and postgres_available():
            log("atiende on PostgreSQL + Redis, 2 processes")
            with bench_database() as url:
                report["atiende-postgres"], _ = bench_ours(
                    options, work / "pg", "atiende-postgres", 2, url
                )
        elif options.postgres:
            report["atiende-postgres"] = {"skipped": "no PostgreSQL/Redis on 127.0.0.1"}
        if options.peer:
            report["helpdesk"] = bench_peer(options, work)
    finally:
        procs.kill_all()
        shutil.rmtree(work, ignore_errors=True)
    report["machine"]["loadavg_at_end"] = os.getloadavg()
    report["ratios"] = ratios(report)
    report["seconds"] = round(time.monotonic() - began, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(report, indent=2) + "\n")
    memory_report = {
        "bench": "memory",
        "what": "RSS of one idle atiende server process (SQLite, embedded worker), from /proc",
        "target_mb": 300,
        **memory,
        "peer_gunicorn_tree_mb": {
            name: entry.get("rss_tree_mb")
            for name, entry in report.get("helpdesk", {}).items()
            if name.startswith("helpdesk-")
        },
    }
    memory_report["meets_target"] = bool(memory.get("after_load_mb", 1e9) < 300)
    (RESULTS / "memory.json").write_text(json.dumps(memory_report, indent=2) + "\n")
    print(table(report))
    print(
        f"atiende RSS: {memory.get('after_startup_mb')} MB after start-up, "
        f"{memory.get('after_first_request_mb')} MB after a first request, "
        f"{memory.get('after_load_mb')} MB after the load (target < 300 MB)"
    )
    print(f"wrote {RESULTS / 'api.json'} and {RESULTS / 'memory.json'} in {report['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
