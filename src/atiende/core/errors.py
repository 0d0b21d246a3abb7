"""Errors that actions raise; the API turns them into 4xx with one `detail` key."""

from __future__ import annotations


class ActionError(Exception):
    """A request that cannot be carried out as asked (maps to HTTP 400)."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotAllowed(ActionError):
    """The actor may not do this (HTTP 403)."""

    status_code = 403


class NotFound(ActionError):
    """Nothing by that id that the actor may see (HTTP 404: existence is not revealed)."""

    status_code = 404


class Conflict(ActionError):
    """The object is not in a state that allows this (HTTP 409)."""

    status_code = 409
