"""The raw MIME upload endpoint: a provider's inbound webhook (or a script) posts one message.

`POST /mail/inboxes/<id>/raw/` with `Authorization: Bearer <inbox secret>` (the current or the
previous secret, compared in constant time); the body is the message as received. Answers 202
with the raw email's id and status once it is durable; a forged or missing token gets 401 and
nothing is stored.
"""

from __future__ import annotations

import hashlib
import hmac

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from atiende.inboxes.models import ChannelKind, Inbox
from atiende.mail.pipeline import ingest

ACCEPTED_TYPES = frozenset({"message/rfc822", "application/octet-stream", "text/plain"})


def _authorized(inbox: Inbox, header: str) -> bool:
    scheme, _space, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return False
    candidate = presented.strip().encode()
    # Compare against both secrets every time: the timing does not reveal which one matched.
    matches = [
        bool(secret) and hmac.compare_digest(candidate, secret.encode())
        for secret in (inbox.secret, inbox.previous_secret)
    ]
    return any(matches)


def _error(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@csrf_exempt
@require_POST
def upload_raw(request: HttpRequest, inbox_id: int) -> JsonResponse:
    inbox = Inbox.objects.filter(pk=inbox_id, channel=ChannelKind.EMAIL, is_active=True).first()
    # An unknown inbox answers like a bad token: ids are not confirmed to strangers.
    if inbox is None or not _authorized(inbox, request.headers.get("Authorization", "")):
        return _error(_("Invalid or missing token."), 401)
    content_type = request.content_type or ""
    if content_type not in ACCEPTED_TYPES:
        return _error(_("Send the message as message/rfc822."), 415)
    try:
        raw = request.body
    except RequestDataTooBig:
        return _error(_("The message is over the size limit."), 413)
    if not raw.strip():
        return _error(_("The body is empty."), 400)
    idempotency_key = request.headers.get("Idempotency-Key", "").strip()
    source_key = (
        f"upload:key:{idempotency_key[:200]}"
        if idempotency_key
        else f"upload:{hashlib.sha256(raw).hexdigest()}"
    )
    raw_email = ingest(inbox, raw, source="upload", source_key=source_key)
    return JsonResponse({"id": raw_email.pk, "status": raw_email.status}, status=202)
