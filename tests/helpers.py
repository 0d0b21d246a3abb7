"""Helpers for tests that run real processes against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection


def process_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a child process that shares this test's data.

    On PostgreSQL the child connects to the test database itself (tests using it must commit:
    `transaction=True`); SQLite's test database lives in memory, so the child gets a fresh file
    database, migrated here.
    """
    env = dict(os.environ)
    env["ATIENDE_VAR_DIR"] = str(tmp_path / "var")
    if connection.vendor == "postgresql":
        url = env["DATABASE_URL"].rsplit("/", 1)[0]
        env["DATABASE_URL"] = f"{url}/{connection.settings_dict['NAME']}"
        return env
    env.pop("DATABASE_URL", None)
    env["ATIENDE_SQLITE_PATH"] = str(tmp_path / "shared.sqlite3")
    subprocess.run(
        [sys.executable, "-m", "atiende", "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=120,
    )
    return env
