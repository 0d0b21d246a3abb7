"""Every API error is JSON with one `detail` key and a 4xx status; nothing a client sends
turns into a 500."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from atiende.core.errors import ActionError


class PayloadTooLarge(ActionError):
    """An upload over the size limit (HTTP 413)."""

    status_code = 413


def _loc(location: Any) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in location]


def validation_detail(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors without their `ctx`/`input` (which can hold exceptions or echo
    megabytes of input back): where, what, and a machine-readable type."""
    return [
        {
            "loc": _loc(error.get("loc", ())),
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]


def _status_and_detail(exc: object) -> tuple[int, str | list[dict[str, Any]]]:
    if isinstance(exc, ActionError):
        return exc.status_code, str(exc.detail)
    if isinstance(exc, ValidationError):
        return 422, validation_detail(list(exc.errors))
    if isinstance(exc, AuthenticationError):
        return 401, _("Authentication credentials were not provided or are invalid.")
    if isinstance(exc, HttpError):
        return exc.status_code, str(exc)
    if isinstance(exc, Http404):
        return 404, _("Not found.")
    return 400, _("The request could not be read.")


def install(api: NinjaAPI) -> None:
    """Route every error the API knows to one JSON shape: `{"detail": ...}`."""

    def handle(request: HttpRequest, exc: object) -> HttpResponse:
        status, detail = _status_and_detail(exc)
        response = api.create_response(request, {"detail": detail}, status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="atiende"'
        return response

    for kind in (
        ActionError,
        ValidationError,
        AuthenticationError,
        HttpError,
        Http404,
        MultiPartParserError,
        SuspiciousOperation,
        BadRequest,
        UnicodeDecodeError,
    ):
        api.add_exception_handler(kind, handle)
