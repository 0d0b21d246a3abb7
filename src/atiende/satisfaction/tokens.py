"""The survey link's token: signed with the site's secret, it names one survey and expires.

Nothing is stored for it: the signature makes it unforgeable, the timestamp inside it makes it
expire (`ATIENDE_SURVEY_LINK_MAX_AGE` seconds, default 14 days), and what "once" means is kept
on the survey itself (the same rating twice changes nothing; another one replaces it).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "atiende.satisfaction.survey"
MAX_TOKEN_LENGTH = 300


class InvalidToken(Exception):
    """Tampered with, truncated, or not a survey token at all."""


class ExpiredToken(InvalidToken):
    """Genuine, but older than the links' lifetime."""


def max_age() -> int:
    return int(settings.ATIENDE_SURVEY_LINK_MAX_AGE)


def make_token(survey_id: int) -> str:
    return signing.dumps({"s": survey_id}, salt=SALT)


def survey_url(survey_id: int, rating: str = "") -> str:
    url = f"{settings.SITE_URL}{reverse('satisfaction:survey', args=[make_token(survey_id)])}"
    return f"{url}?rating={rating}" if rating else url


def survey_id_from(token: str) -> int:
    """The survey the token names; ExpiredToken or InvalidToken otherwise."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("too long")
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.SignatureExpired as exc:
        raise ExpiredToken(str(exc)) from exc
    except signing.BadSignature as exc:
        raise InvalidToken(str(exc)) from exc
    survey_id = payload.get("s") if isinstance(payload, dict) else None
    if not isinstance(survey_id, int):
        raise InvalidToken("malformed")
    return survey_id
