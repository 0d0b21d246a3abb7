"""What WhatsApp, Messenger and Instagram share: Meta's Graph API and its webhooks.

The subscription handshake (`hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`) checks
the inbox's verify token; every delivery is signed `X-Hub-Signature-256: sha256=<hex>`, an
HMAC-SHA256 of the raw body with the app secret, checked constant-time against the current and
the previous app secret. The SHA-1 `X-Hub-Signature` is never accepted.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx

from atiende.inboxes.contract import DeliveryError, PermanentDeliveryError
from atiende.inboxes.models import Inbox
from atiende.social import client
from atiende.social.common import Report, credentials

GRAPH = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"
# Graph error codes that mean "too many calls": retried, whatever the HTTP status.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80007, 130429, 131056})


def graph_url(inbox: Inbox, path: str) -> str:
    version = str(inbox.config.get("api_version") or DEFAULT_VERSION).strip("/")
    return f"{client.base_url(inbox, GRAPH)}/{version}/{path.lstrip('/')}"


def bearer(inbox: Inbox) -> dict[str, str]:
    return {"authorization": f"Bearer {credentials(inbox).access_token}"}


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(inbox: Inbox, headers: dict[str, str], body: bytes) -> bool:
    given = headers.get("x-hub-signature-256", "")
    found = credentials(inbox)
    return any(
        hmac.compare_digest(signature(secret, body), given)
        for secret in (found.app_secret, found.previous_app_secret)
        if secret
    )


def handshake(inbox: Inbox, query: dict[str, str]) -> str | None:
    """The challenge to echo when Meta subscribes with the right verify token, else None."""
    expected = credentials(inbox).verify_token
    if query.get("hub.mode") != "subscribe" or not expected:
        return None
    if not hmac.compare_digest(query.get("hub.verify_token", ""), expected):
        return None
    return query.get("hub.challenge", "")


def error_detail(response: httpx.Response) -> str:
    """Graph's own words for a refusal: `message (code/subcode)`."""
    error = client.json_of(response).get("error")
    if not isinstance(error, dict):
        return response.reason_phrase or str(response.status_code)
    codes = "/".join(str(error[key]) for key in ("code", "error_subcode") if key in error)
    message = str(error.get("message") or error.get("error_user_msg") or "")
    details = error.get("error_data", {})
    if isinstance(details, dict) and details.get("details"):
        message = f"{message} {details['details']}"
    return f"{message} ({codes})" if codes else message


def check(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON when Graph accepted the call; else the outbox's error."""
    if response.is_success:
        return client.json_of(response)
    error = client.json_of(response).get("error")
    code = error.get("code") if isinstance(error, dict) else None
    if code in RATE_LIMIT_CODES:
        raise DeliveryError(f"{response.status_code}: {error_detail(response)}")
    client.check_answer(response, error_detail(response))
    raise PermanentDeliveryError(error_detail(response))  # pragma: no cover - check_answer raised


def get(inbox: Inbox, path: str, **params: str) -> httpx.Response:
    token = credentials(inbox).access_token
    return client.call(
        "GET", graph_url(inbox, path), headers=bearer(inbox), params=params, hide=(token,)
    )


def post(inbox: Inbox, path: str, **kwargs: Any) -> dict[str, Any]:
    token = credentials(inbox).access_token
    response = client.call(
        "POST", graph_url(inbox, path), headers=bearer(inbox), hide=(token,), **kwargs
    )
    return check(response)


def test_connection(inbox: Inbox, path: str, fields: str) -> Report:
    """Ask Graph who the inbox's token speaks for: its answer, or its refusal, as it was."""
    try:
        response = get(inbox, path, fields=fields)
    except DeliveryError as exc:
        return Report(False, (str(exc),))
    if not response.is_success:
        return Report(False, (f"HTTP {response.status_code}", error_detail(response)))
    answer = client.json_of(response)
    lines = [f"HTTP {response.status_code}"]
    lines += [f"{name}: {answer[name]}" for name in fields.split(",") if name in answer]
    return Report(True, tuple(lines))
