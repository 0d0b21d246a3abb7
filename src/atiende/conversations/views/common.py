"""Small helpers the inbox views share."""

from __future__ import annotations

from django.http import HttpRequest

from atiende.people.models import User


def agent(request: HttpRequest) -> User:
    """The signed-in agent (views are behind login_required, so never anonymous)."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("an agent view was reached without a signed-in agent")
    return user


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
