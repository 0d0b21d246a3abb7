"""Fixtures shared by the whole suite: isolated files, no rate limits by default, factories.

Test-mode settings (static files from the apps, fast password hashing, a Redis prefix per xdist
worker) are chosen by settings.py itself, from PYTEST_VERSION: a conftest runs too late.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from tests.factories import Factory


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "files")
    settings.ATIENDE_RATE_LIMIT_ENABLED = False


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Each test starts in the default language: a request through the locale middleware
    leaves its language active in the thread, and a later test would read Spanish."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def factory(db: None) -> Factory:
    return Factory()
