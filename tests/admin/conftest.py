"""Admin test fixtures.

Admin pages are rendered with `{% static %}` and served through WhiteNoise. tests/conftest.py
asks for static files from the apps' folders with an environment variable, but pytest-django
has already read the settings when that conftest is imported; set the same settings here so the
admin tests do not need `collectstatic`.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _static_from_finders(settings: Any) -> None:
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
