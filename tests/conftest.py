"""Fixtures shared by the whole suite: isolated files, fast hashing, factories."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

# Before Django reads settings: each xdist worker gets its own Redis prefix, so the PostgreSQL +
# Redis pass can run workers in parallel without hearing each other's events.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ.setdefault("ATIENDE_CHANNEL_PREFIX", f"atiende-test-{os.getpid()}-{_worker}")
os.environ.setdefault("ATIENDE_FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("ATIENDE_EMBEDDED_WORKER", "1")
# Static files straight from the apps (no collectstatic needed); inherited by servers tests start.
os.environ.setdefault("ATIENDE_STATIC_FINDERS", "1")

from tests.factories import Factory  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "files")
    settings.ATIENDE_RATE_LIMIT_ENABLED = False


@pytest.fixture
def factory(db: None) -> Factory:
    return Factory()
