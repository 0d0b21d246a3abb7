"""URL routes of this app."""

from typing import Any

app_name = "inbox"

urlpatterns: list[Any] = []
