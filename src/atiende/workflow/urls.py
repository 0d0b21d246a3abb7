"""URL routes of the workflow app (mounted at the site root: the app chooses its own prefixes)."""

from __future__ import annotations

from typing import Any

app_name = "workflow"
urlpatterns: list[Any] = []
