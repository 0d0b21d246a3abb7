"""From a committed event to signed HTTP requests: the subscriber, the tasks, the retries.

1. `on_event` (an after-commit subscriber, quick): for each active endpoint that wants the
   event, queue `webhooks.deliver_event` under the key `webhook:<endpoint>:<event>`, so a
   repeated notice queues nothing new.
2. `deliver_event` builds the body once and stores it with the delivery (unique per endpoint
   and event: a task run twice finds the same row), then makes attempt 1.
3. `attempt` sends; each attempt is a row of the log. An answer 2xx ends the delivery; 5xx,
   408, 429, a timeout or a connection error queue the next attempt (`webhooks.attempt`, keyed
   by delivery and attempt number) after an exponential backoff or the answer's Retry-After,
   for up to a day; any other answer, or an address that may not be called, ends it as failed.
   An attempt already recorded is never made again: a task that runs twice (its worker was
   killed after recording) sends nothing.
4. After `ATIENDE_WEBHOOKS_DISABLE_AFTER` deliveries in a row failed for good, the endpoint is
   disabled, with the reason shown to admins.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from atiende.core import callbacks, events, recurring, tasks
from atiende.core.models import Event
from atiende.webhooks import conf, payloads
from atiende.webhooks.kinds import KINDS
from atiende.webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint

logger = logging.getLogger(__name__)

DELIVER_EVENT = "webhooks.deliver_event"
ATTEMPT = "webhooks.attempt"
PRUNE = "webhooks.prune"
RESPONSE_BODY_LIMIT = 1024
USER_AGENT = "atiende-webhooks/1"
FINISHED = frozenset({DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED})


# --- Which endpoints want an event -------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """What the subscriber needs of an active endpoint."""

    endpoint_id: int
    kinds: frozenset[str]
    inbox_id: int | None
    include_notes: bool

    def wants(self, event: Event) -> bool:
        if "*" not in self.kinds and event.kind not in self.kinds:
            return False
        if event.kind == "message.created" and not self.include_notes:
            data = event.data if isinstance(event.data, dict) else {}
            if data.get("direction") == "note":
                return False
        if self.inbox_id is not None:
            return _inbox_of(event) == self.inbox_id
        return True


def _inbox_of(event: Event) -> int | None:
    if event.conversation_id is None:
        return None
    try:
        conversation = event.conversation  # cached when recorded in this process
    except Exception:  # the conversation row is gone (events outlive it: DO_NOTHING)
        return None
    return conversation.inbox_id if conversation is not None else None


_routes_lock = threading.Lock()
_routes_cache: tuple[float, list[Route]] | None = None


def routes() -> list[Route]:
    """The active endpoints, reused for `ATIENDE_WEBHOOKS_ENDPOINT_CACHE_SECONDS`."""
    global _routes_cache
    ttl = conf.endpoint_cache_seconds()
    now = time.monotonic()
    cached = _routes_cache
    if ttl > 0 and cached is not None and now - cached[0] < ttl:
        return cached[1]
    found = [
        Route(
            endpoint_id=endpoint.pk,
            kinds=frozenset(endpoint.kinds or ()),
            inbox_id=endpoint.inbox_id,
            include_notes=endpoint.include_notes,
        )
        for endpoint in Endpoint.objects.filter(is_active=True).only(
            "id", "kinds", "inbox_id", "include_notes"
        )
    ]
    with _routes_lock:
        _routes_cache = (now, found)
    return found


def forget_routes(**kwargs: Any) -> None:
    """An endpoint changed in this process: the next event reads them again."""
    global _routes_cache
    with _routes_lock:
        _routes_cache = None


def on_event(event: Event) -> None:
    """After commit: queue one delivery task per endpoint that wants `event`."""
    wanted = [route for route in routes() if route.wants(event)]
    if not wanted:
        return
    with transaction.atomic():  # one commit for all of them
        for route in wanted:
            tasks.enqueue(
                DELIVER_EVENT,
                {"endpoint_id": route.endpoint_id, "event_id": event.pk},
                key=f"webhook:{route.endpoint_id}:{event.pk}",
            )


def subscribe_all() -> None:
    from atiende.core import hooks

    for kind in KINDS:
        hooks.subscribe(kind, on_event)


# --- Deliveries and attempts -------------------------------------------------------------------


@tasks.task(DELIVER_EVENT)
def deliver_event(payload: dict[str, Any]) -> None:
    endpoint = Endpoint.objects.filter(pk=payload["endpoint_id"]).first()
    event = Event.objects.filter(pk=payload["event_id"]).first()
    if endpoint is None or event is None:
        return  # the endpoint was deleted meanwhile
    delivery = Delivery.objects.filter(endpoint=endpoint, event=event, manual=False).first()
    if delivery is None:
        Delivery.objects.bulk_create(
            [
                Delivery(
                    endpoint=endpoint,
                    event=event,
                    kind=event.kind,
                    body=payloads.event_body(event),
                )
            ],
            ignore_conflicts=True,  # a twin run made it meanwhile: theirs is the one
        )
        delivery = Delivery.objects.get(endpoint=endpoint, event=event, manual=False)
    attempt(delivery.pk, 1)


@tasks.task(ATTEMPT)
def attempt_task(payload: dict[str, Any]) -> None:
    attempt(int(payload["delivery_id"]), int(payload["number"]))


@dataclass
class Outcome:
    status_code: int | None = None
    error: str = ""
    response_body: str = ""
    retry_after: float | None = None
    refused: bool = False
    duration_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        if self.refused:
            return False
        if self.status_code is None:
            return True  # timeout, connection refused or reset
        return self.status_code >= 500 or self.status_code in {408, 429}


def headers_for(delivery: Delivery, body: bytes) -> dict[str, str]:
    endpoint = delivery.endpoint
    timestamp = int(time.time())
    # During a rotation both secrets sign: `t=...,v1=<new>,v1=<previous>`, as Stripe does.
    signatures = [callbacks.sign(secret, timestamp, body) for secret in endpoint.signing_secrets()]
    header = ",".join([signatures[0]] + [s.split(",", 1)[1] for s in signatures[1:]])
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        callbacks.SIGNATURE_HEADER: header,
        "X-Atiende-Event": delivery.kind,
        "X-Atiende-Delivery": str(delivery.uuid),
    }


def send(delivery: Delivery) -> Outcome:
    """One POST of the delivery's body; reads at most 1 KB of the answer."""
    body = delivery.body.encode()
    outcome = Outcome()
    started = time.monotonic()
    try:
        callbacks.check_url(delivery.endpoint.url)
        with (
            callbacks.client(timeout=conf.timeout(), allow_private=conf.allow_private()) as http,
            http.stream(
                "POST", delivery.endpoint.url, content=body, headers=headers_for(delivery, body)
            ) as response,
        ):
            outcome.status_code = response.status_code
            outcome.retry_after = retry_after_seconds(response.headers.get("retry-after", ""))
            head = b""
            for chunk in response.iter_bytes():
                head += chunk
                if len(head) >= RESPONSE_BODY_LIMIT:
                    break
            outcome.response_body = head[:RESPONSE_BODY_LIMIT].decode("utf-8", "replace")
    except (callbacks.DestinationRefused, httpx.InvalidURL) as exc:
        outcome.refused = True
        outcome.error = str(exc)
    except httpx.TimeoutException as exc:
        outcome.error = f"timed out after {conf.timeout():g} s ({type(exc).__name__})"
    except httpx.HTTPError as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
    if outcome.status_code is not None and 300 <= outcome.status_code < 400:
        outcome.error = "redirects are not followed"
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    return outcome


def retry_after_seconds(value: str) -> float | None:
    """`Retry-After: <seconds>` or `Retry-After: <HTTP date>`; None when absent or unreadable."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def next_delay(number: int, retry_after: float | None) -> float:
    """Seconds before attempt `number + 1`: the receiver's Retry-After if it gave one, else
    base * 2^(number-1) with 25 % jitter either way; never more than the cap."""
    if retry_after is not None:
        return min(retry_after, conf.retry_cap())
    base = conf.retry_base() * 2.0 ** (number - 1)
    jitter = 0.75 + random.random() / 2  # noqa: S311 - jitter, not security
    return min(conf.retry_cap(), base * jitter)


def attempt(delivery_id: int, number: int) -> None:
    """Make attempt `number` of a delivery, unless it was made already or the delivery ended."""
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in FINISHED or delivery.attempts >= number:
        return
    if not delivery.endpoint.is_active and not delivery.manual:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED,
            finished_at=timezone.now(),
            next_attempt_at=None,
            last_error="the endpoint is disabled",
        )
        return
    started_at = timezone.now()
    outcome = send(delivery)
    _record(delivery, number, started_at, outcome)


def _record(delivery: Delivery, number: int, started_at: datetime, outcome: Outcome) -> None:
    now = timezone.now()
    delay = next_delay(number, outcome.retry_after)
    window_ends = delivery.created_at + timedelta(seconds=conf.retry_window())
    retry = (
        not outcome.succeeded
        and outcome.retryable
        and not delivery.manual  # a redelivery or a ping is one attempt: the admin watches it
        and number < conf.max_attempts()
        and now + timedelta(seconds=delay) <= window_ends
    )
    if outcome.succeeded:
        status = DeliveryStatus.SUCCEEDED
    else:
        status = DeliveryStatus.RETRYING if retry else DeliveryStatus.FAILED
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started_at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error[:2000],
            response_body=outcome.response_body,
        )
        Delivery.objects.filter(pk=delivery.pk).update(
            attempts=number,
            status=status,
            last_status_code=outcome.status_code,
            last_error=outcome.error[:2000],
            next_attempt_at=now + timedelta(seconds=delay) if retry else None,
            finished_at=None if retry else now,
        )
        if retry:
            tasks.enqueue(
                ATTEMPT,
                {"delivery_id": delivery.pk, "number": number + 1},
                key=f"webhook-attempt:{delivery.pk}:{number + 1}",
                delay=delay,
            )
        elif outcome.succeeded:
            Endpoint.objects.filter(pk=delivery.endpoint_id, consecutive_failures__gt=0).update(
                consecutive_failures=0
            )
        elif not delivery.manual:
            _count_failure(delivery.endpoint_id, outcome)


def describe(outcome: Outcome) -> str:
    if outcome.status_code is not None:
        return _("the answer was HTTP %(status)s") % {"status": outcome.status_code}
    return outcome.error


def _count_failure(endpoint_id: int, outcome: Outcome) -> None:
    """A delivery failed for good: one more in a row; at the limit the endpoint is disabled."""
    Endpoint.objects.filter(pk=endpoint_id).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
    limit = conf.disable_after()
    if not endpoint.is_active or endpoint.consecutive_failures < limit:
        return
    with translation.override(settings.LANGUAGE_CODE):
        reason = ngettext(
            "Disabled: %(count)d delivery failed; the last: %(last)s.",
            "Disabled: %(count)d deliveries in a row failed; the last: %(last)s.",
            endpoint.consecutive_failures,
        ) % {"count": endpoint.consecutive_failures, "last": describe(outcome)}
    endpoint.is_active = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = reason
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    events.record(
        "webhook.endpoint_disabled",
        data={"endpoint_id": endpoint.pk, "reason": reason},
        publish=False,
    )
    logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)


def queue_manual(endpoint: Endpoint, *, kind: str, body: str, event: Event | None) -> Delivery:
    """A delivery an admin asked for (a redelivery, a test ping): one attempt, queued."""
    delivery = Delivery.objects.create(
        endpoint=endpoint, event=event, kind=kind, body=body, manual=True, uuid=uuid.uuid4()
    )
    tasks.enqueue(
        ATTEMPT,
        {"delivery_id": delivery.pk, "number": 1},
        key=f"webhook-attempt:{delivery.pk}:1",
    )
    return delivery


# --- Pruning the log ---------------------------------------------------------------------------


@tasks.task(PRUNE)
def prune(payload: dict[str, Any]) -> None:
    prune_log()
    recurring.schedule_next(PRUNE)


def prune_log(batch: int = 1000) -> int:
    """Delete finished deliveries (and their attempts) older than `ATIENDE_WEBHOOKS_LOG_DAYS`."""
    cutoff = timezone.now() - timedelta(days=conf.log_days())
    deleted = 0
    while True:
        ids = list(
            Delivery.objects.filter(finished_at__lt=cutoff).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            Attempt.objects.filter(delivery_id__in=ids).delete()
            Delivery.objects.filter(pk__in=ids).delete()
        deleted += len(ids)


recurring.every(PRUNE, lambda: 3600)
