"""Creating, revoking and checking API tokens. Tokens carry 256 bits from `secrets`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.api.models import ApiToken
from atiende.core import events, rawsql
from atiende.core.errors import ActionError
from atiende.people.models import User

TOKEN_PREFIX = "atk_"  # noqa: S105 - a marker that makes leaked tokens easy to scan for
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
MAX_TOKEN_LENGTH = 200
# `last_used_at` is refreshed at most this often, so busy integrations do not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`; the raw token is returned once and never stored."""
    if not user.is_active:
        raise ActionError(_("That agent is not active."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name[:100], user=user, prefix=raw[:PREFIX_LENGTH], token_hash=hash_token(raw)
        )
        events.record(
            "api_token.created",
            actor_user=user,
            data={"token_id": token.pk, "prefix": token.prefix, "name": token.name},
            publish=False,
        )
    return token, raw


def revoke_token(token: ApiToken, actor: User | None = None) -> ApiToken:
    """Stop a token from working; the record stays for the audit trail."""
    if token.revoked:
        return token
    with transaction.atomic():
        token.revoked = True
        token.save(update_fields=["revoked"])
        events.record(
            "api_token.revoked",
            actor_user=actor,
            data={"token_id": token.pk, "prefix": token.prefix, "user_id": token.user_id},
            publish=False,
        )
    return token


# Every API request asks: compiled once (`rawsql.Select`).
_BY_PREFIX = rawsql.Select(
    lambda prefix: ApiToken.objects.select_related("user").filter(prefix=prefix, revoked=False),
    str,
)


def authenticate(raw: str) -> User | None:
    """The active agent a token acts as, or None for an unknown, revoked or malformed token."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(raw)
    for token in _BY_PREFIX.fetch(raw[:PREFIX_LENGTH]):
        # The prefix narrows the lookup; the hash comparison takes constant time.
        if hmac.compare_digest(token.token_hash, digest) and token.user.is_active:
            _mark_used(token)
            return token.user
    return None


def _mark_used(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
