"""URL routes of the consent app (mounted at the site root: the app chooses its own prefixes)."""

from __future__ import annotations

from typing import Any

app_name = "consent"
urlpatterns: list[Any] = []
