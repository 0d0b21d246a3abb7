"""Who is calling: an integration's bearer token, an agent's browser session, or a customer's
portal session. Session requests must pass Django's CSRF check for unsafe methods; bearer
requests need not (a browser never attaches that header on its own)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from atiende.api import tokens
from atiende.people.models import Contact, User
from atiende.portal.session import current_contact

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _require_csrf(request: HttpRequest) -> None:
    if request.method not in SAFE_METHODS and check_csrf(request) is not None:
        raise HttpError(403, "CSRF check failed.")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer atk_…`: the token acts as the agent it belongs to."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = tokens.authenticate(token.strip())
        if user is not None:
            request.user = user
        return user


class AgentSessionAuth(APIKeyCookie):
    """The agent UI's own session (CSRF enforced for unsafe methods)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked below, and only once we know who is calling

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if "authorization" in request.headers:
            return None  # a request that presents a token is judged by the token alone
        user: Any = getattr(request, "user", None)
        if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
            return None
        _require_csrf(request)
        return user


class CustomerSessionAuth(APIKeyCookie):
    """A customer signed in to the portal (CSRF enforced for unsafe methods)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Contact | None:
        if "authorization" in request.headers or not hasattr(request, "session"):
            return None
        contact = current_contact(request)
        if contact is None:
            return None
        _require_csrf(request)
        return contact


token_auth = TokenAuth()
agent_session_auth = AgentSessionAuth()
customer_session_auth = CustomerSessionAuth()
AGENT_AUTH = [token_auth, agent_session_auth]
CUSTOMER_AUTH = [customer_session_auth]


def agent_of(request: HttpRequest) -> User:
    """The agent an authenticated agent endpoint acts for."""
    actor = getattr(request, "auth", None)
    if not isinstance(actor, User):
        raise HttpError(401, "Unauthorized")
    return actor


def customer_of(request: HttpRequest) -> Contact:
    """The signed-in customer of a customer endpoint."""
    actor = getattr(request, "auth", None)
    if not isinstance(actor, Contact):
        raise HttpError(401, "Unauthorized")
    return actor
