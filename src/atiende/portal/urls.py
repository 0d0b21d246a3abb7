"""URL routes of this app."""

from typing import Any

app_name = "portal"

urlpatterns: list[Any] = []
