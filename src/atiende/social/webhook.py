"""The one webhook endpoint of every social inbox, and the task that reads what it stored.

`/social/<inbox id>/webhook`: GET answers the provider's subscription handshake; POST checks
the size, then the signature over the raw body (403 and nothing stored when it does not match),
then that the body is the provider's JSON, stores it under its idempotency key and answers 200
only after that commit. The worker turns the stored delivery into messages and statuses
(`social_process`), retried with backoff: a provider that is slow to hand over a file delays a
message, it does not lose it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Protocol, cast

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from atiende.core import masking, tasks
from atiende.inboxes.contract import ChannelAdapter
from atiende.inboxes.models import Inbox
from atiende.inboxes.registry import adapter_for
from atiende.social.common import Report
from atiende.social.models import SOCIAL_CHANNELS, EventStatus, WebhookEvent

logger = logging.getLogger(__name__)

# Provider webhooks are a few kilobytes (files come by id or URL, not inline).
MAX_BODY = 1024 * 1024
TASK = "social_process"


class SocialAdapter(ChannelAdapter, Protocol):
    def handshake(self, inbox: Inbox, query: dict[str, str]) -> str | dict[str, str] | None: ...

    def accepts(self, payload: dict[str, Any]) -> bool: ...

    def event_key(self, payload: dict[str, Any], digest: str) -> str: ...

    def process(self, inbox: Inbox, payload: dict[str, Any]) -> list[str]: ...

    def test_connection(self, inbox: Inbox) -> Report: ...


def social_adapter(inbox: Inbox) -> SocialAdapter:
    return cast(SocialAdapter, adapter_for(inbox))


def _refuse(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = Inbox.objects.filter(pk=inbox_id, channel__in=SOCIAL_CHANNELS, is_active=True).first()
    if inbox is None:
        return _refuse(404, _("No such inbox."))
    adapter = social_adapter(inbox)
    if request.method == "GET":
        challenge = adapter.handshake(inbox, request.GET.dict())
        if challenge is None:
            return _refuse(403, _("The verify token does not match."))
        if isinstance(challenge, dict):  # X's CRC answer is JSON
            return JsonResponse(challenge)
        return HttpResponse(challenge, content_type="text/plain")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY:
        return _refuse(413, _("The request is too large."))
    body = request.body
    if len(body) > MAX_BODY:
        return _refuse(413, _("The request is too large."))
    headers = {name.lower(): value for name, value in request.headers.items()}
    if not adapter.verify_signature(inbox, headers, body):
        logger.warning("inbox %s: webhook with a bad signature refused", inbox.pk)
        return _refuse(403, _("The signature does not match."))
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _refuse(400, _("The body is not JSON."))
    if not isinstance(payload, dict) or not adapter.accepts(payload):
        return _refuse(400, _("This inbox does not take this kind of webhook."))
    key = adapter.event_key(payload, hashlib.sha256(body).hexdigest())
    with transaction.atomic():
        event, created = WebhookEvent.objects.get_or_create(
            inbox=inbox, key=key[:100], defaults={"body": body.decode("utf-8")}
        )
        if created:
            tasks.enqueue(TASK, {"event_id": event.pk}, key=f"{TASK}:{event.pk}")
    # Committed: the provider may forget it now.
    return JsonResponse({"ok": True})


def _finish(event_id: int, status: str, error: str = "") -> None:
    """Record the outcome. The raw body keeps no secret a customer pasted (SECURITY.md I8): the
    message holds it masked, and the stored delivery is masked the same way once read."""
    body = WebhookEvent.objects.filter(pk=event_id).values_list("body", flat=True).first()
    if body is None:
        return
    masked = masking.mask_secrets(body)
    fields: dict[str, Any] = {"body": masked.text} if masked.masked else {}
    WebhookEvent.objects.filter(pk=event_id).update(
        status=status, error=error[:2000], processed_at=timezone.now(), **fields
    )


def _whole_characters(value: Any) -> Any:
    """JSON may escape half an emoji (a lone UTF-16 surrogate, `\\ud83d`), which no database
    stores: each becomes U+FFFD, so the rest of the message is kept. Pairs are already whole."""
    if isinstance(value, str):
        if not any("\ud800" <= char <= "\udfff" for char in value):
            return value
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_whole_characters(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_characters(item) for key, item in value.items()}
    return value


def _give_up(payload: dict[str, Any], error: str) -> None:
    _finish(payload["event_id"], EventStatus.FAILED, error)


@tasks.task(TASK, on_give_up=_give_up)
def process_event(payload: dict[str, Any]) -> None:
    """Messages and statuses from one stored delivery; run again, it stores nothing twice. An
    item the adapter could not read is named in the delivery's error; the others are kept."""
    event = WebhookEvent.objects.select_related("inbox").filter(pk=payload["event_id"]).first()
    if event is None or event.status == EventStatus.DONE:
        return
    try:
        payload = _whole_characters(json.loads(event.body))
        problems = social_adapter(event.inbox).process(event.inbox, payload)
    except Exception as exc:
        WebhookEvent.objects.filter(pk=event.pk).update(error=str(exc)[:2000])
        raise
    # Done, with the items that could not be read named (the others are stored).
    _finish(event.pk, EventStatus.DONE, "\n".join(problems))
