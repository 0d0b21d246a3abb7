"""URL routes of the REST API (mounted at /api/ by the project's URL map). Anything under
/api/ that matches no route answers with a JSON 404, like every other API error."""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import re_path
from django.utils.translation import gettext as _

from atiende.api.main import api

app_name = "api"


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse({"detail": _("Not found.")}, status=404)


urlpatterns: list[Any] = [*api.urls[0], re_path(r"^(?P<rest>.*)$", not_found)]
