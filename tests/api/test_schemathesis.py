"""Schemathesis against the real ASGI server: every operation of the OpenAPI document, fed
generated and mutated input with a valid token, never answers 5xx."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, object]]]:
    """A migrated, seeded SQLite file database and `python -m atiende serve` on it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        ATIENDE_SQLITE_PATH=str(tmp_path / "api.sqlite3"),
        ATIENDE_VAR_DIR=str(tmp_path / "var"),
        ATIENDE_FILES_DIR=str(tmp_path / "files"),
        ATIENDE_STATIC_FINDERS="1",
        ATIENDE_EMBEDDED_WORKER="0",
        ATIENDE_FAST_PASSWORD_HASHER="1",
        PYTHONPATH=str(ROOT),
    )
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.api.server_seed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    seed: dict[str, object] = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    # The server's log goes to a file: an unread pipe would fill up and stall the server.
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "atiende", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base, seed
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.mark.xdist_group("server")
def test_no_input_makes_the_api_fail(server: tuple[str, dict[str, object]]) -> None:
    base, seed = server

    result = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "run",
            f"{base}/api/openapi.json",
            "--checks",
            "not_a_server_error",
            "--header",
            f"Authorization: Bearer {seed['token']}",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "5",
            "--workers",
            "2",
            "--request-timeout",
            "10",
            "--seed",
            "20261123",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"},
    )

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    tested = re.search(r"Tested: (\d+)", result.stdout)
    assert tested is not None, result.stdout[-3000:]
    assert int(tested.group(1)) >= 57
