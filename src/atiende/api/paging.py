"""Pagination: keyset cursors over (last activity, id) for conversations, `after` ids or
sequence numbers elsewhere, and the `next` link that carries the request's other filters."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from atiende.api.schemas import BIGINT_MAX
from atiende.core.errors import ActionError


def next_link(request: HttpRequest, **params: str | int) -> str:
    """This request's path and query with `params` replaced."""
    query = request.GET.copy()
    for key, value in params.items():
        query[key] = str(value)
    return f"{request.path}?{query.urlencode()}"


def encode_cursor(moment: datetime, pk: int) -> str:
    raw = f"{moment.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment_text, pk_text = raw.split("|", 1)
        moment, pk = datetime.fromisoformat(moment_text), int(pk_text)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ActionError(_("The cursor is not valid.")) from exc
    if moment.tzinfo is None or not 1 <= pk <= BIGINT_MAX:
        raise ActionError(_("The cursor is not valid."))
    return moment, pk


def recent_first[M: Model](
    queryset: QuerySet[M], cursor: str, limit: int, field: str = "last_message_at"
) -> tuple[list[M], str | None]:
    """One page of `queryset` newest first by (`field`, id) after `cursor`, and the next
    cursor (None on the last page)."""
    if cursor:
        moment, pk = decode_cursor(cursor)
        queryset = queryset.filter(
            Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "pk__lt": pk})
        )
    items = list(queryset.order_by(f"-{field}", "-pk")[: limit + 1])
    if len(items) <= limit:
        return items, None
    items = items[:limit]
    last = items[-1]
    return items, encode_cursor(getattr(last, field), last.pk)
