"""URL routes of the REST API (mounted at /api/ by the project's URL map)."""

from typing import Any

from atiende.api.main import api

app_name = "api"

urlpatterns: list[Any] = api.urls[0]
