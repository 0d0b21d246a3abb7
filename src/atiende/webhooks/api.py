"""REST endpoints to manage webhooks (mounted at /api/webhooks/ by atiende.api.main), for
admins only: endpoints, their secret (in the answer to a create or a rotation, never again),
test pings, the delivery log and redeliveries. Every change goes through `webhooks.actions`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import BaseModel, Field

from atiende.api import paging
from atiende.api.auth import AGENT_AUTH, agent_of
from atiende.api.params import IdPath, Page
from atiende.api.schemas import Error, ObjectId, Storable, Text50, Text200, WriteSchema
from atiende.core.errors import NotAllowed, NotFound
from atiende.inboxes.models import Inbox
from atiende.people.models import Role, User
from atiende.webhooks import actions, kinds
from atiende.webhooks.admin import mask
from atiende.webhooks.models import Attempt, Delivery, Endpoint

router = Router(tags=["webhooks"], auth=AGENT_AUTH)

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
Url = Annotated[str, Field(min_length=8, max_length=2000), Storable]
Kinds = Annotated[list[Text50], Field(min_length=1, max_length=50)]


class EndpointIn(WriteSchema):
    url: Url
    kinds: Kinds
    description: Text200 = ""
    inbox_id: ObjectId | None = None
    include_notes: bool = False
    is_active: bool = True


class EndpointPatch(WriteSchema):
    url: Url | None = None
    kinds: Kinds | None = None
    description: Text200 | None = None
    # null removes the inbox filter; leaving the key out changes nothing.
    inbox_id: ObjectId | None = None
    include_notes: bool | None = None
    is_active: bool | None = None


class EndpointOut(BaseModel):
    id: int
    url: str
    description: str
    kinds: list[str]
    inbox_id: int | None
    include_notes: bool
    is_active: bool
    # The first characters only: enough to tell two secrets apart.
    secret_hint: str
    previous_secret_expires_at: datetime | None
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str
    created_at: datetime


class EndpointWithSecret(EndpointOut):
    # The whole signing secret: in this answer only (create, rotate), never again.
    secret: str


class EndpointList(BaseModel):
    results: list[EndpointOut]


class AttemptOut(BaseModel):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str
    response_body: str


class DeliveryOut(BaseModel):
    id: UUID
    endpoint_id: int
    event_id: int | None
    kind: str
    manual: bool
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    created_at: datetime
    finished_at: datetime | None
    log: list[AttemptOut]


class DeliveryPage(BaseModel):
    results: list[DeliveryOut]
    next: str | None


class DeliveryFilters(Page):
    offset: int = Field(0, ge=0, le=1_000_000)


class KindOut(BaseModel):
    kind: str
    description: str


def _admin(request: HttpRequest) -> User:
    user = agent_of(request)
    if user.role != Role.ADMIN and not user.is_superuser:
        raise NotAllowed(_("Only admins manage webhooks."))
    return user


def _endpoint(endpoint_id: int) -> Endpoint:
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(_("Not found."))
    return endpoint


def _inbox(inbox_id: int | None) -> Inbox | None:
    if inbox_id is None:
        return None
    inbox = Inbox.objects.filter(pk=inbox_id).first()
    if inbox is None:
        raise NotFound(_("No such inbox."))
    return inbox


def _present(endpoint: Endpoint) -> EndpointOut:
    return EndpointOut(
        id=endpoint.pk,
        url=endpoint.url,
        description=endpoint.description,
        kinds=list(endpoint.kinds),
        inbox_id=endpoint.inbox_id,
        include_notes=endpoint.include_notes,
        is_active=endpoint.is_active,
        secret_hint=mask(endpoint.secret),
        previous_secret_expires_at=endpoint.previous_secret_expires_at,
        consecutive_failures=endpoint.consecutive_failures,
        disabled_at=endpoint.disabled_at,
        disabled_reason=endpoint.disabled_reason,
        created_at=endpoint.created_at,
    )


def _with_secret(endpoint: Endpoint) -> EndpointWithSecret:
    return EndpointWithSecret(**_present(endpoint).model_dump(), secret=endpoint.secret)


def _attempt(item: Attempt) -> AttemptOut:
    return AttemptOut(
        number=item.number,
        started_at=item.started_at,
        duration_ms=item.duration_ms,
        status_code=item.status_code,
        error=item.error,
        response_body=item.response_body,
    )


def _delivery(item: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=item.uuid,
        endpoint_id=item.endpoint_id,
        event_id=item.event_id,
        kind=item.kind,
        manual=item.manual,
        status=item.status,
        attempts=item.attempts,
        next_attempt_at=item.next_attempt_at,
        last_status_code=item.last_status_code,
        last_error=item.last_error,
        created_at=item.created_at,
        finished_at=item.finished_at,
        log=[_attempt(attempt) for attempt in item.attempt_log.all()],
    )


@router.get("/kinds", response={200: list[KindOut], **ERRORS}, operation_id="list_webhook_kinds")
def list_kinds(request: HttpRequest) -> list[KindOut]:
    """The event kinds an endpoint may subscribe to (`*` subscribes to all of them)."""
    _admin(request)
    return [KindOut(kind=kind, description=str(label)) for kind, label in kinds.choices()]


@router.get(
    "/endpoints", response={200: EndpointList, **ERRORS}, operation_id="list_webhook_endpoints"
)
def list_endpoints(request: HttpRequest) -> EndpointList:
    _admin(request)
    return EndpointList(results=[_present(e) for e in Endpoint.objects.order_by("pk")])


@router.post(
    "/endpoints",
    response={201: EndpointWithSecret, **ERRORS},
    operation_id="create_webhook_endpoint",
)
def create_endpoint(request: HttpRequest, payload: EndpointIn) -> Status[EndpointWithSecret]:
    """Answers with the signing secret: store it now, it is not shown again."""
    actor = _admin(request)
    endpoint = actions.create_endpoint(
        actor,
        url=payload.url,
        kinds=payload.kinds,
        description=payload.description,
        inbox=_inbox(payload.inbox_id),
        include_notes=payload.include_notes,
        is_active=payload.is_active,
    )
    return Status(201, _with_secret(endpoint))


@router.get(
    "/endpoints/{endpoint_id}",
    response={200: EndpointOut, **ERRORS},
    operation_id="get_webhook_endpoint",
)
def get_endpoint(request: HttpRequest, endpoint_id: IdPath) -> EndpointOut:
    _admin(request)
    return _present(_endpoint(endpoint_id))


@router.patch(
    "/endpoints/{endpoint_id}",
    response={200: EndpointOut, **ERRORS},
    operation_id="update_webhook_endpoint",
)
def update_endpoint(
    request: HttpRequest, endpoint_id: IdPath, payload: EndpointPatch
) -> EndpointOut:
    """Setting `is_active` to true again clears the failure count and why it was disabled."""
    actor = _admin(request)
    endpoint = _endpoint(endpoint_id)
    given = payload.model_dump(exclude_unset=True)
    changes = {key: value for key, value in given.items() if key != "inbox_id"}
    changes = {key: value for key, value in changes.items() if value is not None}
    if "inbox_id" in given:
        changes["inbox"] = _inbox(given["inbox_id"])
    return _present(actions.update_endpoint(actor, endpoint, **changes))


@router.delete(
    "/endpoints/{endpoint_id}", response={204: None, **ERRORS}, operation_id="delete_webhook"
)
def delete_endpoint(request: HttpRequest, endpoint_id: IdPath) -> Status[None]:
    """The endpoint and its delivery log; retries still queued for it send nothing."""
    actions.delete_endpoint(_admin(request), _endpoint(endpoint_id))
    return Status(204, None)


@router.post(
    "/endpoints/{endpoint_id}/rotate-secret",
    response={200: EndpointWithSecret, **ERRORS},
    operation_id="rotate_webhook_secret",
)
def rotate_secret(request: HttpRequest, endpoint_id: IdPath) -> EndpointWithSecret:
    """A new secret; the previous one also signs each request until
    `previous_secret_expires_at`."""
    actor = _admin(request)
    return _with_secret(actions.rotate_secret(actor, _endpoint(endpoint_id)))


@router.post(
    "/endpoints/{endpoint_id}/ping",
    response={202: DeliveryOut, **ERRORS},
    operation_id="ping_webhook_endpoint",
)
def ping(request: HttpRequest, endpoint_id: IdPath) -> Status[DeliveryOut]:
    """Queue a `webhook.ping` (one attempt); read its outcome from the delivery log."""
    actor = _admin(request)
    return Status(202, _delivery(actions.send_ping(actor, _endpoint(endpoint_id))))


@router.get(
    "/endpoints/{endpoint_id}/deliveries",
    response={200: DeliveryPage, **ERRORS},
    operation_id="list_webhook_deliveries",
)
def list_deliveries(
    request: HttpRequest, endpoint_id: IdPath, filters: Query[DeliveryFilters]
) -> DeliveryPage:
    """The endpoint's deliveries, newest first, each with its attempts."""
    _admin(request)
    endpoint = _endpoint(endpoint_id)
    offset = filters.offset
    page = list(
        Delivery.objects.filter(endpoint=endpoint)
        .prefetch_related("attempt_log")
        .order_by("-pk")[offset : offset + filters.limit + 1]
    )
    more = len(page) > filters.limit
    return DeliveryPage(
        results=[_delivery(item) for item in page[: filters.limit]],
        next=paging.next_link(request, offset=offset + filters.limit) if more else None,
    )


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut, **ERRORS},
    operation_id="redeliver_webhook",
)
def redeliver(request: HttpRequest, delivery_id: UUID) -> Status[DeliveryOut]:
    """Send a delivery's body again, once, under a new delivery id (same event `id`)."""
    actor = _admin(request)
    original = Delivery.objects.select_related("endpoint", "event").filter(uuid=delivery_id)
    found = original.first()
    if found is None:
        raise NotFound(_("Not found."))
    return Status(202, _delivery(actions.redeliver(actor, found)))
