"""The real server for browser tests: its own database, uvicorn in a subprocess, Chromium.

A browser test seeds the server's database with a Python snippet run by `manage.py shell`
(the server cannot see the test's uncommitted transactions), starts it, and drives Debian's
Chromium through Playwright:

    def test_something(database_env, tmp_path):
        with running_server(database_env, tmp_path, seed=SEED) as server, chromium() as browser:
            page = sign_in(browser, server, "ana")

`seed` prints one JSON object as its last line; the server keeps it as `server.seeded`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "e2e-password-not-secret"
TIMEOUT_MS = 15_000


@dataclass
class Server:
    url: str
    env: dict[str, str]
    seeded: dict[str, Any] = field(default_factory=dict)

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "atiende", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def shell(self, code: str) -> dict[str, Any]:
        """Run Python in the server's database; returns the JSON its last line printed."""
        lines = self.manage("shell", "-c", code).strip().splitlines()
        result: dict[str, Any] = json.loads(lines[-1]) if lines else {}
        return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The server's own database: PostgreSQL (created and dropped here) or a SQLite file."""
    env = {
        **os.environ,
        "ATIENDE_VAR_DIR": str(tmp_path / "var"),
        "ATIENDE_FILES_DIR": str(tmp_path / "files"),
        "ATIENDE_STATIC_FINDERS": "1",
        "ATIENDE_EMBEDDED_WORKER": "1",
        "ATIENDE_WORKER_POLL_SECONDS": "0.2",
    }
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        env["ATIENDE_SQLITE_PATH"] = str(tmp_path / "e2e.sqlite3")
        yield env
        return
    name = f"atiende_e2e_{secrets.token_hex(4)}"
    parts = urlsplit(base)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield env
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_server(
    env: dict[str, str], tmp_path: Path, *, seed: str = "", name: str = "server"
) -> Iterator[Server]:
    """Migrate, seed, and serve on a free loopback port until the block ends."""
    port = free_port()
    server = Server(f"http://127.0.0.1:{port}", env)
    server.manage("migrate", "--noinput", "--verbosity", "0")
    if seed:
        server.seeded = server.shell(seed)
    with start_process(server, tmp_path, port, name=name):
        yield server


@contextmanager
def start_process(server: Server, tmp_path: Path, port: int, *, name: str) -> Iterator[None]:
    """One `serve` process for `server`'s database (several may share it, with Redis)."""
    log_path = tmp_path / f"{name}.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "atiende", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=server.env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log_path.read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(browser: Browser, server: Server, username: str, *, locale: str = "en-US") -> Page:
    """An agent's page, signed in (agents are created with `PASSWORD`)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale=locale)
    page = context.new_page()
    page.goto(server.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/inbox/$"), timeout=TIMEOUT_MS)
    return page


def collect_csp_violations(page: Page) -> list[str]:
    """A list that fills with the page's Content-Security-Policy console errors."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations
