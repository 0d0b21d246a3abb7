"""Signed, expiring, single-use sign-in links that let a customer into the portal.

A link carries the email address it was sent to (the customer proves they own it by opening
it), the conversation to show, and a 128-bit nonce that is spent on first use.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

from atiende.people.lookup import contact_for_identity
from atiende.people.models import Contact, IdentityKind, normalize_identity
from atiende.portal.models import SpentLink

SALT = "atiende.portal.signin"


@dataclass(frozen=True)
class LinkClaim:
    email: str
    conversation_id: int | None


class InvalidLink(Exception):
    """Expired, tampered with, or already used."""


def make_token(email: str, conversation_id: int | None = None) -> str:
    payload = {
        "e": normalize_identity(IdentityKind.EMAIL, email),
        "c": conversation_id,
        "n": secrets.token_urlsafe(16),
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def portal_link_for(email: str, conversation_id: int | None = None) -> str:
    return f"{settings.SITE_URL}/portal/signin/{make_token(email, conversation_id)}/"


def _load(token: str) -> tuple[str, dict[str, object]]:
    """The link's nonce and payload, when the signature and age are good."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.ATIENDE_PORTAL_LINK_MAX_AGE)
    except signing.BadSignature as exc:  # includes SignatureExpired
        raise InvalidLink(str(exc)) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("n"), str):
        raise InvalidLink("malformed link")
    return payload["n"], payload


def _claim(payload: dict[str, object]) -> LinkClaim:
    conversation = payload.get("c")
    return LinkClaim(
        email=str(payload.get("e", "")),
        conversation_id=conversation if isinstance(conversation, int) else None,
    )


def check(token: str) -> LinkClaim:
    """What `redeem` would accept, without spending the link (for the confirmation page that a
    mail client's link scanner may open)."""
    nonce, payload = _load(token)
    if SpentLink.objects.filter(nonce=nonce).exists():
        raise InvalidLink("link already used")
    return _claim(payload)


def redeem(token: str) -> LinkClaim:
    """Check the signature and age, and spend the nonce; InvalidLink otherwise."""
    nonce, payload = _load(token)
    try:
        with transaction.atomic():
            SpentLink.objects.create(nonce=nonce)
    except IntegrityError as exc:
        raise InvalidLink("link already used") from exc
    return _claim(payload)


def contact_for_email(email: str) -> Contact | None:
    """The contact who owns this email identity (following merges), if any."""
    return contact_for_identity(IdentityKind.EMAIL, email)
