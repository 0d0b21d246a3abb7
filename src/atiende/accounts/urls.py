"""URL routes of the accounts app (mounted at the site root: the app chooses its own prefixes)."""

from __future__ import annotations

from typing import Any

app_name = "accounts"
urlpatterns: list[Any] = []
